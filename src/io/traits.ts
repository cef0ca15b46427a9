/**
 * Protocol: `stream[kReadWithin](buf, signal, deadline)` reads like
 * `read()` but gives up (closing the stream with `ReadTimeoutError`) at
 * `deadline` on the runtime clock. `Framed` uses it for `frameTimeout`.
 */
export const kReadWithin: unique symbol = Symbol('weft.readWithin');

/**
 * Internal protocol: `stream[kTryWrite](buf)` takes all of `buf` at once (as
 * `writeAll` would without waiting) and returns true, or takes nothing and
 * returns false. `Framed` and `BufWriter` use it to flush without a promise.
 */
export const kTryWrite: unique symbol = Symbol('weft.tryWrite');

/** Internal: a writer that can take bytes synchronously when it has room. */
export interface TryWrite {
  [kTryWrite](buf: Uint8Array): boolean;
}

export function hasTryWrite(io: unknown): io is TryWrite {
  return typeof (io as Partial<TryWrite> | null)?.[kTryWrite] === 'function';
}

/** Something bytes can be read from: a weft stream, a `ReadHalf`, a `BufReader`, or your own. */
export interface AsyncRead {
  /**
   * Reads at least one byte into `buf` (waiting until some arrive) and returns
   * how many; 0 means end of stream (or an empty `buf`).
   */
  read(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<number>;
}

/** Something bytes can be written to. Once `writeAll` resolves, `buf` may be reused. */
export interface AsyncWrite {
  writeAll(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<void>;
}

/** A reader that supports a deadline on the runtime clock. */
export interface ReadWithin {
  [kReadWithin](buf: Uint8Array, signal: AbortSignal | undefined, deadline: number, ms: number): Promise<number>;
}

export function hasReadWithin(io: unknown): io is ReadWithin {
  return typeof (io as Partial<ReadWithin> | null)?.[kReadWithin] === 'function';
}

/**
 * Internal protocol: `stream[kReadSink](sink, signal)` reads into
 * `sink.spare()` and hands every delivery to `sink.filled(n)` at once (in the
 * data callback, or from bytes already buffered), until `filled` returns
 * something other than `NEED_MORE`; the returned promise settles with that.
 * `Framed.next` uses it to decode a frame where the bytes land: one promise
 * per frame that has to wait, none per read.
 */
export const kReadSink: unique symbol = Symbol('weft.readSink');

/** What `filled` returns while the bytes so far do not complete the read. */
export const NEED_MORE: unique symbol = Symbol('weft.needMore');

/** The receiving side of a `kReadSink` read. */
export interface ReadSink {
  /** The (non-empty) buffer the next bytes go into. */
  spare(): Uint8Array;
  /**
   * `n` bytes landed at the start of the last `spare()` (0: end of stream).
   * Returns the read's value, or `NEED_MORE` to go on reading (never for 0).
   * May throw: the read then rejects with that error.
   */
  filled(n: number): unknown;
  /** The read ended without `filled` completing it (it threw, failed, or was cancelled). */
  ended(): void;
}

/** A reader that delivers into a `ReadSink`. */
export interface ReadIntoSink {
  [kReadSink](sink: ReadSink, signal: AbortSignal | undefined): Promise<unknown>;
}

export function hasReadSink(io: unknown): io is ReadIntoSink {
  return typeof (io as Partial<ReadIntoSink> | null)?.[kReadSink] === 'function';
}

/** Throws a TypeError unless `buf` is a Uint8Array (a Buffer is one). */
export function bytesArg(buf: unknown, fn: string): Uint8Array {
  if (!(buf instanceof Uint8Array)) {
    throw new TypeError(`${fn}: buf must be a Uint8Array, got ${buf === null ? 'null' : typeof buf}`);
  }
  return buf;
}
