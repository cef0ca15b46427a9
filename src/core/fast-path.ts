import { scheduler } from './scheduler.js';

/**
 * The fast path of every operation that can answer at once (a buffered value,
 * free capacity, an uncontended lock), written once.
 *
 * Returns `undefined` when the caller may answer now: `signal` is not aborted
 * and one unit of the cooperative budget was spent. Otherwise it returns the
 * promise the caller must return instead: rejected with the signal's reason,
 * or, when the budget is used up, `op` called again on `self` with the same
 * arguments after a macrotask hop. The whole operation is retried because
 * nothing may leave the primitive before the promise that delivers it
 * resolves. Nothing is allocated on the path that answers now.
 *
 * ```
 * const later = fastPath(signal, this, this.recv, options);
 * if (later !== undefined) return later;
 * return Promise.resolve(chan.take());
 * ```
 */
export function fastPath<S, R>(
  signal: AbortSignal | undefined,
  self: S,
  op: (this: S) => Promise<R>,
): Promise<R> | undefined;
export function fastPath<S, A, R>(
  signal: AbortSignal | undefined,
  self: S,
  op: (this: S, a: A) => Promise<R>,
  a: A,
): Promise<R> | undefined;
export function fastPath<S, A, B, R>(
  signal: AbortSignal | undefined,
  self: S,
  op: (this: S, a: A, b: B) => Promise<R>,
  a: A,
  b: B,
): Promise<R> | undefined;
export function fastPath<S, A, B, C, R>(
  signal: AbortSignal | undefined,
  self: S,
  op: (this: S, a: A, b: B, c: C) => Promise<R>,
  a: A,
  b: B,
  c: C,
): Promise<R> | undefined;
export function fastPath<S, A, B, C, D, R>(
  signal: AbortSignal | undefined,
  self: S,
  op: (this: S, a: A, b: B, c: C, d: D) => Promise<R>,
  a: A,
  b: B,
  c: C,
  d: D,
): Promise<R> | undefined;
export function fastPath(
  signal: AbortSignal | undefined,
  self: unknown,
  op: (this: unknown, ...args: unknown[]) => Promise<unknown>,
  a?: unknown,
  b?: unknown,
  c?: unknown,
  d?: unknown,
): Promise<unknown> | undefined {
  if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
  if (scheduler.budget()) return undefined;
  // (unused trailing arguments are passed as undefined, which a default parameter treats as absent)
  return scheduler.hop().then(() => op.call(self, a, b, c, d));
}

/**
 * The fast path of an operation whose answer is a known settled promise
 * (`RESOLVED`, a shared `Promise.resolve(undefined)`): the signal's rejection
 * if it is aborted, `answer` if there is budget, else `answer` after a hop.
 */
export function readyAnswer<T>(signal: AbortSignal | undefined, answer: Promise<T>): Promise<T> {
  if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
  if (scheduler.budget()) return answer;
  return scheduler.hop().then(() => answer);
}
