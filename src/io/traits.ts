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

/** Throws a TypeError unless `buf` is a Uint8Array (a Buffer is one). */
export function bytesArg(buf: unknown, fn: string): Uint8Array {
  if (!(buf instanceof Uint8Array)) {
    throw new TypeError(`${fn}: buf must be a Uint8Array, got ${buf === null ? 'null' : typeof buf}`);
  }
  return buf;
}
