import { Permits } from './semaphore.js';
import { registerResource, resourceName } from '../core/resources.js';
import { func, signalOf } from '../core/validate.js';
import { handleWatch } from '../core/handle-watch.js';

/**
 * Exclusive access to a `Mutex`'s value; give it back with `release()` or
 * `using`. A released guard's `value` throws `TypeError`.
 *
 * @example
 * ```ts
 * import { Mutex } from 'weft/sync';
 * const m = new Mutex(0);
 * const guard = await m.lock();
 * guard.value += 1;
 * guard.release();
 * guard.release(); // idempotent
 * try { void guard.value; } catch (e) { console.assert(e instanceof TypeError); }
 * ```
 */
export interface MutexGuard<T> extends Disposable {
  /** The protected value; assignable. Throws `TypeError` once the guard is released. */
  value: T;
  /** Unlocks the mutex (the longest waiter gets it next). Idempotent. */
  release(): void;
}

let valueOf: <T>(mutex: Mutex<T>) => T;
let setValueOf: <T>(mutex: Mutex<T>, value: T) => void;
let unlock: (mutex: Mutex<any>) => void;
let permitsOf: (mutex: Mutex<any>) => Permits;

function released(): TypeError {
  return new TypeError('MutexGuard: the guard was released; lock the mutex again to use its value');
}

class Guard<T> implements MutexGuard<T> {
  #mutex: Mutex<T> | undefined;

  constructor(mutex: Mutex<T>) {
    this.#mutex = mutex;
    handleWatch.made?.(this, permitsOf(mutex), 'mutex.guard');
  }

  get value(): T {
    const mutex = this.#mutex;
    if (mutex === undefined) throw released();
    return valueOf(mutex);
  }

  set value(value: T) {
    const mutex = this.#mutex;
    if (mutex === undefined) throw released();
    setValueOf(mutex, value);
  }

  release(): void {
    const mutex = this.#mutex;
    if (mutex === undefined) return;
    this.#mutex = undefined;
    handleWatch.released?.(this);
    unlock(mutex);
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

function grantGuard<T>(mutex: Mutex<T>): MutexGuard<T> {
  return new Guard(mutex);
}

function callWithValue<T, R>(mutex: Mutex<T>, fn: (value: T) => R | PromiseLike<R>): R | PromiseLike<R> {
  return fn(valueOf(mutex));
}

const site = { op: 'mutex.lock' };

function describeMutex(p: Permits): Record<string, number | boolean> {
  return { locked: p.available === 0, waiting: p.waiters.length };
}

/**
 * An async mutex that owns the value it protects, with Tokio's semantics:
 * FIFO-fair (the longest waiter gets the lock next, so nobody starves), no
 * poisoning (a holder that throws under `runExclusive` still unlocks), and
 * guards that unlock through `release()` or `using`.
 *
 * @example
 * ```ts
 * import { Mutex } from 'weft/sync';
 * const counter = new Mutex({ n: 0 });
 * await Promise.all(Array.from({ length: 10 }, async () => {
 *   using guard = await counter.lock();
 *   const n = guard.value.n;
 *   await new Promise((r) => setTimeout(r, 1)); // no other holder can interleave here
 *   guard.value.n = n + 1;
 * }));
 * console.assert((await counter.runExclusive((v) => v.n)) === 10);
 * ```
 */
export class Mutex<T = void> {
  #value: T;
  readonly #permits = new Permits(1, site);

  static {
    valueOf = (mutex) => mutex.#value;
    setValueOf = (mutex, value) => {
      mutex.#value = value;
    };
    unlock = (mutex) => mutex.#permits.release(1);
    permitsOf = (mutex) => mutex.#permits;
  }

  /**
   * @param value the protected value (omit for a plain lock, `Mutex<void>`)
   * @param options `name`: shown by introspection (`runtime.resources()`)
   * @throws TypeError if options is not an object or its name not a string
   */
  constructor(value?: T, options?: { name?: string }) {
    this.#value = value as T;
    const name = resourceName(options, 'new Mutex');
    registerResource(this.#permits, this.#permits.rid, 'mutex', name, describeMutex);
  }

  /** True while someone holds the lock. */
  get isLocked(): boolean {
    return this.#permits.available === 0;
  }

  /**
   * Waits for the lock, in FIFO order.
   *
   * **Cancellation**: cancel-safe. If `options.signal` aborts (rejects with its
   * reason) or the calling task is aborted (rejects with `CancelledError`)
   * before the promise resolves, the call leaves the queue and does not hold
   * the lock; the next waiter is served.
   *
   * @param options `signal` to abort the wait
   * @returns a guard; the lock is held until it is released
   * @throws TypeError (synchronously) for bad options
   *
   * @example
   * ```ts
   * import { Mutex } from 'weft/sync';
   * const m = new Mutex([] as string[]);
   * {
   *   using g = await m.lock();
   *   g.value.push('a');
   * } // released here
   * console.assert(!m.isLocked);
   * ```
   */
  lock(options?: { signal?: AbortSignal }): Promise<MutexGuard<T>> {
    return this.#permits.acquire<MutexGuard<T>>(1, signalOf(options, 'Mutex.lock'), grantGuard, this);
  }

  /**
   * Takes the lock if it is free and nobody is waiting; never waits.
   *
   * @returns a guard, or `undefined` if the lock is held or others wait first
   *
   * @example
   * ```ts
   * import { Mutex } from 'weft/sync';
   * const m = new Mutex(1);
   * const g = m.tryLock();
   * console.assert(g !== undefined && m.tryLock() === undefined);
   * g?.release();
   * ```
   */
  tryLock(): MutexGuard<T> | undefined {
    return this.#permits.tryTake(1) ? new Guard(this) : undefined;
  }

  /**
   * Runs `fn` with the value while holding the lock, and unlocks when `fn`
   * settles, whether it returns or throws (no poisoning).
   *
   * **Cancellation**: aborting while waiting for the lock behaves as for
   * `lock()`: `fn` is not called and the lock is not held. Once `fn` runs, an
   * abort does not interrupt it (pass the signal into `fn` for that).
   *
   * @param fn receives the protected value (to replace the value itself, use `lock()`)
   * @param options `signal` to abort the wait for the lock
   * @returns what `fn` returns
   * @throws TypeError (synchronously) if `fn` is not a function; rejects with what `fn` throws
   *
   * @example
   * ```ts
   * import { Mutex } from 'weft/sync';
   * const m = new Mutex(new Map<string, number>());
   * await m.runExclusive((map) => map.set('a', 1));
   * await m.runExclusive(() => { throw new Error('boom'); }).catch(() => {});
   * console.assert(!m.isLocked); // released although fn threw
   * ```
   */
  runExclusive<R>(fn: (value: T) => R | PromiseLike<R>, options?: { signal?: AbortSignal }): Promise<R> {
    func(fn, 'Mutex.runExclusive');
    const signal = signalOf(options, 'Mutex.runExclusive');
    return this.#permits.run<R>(signal, callWithValue, this, fn);
  }
}
