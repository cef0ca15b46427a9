import { RingBuffer } from '../core/ring-buffer.js';

/** Received chunks not read yet, with their total size. */
export class ChunkQueue {
  readonly #ring = new RingBuffer<Uint8Array>(8);
  bytes = 0;

  push(chunk: Uint8Array): void {
    this.#ring.push(chunk);
    this.bytes += chunk.length;
  }

  /** Moves up to `dst.length - offset` bytes into `dst` at `offset`; returns how many. */
  copyInto(dst: Uint8Array, offset: number): number {
    let copied = 0;
    const want = dst.length - offset;
    const ring = this.#ring;
    while (copied < want) {
      const chunk = ring.peek();
      if (chunk === undefined) break;
      const n = Math.min(chunk.length, want - copied);
      dst.set(n === chunk.length ? chunk : chunk.subarray(0, n), offset + copied);
      copied += n;
      if (n === chunk.length) ring.shift();
      else ring.replaceHead(chunk.subarray(n));
    }
    this.bytes -= copied;
    return copied;
  }

  clear(): void {
    this.#ring.clear();
    this.bytes = 0;
  }
}
