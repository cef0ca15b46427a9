import { signalOf, integer } from '../core/validate.js';
import { RESOLVED } from '../core/promise.js';
import { scheduler } from '../core/scheduler.js';
import { bytesArg, hasTryWrite, kTryWrite, type AsyncWrite } from '../io/traits.js';
import type { WriteHalf } from './halves.js';
import type { TcpStream } from './tcp-stream.js';
import type { UnixStream } from './unix-stream.js';

/** What a `BufWriter` writes to. */
export type BufWriterTarget = WriteHalf | TcpStream | UnixStream;

/**
 * Adds a buffer to a writer (Tokio's `BufWriter`): small writes are collected
 * and reach the stream as one larger write when the buffer fills or on
 * `flush()`. A write larger than the buffer goes straight through (after what
 * is buffered). Backpressure is the stream's: a flush waits while the socket
 * holds its high-water mark of unsent bytes, and a `write()` waits only when
 * it has to flush a full buffer.
 *
 * Bytes still buffered are not sent until `flush()` or `close()`: call one of
 * them before you drop the writer. One operation at a time: a call made while
 * a flush is pending rejects with a TypeError.
 *
 * @example
 * ```ts
 * import { TcpListener, TcpStream, BufWriter } from 'weft/net';
 * await using listener = await TcpListener.bind('127.0.0.1:0');
 * await using client = await TcpStream.connect(listener.localAddr());
 * await using server = await listener.accept();
 * const out = new BufWriter(client);
 * for (const word of ['a', 'b', 'c']) await out.write(new TextEncoder().encode(word)); // buffered
 * await out.close(); // one write of 'abc', then end of stream
 * const buf = new Uint8Array(8);
 * let n = 0;
 * for (let k; (k = await server.read(buf.subarray(n))) > 0; ) n += k;
 * console.assert(new TextDecoder().decode(buf.subarray(0, n)) === 'abc');
 * ```
 */
export class BufWriter implements AsyncWrite {
  readonly #w: BufWriterTarget;
  readonly #buf: Uint8Array;
  #len = 0;
  #busy = false;
  #closed = false;

  /**
   * @param w the stream or write half to write to
   * @param capacity the buffer size in bytes, 1 B to 16 MiB (default 8 KiB)
   * @throws TypeError if `w` has no `writeAll` and `shutdown` methods; RangeError for a bad capacity
   */
  constructor(w: BufWriterTarget, capacity = 8192) {
    const t = w as Partial<BufWriterTarget> | null;
    if (typeof t?.writeAll !== 'function' || typeof t.shutdown !== 'function') {
      throw new TypeError('BufWriter: the writer must be a TcpStream, a UnixStream or a WriteHalf');
    }
    this.#w = w;
    this.#buf = new Uint8Array(integer(capacity, 'BufWriter', 'capacity', 1, 2 ** 24));
  }

  /** Bytes written into the buffer and not flushed yet. */
  get buffered(): number {
    return this.#len;
  }

  /** The buffer size in bytes. */
  get capacity(): number {
    return this.#buf.length;
  }

  /**
   * Writes all of `buf`: into the buffer when it fits (resolving at once),
   * else after flushing the buffer; a `buf` at least as large as the buffer is
   * then written directly. `buf` may be reused once the promise resolves.
   *
   * @throws TypeError if `buf` is not a Uint8Array
   * @rejects TypeError after `close()` or while another call is pending; the stream's errors
   *   (`IoError`, `SocketClosedError`, `WriteAfterShutdownError`) when it has to write
   *
   * **Cancellation**: not cancel-safe once it has to write: if aborted then,
   * a prefix of the buffered bytes and of `buf` may have been written, and
   * what was buffered is dropped.
   */
  write(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<void> {
    bytesArg(buf, 'BufWriter.write');
    const signal = signalOf(options, 'BufWriter.write');
    const err = this.#check('write');
    if (err !== undefined) return Promise.reject(err);
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.#len + buf.length <= this.#buf.length) {
      this.#buf.set(buf, this.#len);
      this.#len += buf.length;
      return RESOLVED;
    }
    return this.#writeSlow(buf, signal);
  }

  /** As `write()`: lets a `BufWriter` stand wherever an `AsyncWrite` does (e.g. under `Framed`). */
  writeAll(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<void> {
    return this.write(buf, options);
  }

  /**
   * Writes what is buffered, honouring the stream's backpressure. Resolves at
   * once when the buffer is empty.
   *
   * @rejects TypeError after `close()` or while another call is pending; the stream's errors
   *
   * **Cancellation**: not cancel-safe: if aborted, a prefix of the buffered
   * bytes may have been written and the rest are dropped.
   */
  flush(options?: { signal?: AbortSignal }): Promise<void> {
    const signal = signalOf(options, 'BufWriter.flush');
    const err = this.#check('flush');
    if (err !== undefined) return Promise.reject(err);
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.#len === 0) return RESOLVED;
    if (this.#tryFlush()) return RESOLVED;
    return this.#run(() => this.#flushNow(signal));
  }

  /**
   * Flushes, then shuts down the writing side (the peer reads end of stream).
   * A `WriteHalf` is released with it; a stream's reading side stays open
   * (close the stream to release it). Later calls reject with a TypeError;
   * calling `close()` again resolves at once.
   *
   * @rejects as `flush()`, and the stream's `shutdown()` errors
   */
  close(): Promise<void> {
    if (this.#closed) return RESOLVED;
    const err = this.#check('close');
    if (err !== undefined) return Promise.reject(err);
    return this.#run(async () => {
      try {
        await this.#flushNow(undefined);
      } finally {
        this.#closed = true;
      }
      await this.#w.shutdown();
      if (!('split' in this.#w)) this.#w.close();
    });
  }

  #check(fn: string): Error | undefined {
    if (this.#closed) return new TypeError(`BufWriter.${fn}: the writer is closed`);
    if (this.#busy) return new TypeError(`BufWriter.${fn}: another call is still pending`);
    return undefined;
  }

  async #run(fn: () => Promise<void>): Promise<void> {
    this.#busy = true;
    try {
      await fn();
    } finally {
      this.#busy = false;
    }
  }

  #writeSlow(buf: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    if (this.#len > 0 && !this.#tryFlush()) {
      return this.#run(async () => {
        await this.#flushNow(signal);
        await this.#put(buf, signal);
      });
    }
    return this.#put(buf, signal);
  }

  /** With the buffer empty: buffers `buf` if it fits, else writes it directly. */
  #put(buf: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    if (buf.length < this.#buf.length) {
      this.#buf.set(buf);
      this.#len = buf.length;
      return RESOLVED;
    }
    if (this.#busy) return this.#w.writeAll(buf, signal === undefined ? undefined : { signal });
    // A direct write of several chunks: nothing else may write in between.
    return this.#run(() => this.#w.writeAll(buf, signal === undefined ? undefined : { signal }));
  }

  /** Hands the whole buffer to the stream at once when it has room (no promise). */
  #tryFlush(): boolean {
    const w = this.#w;
    if (!hasTryWrite(w) || !scheduler.budget() || !w[kTryWrite](this.#buf.subarray(0, this.#len))) return false;
    this.#len = 0;
    return true;
  }

  async #flushNow(signal: AbortSignal | undefined): Promise<void> {
    if (this.#len === 0) return;
    try {
      await this.#w.writeAll(this.#buf.subarray(0, this.#len), signal === undefined ? undefined : { signal });
    } finally {
      this.#len = 0;
    }
  }
}
