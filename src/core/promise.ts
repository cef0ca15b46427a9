/**
 * Creating a promise without allocating an executor closure: the executor is
 * shared and hands its resolving functions over through two module slots.
 * Used on hot paths where a wait allocates its own promise.
 */
let slotResolve: ((value: never) => void) | undefined;
let slotReject: ((reason: unknown) => void) | undefined;

function executor(resolve: (value: never) => void, reject: (reason: unknown) => void): void {
  slotResolve = resolve;
  slotReject = reject;
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

/** Fills `target.resolve`/`target.reject` and returns the new promise. */
export function newPromise<T>(target: {
  resolve: ((value: T) => void) | undefined;
  reject: ((reason: unknown) => void) | undefined;
}): Promise<T> {
  const promise = new Promise<T>(executor as never);
  target.resolve = slotResolve as (value: T) => void;
  target.reject = slotReject;
  slotResolve = undefined;
  slotReject = undefined;
  return promise;
}

/** A resolved promise shared by every immediately-ready `Promise<void>`. */
export const RESOLVED: Promise<void> = Promise.resolve();

/** Marks a promise as handled so that a rejection nobody awaits is not reported. */
export function silence(promise: Promise<unknown>): void {
  promise.then(undefined, noop);
}

export function noop(): void {}
