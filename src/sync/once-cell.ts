import { registerResource, resourceId, resourceName } from '../core/resources.js';
import { Parked, WaitQueue } from '../core/wait-queue.js';
import { func, signalOf } from '../core/validate.js';
import { scheduler } from '../core/scheduler.js';

/** A `getOrInit` call waiting for the value; it carries its own initializer in case the running one fails. */
class InitWait<T> extends Parked<T> {
  constructor(readonly init: () => T | PromiseLike<T>) {
    super();
  }
}

const enum State {
  Empty = 0,
  Initializing = 1,
  Set = 2,
}

const site = { op: 'onceCell.getOrInit' };

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (
    (typeof x === 'object' || typeof x === 'function') &&
    x !== null &&
    typeof (x as { then?: unknown }).then === 'function'
  );
}

/**
 * A cell written at most once, with Tokio's `OnceCell` semantics: concurrent
 * `getOrInit` calls run one initializer and all get its value; if the
 * initializer fails, that caller gets the error and the next waiting caller
 * runs its own initializer.
 *
 * @example
 * ```ts
 * import { OnceCell } from 'weft/sync';
 * let runs = 0;
 * const config = new OnceCell<{ port: number }>();
 * const load = async () => { runs++; return { port: 8080 }; };
 * const [a, b] = await Promise.all([config.getOrInit(load), config.getOrInit(load)]);
 * console.assert(a === b && runs === 1 && config.get()?.port === 8080);
 * ```
 */
export class OnceCell<T> {
  #state = State.Empty;
  #value: T | undefined = undefined;
  readonly #waiters = new WaitQueue<InitWait<T>>();
  /** The wait whose initializer is running (it may have been aborted since; the run goes on). */
  #running: InitWait<T> | undefined = undefined;
  readonly #rid = resourceId();

  /**
   * @param options `name`: shown by introspection (`runtime.resources()`)
   * @throws TypeError if options is not an object or its name not a string
   */
  constructor(options?: { name?: string }) {
    registerResource(this, this.#rid, 'oncecell', resourceName(options, 'new OnceCell'), OnceCell.#describe);
  }

  static #describe(cell: OnceCell<any>): Record<string, boolean | number> {
    return {
      initialized: cell.#state === State.Set,
      initializing: cell.#running !== undefined,
      waiting: cell.#waiters.length,
    };
  }

  /** True once a value is set. */
  get isInitialized(): boolean {
    return this.#state === State.Set;
  }

  /**
   * The value, or `undefined` if none is set yet.
   *
   * @example
   * ```ts
   * import { OnceCell } from 'weft/sync';
   * const cell = new OnceCell<number>();
   * console.assert(cell.get() === undefined);
   * cell.set(1);
   * console.assert(cell.get() === 1);
   * ```
   */
  get(): T | undefined {
    return this.#value;
  }

  /**
   * Sets the value if the cell is empty and no initializer is running.
   *
   * @returns true if this call set the value; false if the cell was already
   *   set or is being initialized (then the value is not changed)
   *
   * @example
   * ```ts
   * import { OnceCell } from 'weft/sync';
   * const cell = new OnceCell<string>();
   * console.assert(cell.set('a') === true && cell.set('b') === false && cell.get() === 'a');
   * ```
   */
  set(value: T): boolean {
    if (this.#state !== State.Empty) return false;
    this.#state = State.Set;
    this.#value = value;
    return true;
  }

  /**
   * The value; if the cell is empty, runs `fn` to produce it. Concurrent calls
   * while an initializer runs wait for its value; only one initializer runs at
   * a time. If it throws or rejects, its caller gets that error, the cell stays
   * empty, and the next waiting caller runs its own `fn`.
   *
   * **Cancellation**: if `options.signal` aborts (rejects with its reason) or
   * the calling task is aborted (rejects with `CancelledError`) before the
   * value is there, the call stops waiting and leaves the queue. An
   * initializer already running is not stopped: its value still fills the
   * cell for everyone else (a failure passes the turn to the next waiter).
   *
   * @param fn the initializer (sync or async)
   * @param options `signal` to abort the wait
   * @returns the cell's value
   * @throws TypeError (synchronously) if `fn` is not a function; rejects with
   *   what this call's own `fn` threw
   *
   * @example
   * ```ts
   * import { OnceCell } from 'weft/sync';
   * const cell = new OnceCell<number>();
   * await cell.getOrInit(() => Promise.reject(new Error('flaky'))).catch(() => {});
   * console.assert(!cell.isInitialized);
   * console.assert((await cell.getOrInit(() => 7)) === 7); // the next caller tries again
   * ```
   */
  getOrInit(fn: () => T | PromiseLike<T>, options?: { signal?: AbortSignal }): Promise<T> {
    func(fn, 'OnceCell.getOrInit');
    const signal = signalOf(options, 'OnceCell.getOrInit');
    if (this.#state === State.Set) {
      if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
      if (!scheduler.budget()) return scheduler.hop().then(() => this.getOrInit(fn, options));
      return Promise.resolve(this.#value as T);
    }
    const w = new InitWait(fn);
    const promise = w.park(signal, site, this.#rid);
    if (w.settled) return promise;
    this.#waiters.push(w);
    if (this.#state === State.Empty) this.#start();
    return promise;
  }

  /** Runs the head waiter's initializer; on a synchronous failure moves on to the next. */
  #start(): void {
    for (let w = this.#waiters.head; w !== undefined; w = this.#waiters.head) {
      this.#state = State.Initializing;
      this.#running = w;
      let result: T | PromiseLike<T>;
      try {
        result = w.init();
      } catch (error) {
        this.#failed(w, error);
        continue;
      }
      if (isThenable(result)) {
        Promise.resolve(result).then(
          (value) => this.#succeeded(w, value),
          (error: unknown) => {
            this.#failed(w, error);
            this.#start();
          },
        );
      } else {
        this.#succeeded(w, result);
      }
      return;
    }
  }

  #succeeded(w: InitWait<T>, value: T): void {
    if (this.#running !== w) return;
    this.#running = undefined;
    this.#state = State.Set;
    this.#value = value;
    this.#waiters.drain((waiter) => waiter.complete(value));
  }

  #failed(w: InitWait<T>, error: unknown): void {
    if (this.#running !== w) return;
    this.#running = undefined;
    this.#state = State.Empty;
    // Its caller gets the error (unless it was aborted meanwhile); the next waiter tries.
    this.#waiters.remove(w);
    w.fail(error);
  }
}
