import { currentTaskRecord } from './context.js';
import { RESOLVED } from './promise.js';

/**
 * The one scheduler every weft primitive resumes waiters through.
 *
 * JavaScript already has a ready queue (the microtask queue), so in the default
 * mode `resolve()` just resolves: the continuation is queued by V8. What this
 * module adds on top is what Tokio's scheduler gives and microtasks do not:
 *
 * - a cooperative budget: a run of immediately-ready weft operations (a send
 *   into free capacity, an uncontended lock) yields to the macrotask queue
 *   every `BUDGET` operations, so a hot loop cannot starve timers or I/O;
 * - a seeded mode: the order in which woken waiters resume, spawned tasks
 *   start and unbiased `select` polls its branches comes from a seeded PRNG,
 *   so a concurrency test can be replayed by its seed.
 */

/** Consecutive immediately-ready operations allowed before one goes through a macrotask. */
export const BUDGET = 128;

type Resume = (value: any) => void;

/** Work to run one microtask later, batched with whatever else was deferred in the same step. */
export interface Deferred {
  runDeferred(): void;
}

class Scheduler {
  /** Counts resumptions and ready operations; the paused clock reads it to tell idle from busy. */
  activity = 0;
  /** Times the budget ran out and an operation had to yield (RuntimeMetrics.budgetForcedYields). */
  forcedYields = 0;
  #spent = 0;
  #seeded = false;
  #state = 0;
  #readyFns: Resume[] = [];
  #readyValues: unknown[] = [];
  #draining = false;
  #deferred: Deferred[] = [];
  #deferQueued = false;

  /** True while a seeded runtime is running. */
  get seeded(): boolean {
    return this.#seeded;
  }

  /** Switches to seeded mode (`seed` a number) or back to the default (undefined). */
  setSeed(seed: number | undefined): void {
    this.#seeded = seed !== undefined;
    this.#state = (seed ?? 0) >>> 0 || 0x9e3779b9;
  }

  /** A number in [0, 1): seeded when a seeded runtime runs, else Math.random(). */
  random(): number {
    if (!this.#seeded) return Math.random();
    // mulberry32: small, fast, and good enough to shuffle wake-ups.
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Resumes a waiter. The value has already left its primitive. */
  resolve(fn: Resume, value: unknown): void {
    this.activity++;
    if (!this.#seeded) {
      fn(value);
      return;
    }
    this.#readyFns.push(fn);
    this.#readyValues.push(value);
    if (!this.#draining) {
      this.#draining = true;
      void RESOLVED.then(this.#drain);
    }
  }

  #drain = (): void => {
    const fns = this.#readyFns;
    const values = this.#readyValues;
    while (fns.length > 0) {
      const i = Math.floor(this.random() * fns.length);
      const last = fns.length - 1;
      const fn = fns[i]!;
      const value = values[i];
      fns[i] = fns[last]!;
      values[i] = values[last];
      fns.pop();
      values.pop();
      fn(value);
    }
    this.#draining = false;
  };

  /**
   * Runs `item.runDeferred()` one microtask from now, in one batch with every
   * item deferred before that microtask runs (in the order they were
   * deferred). For a wake-up that must stay revocable for the rest of the
   * current synchronous step (a chosen `Notify` waiter aborted in the same
   * step passes its notification on) or that must run outside the caller's
   * stack (a granted `withPermit` function). One queue for every primitive.
   */
  defer(item: Deferred): void {
    this.#deferred.push(item);
    if (!this.#deferQueued) {
      this.#deferQueued = true;
      // A reaction, not queueMicrotask(): Node wraps every queueMicrotask
      // callback in a new AsyncResource (3-4x the cost of a reaction here).
      // Both queue one microtask now and run it in the caller's async context;
      // the batch never throws (a granted withPermit catches what its function throws).
      void RESOLVED.then(this.#runDeferred);
    }
  }

  #runDeferred = (): void => {
    this.#deferQueued = false;
    const items = this.#deferred;
    // Index loop: an item deferred while the batch runs joins this batch.
    for (let i = 0; i < items.length; i++) items[i]!.runDeferred();
    items.length = 0;
  };

  /**
   * Spends one unit of the cooperative budget. Returns false when it is used
   * up: the caller must then complete through `hop()` instead of at once.
   */
  budget(): boolean {
    this.activity++;
    if (++this.#spent < BUDGET) return true;
    this.#spent = 0;
    this.forcedYields++;
    return false;
  }

  /**
   * Starts a new run of the budget: called where weft code is entered from
   * the event loop (a socket's data callback), so the count covers the
   * operations of one macrotask, not every macrotask since the last hop (as
   * Tokio refills a task's budget each time it is polled).
   */
  refill(): void {
    this.#spent = 0;
  }

  /**
   * A promise that resolves in the next macrotask (after timers and I/O had
   * their turn). Called in a task that has been aborted by then, it rejects
   * with the task's `CancelledError`: a loop of immediately-ready operations in
   * an aborted task stops at its next hop, as at any wait that parks.
   */
  hop(): Promise<void> {
    const task = currentTaskRecord();
    return new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.#spent = 0;
        if (task?.cancelRequested === true) reject(task.cancelError());
        else resolve();
      });
    });
  }
}

export const scheduler = new Scheduler();
