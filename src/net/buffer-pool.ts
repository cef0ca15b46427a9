import { integer } from '../core/validate.js';

/** Options of a `BufferPool`. */
export interface BufferPoolOptions {
  /** Size of each buffer in bytes, 1 B to 64 MiB. Default 16 KiB. */
  bufferSize?: number;
  /** Buffers kept for reuse; released buffers beyond this are left to the GC. Default 1024. */
  maxPooled?: number;
}

/**
 * A pool of fixed-size read buffers, so a server with many connections reuses
 * a few buffers instead of allocating one per read (or per idle connection).
 * `acquire()` never waits: it reuses a released buffer or allocates a new one.
 *
 * @example
 * ```ts
 * import { BufferPool } from 'weft/net';
 * const pool = new BufferPool({ bufferSize: 4096 });
 * const buf = pool.acquire();
 * console.assert(buf.length === 4096);
 * pool.release(buf);
 * console.assert(pool.acquire() === buf); // reused
 * {
 *   using lease = pool.lease(); // released at the end of the block
 *   console.assert(lease.buffer.length === 4096);
 * }
 * ```
 */
export class BufferPool {
  readonly bufferSize: number;
  readonly maxPooled: number;
  readonly #free: Uint8Array[] = [];
  #allocated = 0;

  constructor(options?: BufferPoolOptions) {
    this.bufferSize =
      options?.bufferSize === undefined
        ? 16 * 1024
        : integer(options.bufferSize, 'BufferPool', 'bufferSize', 1, 64 * 1024 * 1024);
    this.maxPooled =
      options?.maxPooled === undefined ? 1024 : integer(options.maxPooled, 'BufferPool', 'maxPooled', 0, 1_000_000);
  }

  /** Buffers waiting in the pool. */
  get available(): number {
    return this.#free.length;
  }

  /** Buffers this pool has allocated in total. */
  get allocated(): number {
    return this.#allocated;
  }

  /** A buffer of `bufferSize` bytes (contents unspecified): a pooled one, else a new one. */
  acquire(): Uint8Array {
    const buf = this.#free.pop();
    if (buf !== undefined) return buf;
    this.#allocated++;
    return new Uint8Array(this.bufferSize);
  }

  /**
   * Returns a buffer to the pool. Do not use it afterwards.
   * @throws TypeError for a buffer that is not a whole, unshared `bufferSize` buffer of this kind
   */
  release(buf: Uint8Array): void {
    if (!(buf instanceof Uint8Array) || buf.length !== this.bufferSize || buf.byteOffset !== 0) {
      throw new TypeError(`BufferPool.release: expected a buffer of ${this.bufferSize} bytes from acquire()`);
    }
    if (this.#free.length < this.maxPooled) this.#free.push(buf);
  }

  /** Acquires a buffer that is released when the returned lease is disposed (`using`). */
  lease(): { readonly buffer: Uint8Array } & Disposable {
    const buffer = this.acquire();
    let released = false;
    return {
      buffer,
      [Symbol.dispose]: () => {
        if (released) return;
        released = true;
        this.release(buffer);
      },
    };
  }
}
