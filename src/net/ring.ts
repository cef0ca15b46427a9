/**
 * A growable FIFO ring (power-of-two capacity): O(1) push and shift without
 * `Array.shift`. Used for buffered chunks, pending connections and datagrams.
 */
export class Ring<T> {
  #items: (T | undefined)[] = new Array<T | undefined>(8);
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = item;
    this.#length++;
  }

  /** The oldest item, left in place. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  /** Replaces the oldest item (for a partly consumed chunk). */
  replaceHead(item: T): void {
    this.#items[this.#head] = item;
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#length--;
    return item;
  }

  clear(): void {
    this.#items = new Array<T | undefined>(8);
    this.#head = 0;
    this.#length = 0;
  }

  #grow(): void {
    const old = this.#items;
    const items = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.#length; i++) items[i] = old[(this.#head + i) & (old.length - 1)];
    this.#items = items;
    this.#head = 0;
  }
}

/** Received chunks not read yet, with their total size. */
export class ChunkQueue {
  readonly #ring = new Ring<Uint8Array>();
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
