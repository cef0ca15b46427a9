import { Parked, WaitQueue, type WaitSite } from '../core/wait-queue.js';
import { registerResource, resourceId, resourceName } from '../core/resources.js';
import { scheduler } from '../core/scheduler.js';
import { func, integer, signalOf } from '../core/validate.js';
import { ClosedError } from './errors.js';
import { RESOLVED } from '../core/promise.js';
import { handleWatch } from '../core/handle-watch.js';

/** The largest permit count a semaphore holds or an acquire asks for: 2^31 - 1. */
const MAX_PERMITS = 0x7fffffff;

/** Builds what a granted acquire delivers (a guard, a permit) from its owner. A module-level function, never a closure. */
export type Grant<G> = (owner: any, n: number) => G;

/**
 * One acquire waiting for permits. As in Tokio, permits released while it is
 * at the head of the queue are assigned to it even if they do not cover its
 * whole request (`have`), so a large request is not starved by smaller ones
 * behind it; if it is aborted, `onCancel` gives `have` back and the next
 * waiters whose requests now fit are served.
 */
class AcquireWait<G> extends Parked<G> {
  have = 0;
  constructor(
    readonly permits: Permits,
    readonly needed: number,
    readonly grant: Grant<G>,
    readonly owner: unknown,
  ) {
    super();
  }

  protected override onCancel(): void {
    const have = this.have;
    this.have = 0;
    this.permits.release(have);
  }

  /** Called once all `needed` permits are assigned and the wait has left the queue: delivers the grant. */
  granted(): void {
    this.complete(this.grant(this.owner, this.needed));
  }

  /** Delivers an acquire that was granted at once but had to go through a macrotask (budget spent). */
  deliver(): void {
    if (this.settled) return;
    const permits = this.permits;
    if (permits.closed) {
      const have = this.have;
      this.have = 0;
      this.fail(permits.closedError());
      permits.release(have);
      return;
    }
    this.granted();
  }
}

/** Calls the user's function for `withPermit`/`runExclusive` (e.g. with the mutex's value). A module-level function. */
export type Call<R> = (owner: any, fn: any) => R | PromiseLike<R>;

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (
    (typeof x === 'object' || typeof x === 'function') &&
    x !== null &&
    typeof (x as { then?: unknown }).then === 'function'
  );
}

/**
 * Runs `fn` under one permit that the caller already holds, and gives the
 * permit back when `fn` settles (returns, throws or rejects). The result
 * settles after the permit went back.
 */
function runHolding<R>(permits: Permits, call: Call<R>, owner: unknown, fn: unknown): R | Promise<R> {
  let result: R | PromiseLike<R>;
  try {
    result = call(owner, fn);
  } catch (error) {
    permits.release(1);
    throw error;
  }
  if (!isThenable(result)) {
    permits.release(1);
    return result;
  }
  const settled = Promise.resolve(result);
  settled.then(permits.releaseOne, permits.releaseOne);
  return settled;
}

/**
 * A `withPermit`/`runExclusive` call waiting for its permit. It carries the
 * function itself: once granted it runs it (in a microtask, with the other
 * runs granted in the same step) and its promise adopts the result, so a
 * waiting call costs one object and one promise, no async frame.
 */
class RunWait<R> extends AcquireWait<R> {
  constructor(
    permits: Permits,
    readonly call: Call<R>,
    owner: unknown,
    readonly fn: unknown,
  ) {
    super(permits, 1, grantNothing as unknown as Grant<R>, owner);
  }

  override granted(): void {
    scheduler.defer(this); // runs in a microtask, with the other runs granted in the same step
  }

  /** (Deferred) Runs the function, unless the call was cancelled after the grant (its permit went back then). */
  runDeferred(): void {
    if (this.settled) return;
    this.have = 0; // from here the permit belongs to the running function
    let result: R | Promise<R>;
    try {
      result = runHolding(this.permits, this.call, this.owner, this.fn);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.complete(result as R); // a promise result is adopted
  }
}

function grantNothing(): undefined {
  return undefined;
}

function deliverLater(w: AcquireWait<any>): void {
  // hop() rejects if the task was aborted meanwhile; the wait was cancelled with it, so deliver() is a no-op then.
  const deliver = (): void => w.deliver();
  void scheduler.hop().then(deliver, deliver);
}

/**
 * @internal The FIFO batch semaphore behind `Semaphore`, `Mutex` and `RwLock`
 * (Tokio's design: a mutex is one permit, a write lock all `maxReaders`
 * permits). Invariant: while anyone waits in the queue, `available` is 0
 * (freed permits go to the head first), so nothing can overtake a waiter.
 */
export class Permits {
  available: number;
  closed = false;
  readonly waiters = new WaitQueue<AcquireWait<any>>();
  readonly #site: WaitSite;
  /** The permits it was made with (a lock's size; a semaphore's grows and shrinks, this does not follow). */
  readonly max: number;
  /** The resource id its waits report (the lock or semaphore built on it). */
  readonly rid = resourceId();
  /** `release(1)`, bound once: the settle handler of every `run()`. */
  readonly releaseOne = (): void => this.release(1);

  constructor(permits: number, site: WaitSite) {
    this.available = permits;
    this.max = permits;
    this.#site = site;
  }

  /** Takes `n` permits now if nobody is queued and they are free; never waits. */
  tryTake(n: number): boolean {
    if (this.waiters.head !== undefined || this.available < n) return false;
    this.available -= n;
    return true;
  }

  /**
   * Takes `n` permits, waiting in FIFO order; resolves with `grant(owner, n)`.
   * The fast path (nobody queued, enough free) allocates no wait.
   */
  acquire<G>(
    n: number,
    signal: AbortSignal | undefined,
    grant: Grant<G>,
    owner: unknown,
    site: WaitSite = this.#site,
  ): Promise<G> {
    if (this.closed) return Promise.reject(this.closedError());
    if (this.waiters.head === undefined && this.available >= n) {
      if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
      this.available -= n;
      if (scheduler.budget()) return Promise.resolve(grant(owner, n));
      // Budget spent: the permits are ours (FIFO holds), delivered after a macrotask.
      const w = new AcquireWait(this, n, grant, owner);
      w.have = n;
      const promise = w.park(signal, site, this.rid);
      if (!w.settled) deliverLater(w);
      return promise;
    }
    const w = new AcquireWait(this, n, grant, owner);
    const promise = w.park(signal, site, this.rid);
    if (w.settled) return promise;
    // Too few free (or others queued, and then none are free): take what is
    // free now and wait at the tail for the rest.
    w.have = this.available;
    this.available = 0;
    this.waiters.push(w);
    return promise;
  }

  /**
   * Takes one permit (FIFO, like `acquire(1)`), then calls `call(owner, fn)`
   * in a later microtask and releases the permit when that settles; resolves
   * with its result. `fn` never runs synchronously inside this call.
   */
  run<R>(signal: AbortSignal | undefined, call: Call<R>, owner: unknown, fn: unknown): Promise<R> {
    if (this.closed) return Promise.reject(this.closedError());
    if (this.waiters.head === undefined && this.available >= 1) {
      if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
      this.available -= 1;
      if (scheduler.budget()) return RESOLVED.then(() => runHolding(this, call, owner, fn));
      const w = new RunWait(this, call, owner, fn);
      w.have = 1;
      const promise = w.park(signal, this.#site, this.rid);
      if (!w.settled) deliverLater(w);
      return promise;
    }
    const w = new RunWait(this, call, owner, fn);
    const promise = w.park(signal, this.#site, this.rid);
    if (w.settled) return promise;
    w.have = this.available;
    this.available = 0;
    this.waiters.push(w);
    return promise;
  }

  /** Returns `n` permits and serves the waiters they satisfy, in order. */
  release(n: number): void {
    this.available += n;
    if (this.waiters.head !== undefined) this.#dispatch();
  }

  #dispatch(): void {
    let w = this.waiters.head;
    while (w !== undefined && this.available > 0) {
      const want = w.needed - w.have;
      if (this.available < want) {
        w.have += this.available;
        this.available = 0;
        return;
      }
      this.available -= want;
      w.have = w.needed;
      this.waiters.remove(w);
      w.granted();
      w = this.waiters.head;
    }
  }

  /** Rejects every waiter with `ClosedError` (their partial permits come back) and every later acquire. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiters.drain((w) => {
      this.available += w.have;
      w.have = 0;
      w.fail(this.closedError());
    });
  }

  closedError(): ClosedError {
    return new ClosedError('Semaphore.acquire: the semaphore is closed');
  }
}

function checkCount(n: unknown, fn: string): number {
  return integer(n, fn, 'the number of permits', 1, MAX_PERMITS);
}

/**
 * Permits held from a `Semaphore`; give them back with `release()` or
 * `using`, or drop them for good with `forget()`.
 *
 * @example
 * ```ts
 * import { Semaphore } from 'weft/sync';
 * const sem = new Semaphore(3);
 * const permit = await sem.acquire(2);
 * permit.forget(); // the semaphore now has 1 permit in all
 * console.assert(permit.count === 0 && sem.availablePermits === 1);
 * ```
 */
export interface SemaphorePermit extends Disposable {
  /** How many permits this holds (0 once released or forgotten). */
  readonly count: number;
  /** Returns the permits to the semaphore. Idempotent. */
  release(): void;
  /** Drops the permits without returning them: the semaphore has that many fewer from now on. Idempotent. */
  forget(): void;
}

class Permit implements SemaphorePermit {
  #permits: Permits | undefined;
  #count: number;

  constructor(permits: Permits, count: number) {
    this.#permits = permits;
    this.#count = count;
    handleWatch.made?.(this, permits, 'semaphore.permit');
  }

  get count(): number {
    return this.#count;
  }

  release(): void {
    const permits = this.#permits;
    if (permits === undefined) return;
    this.#permits = undefined;
    handleWatch.released?.(this);
    const n = this.#count;
    this.#count = 0;
    permits.release(n);
  }

  forget(): void {
    if (this.#permits !== undefined) handleWatch.released?.(this);
    this.#permits = undefined;
    this.#count = 0;
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

function grantPermit(permits: Permits, n: number): SemaphorePermit {
  return new Permit(permits, n);
}

function callPlain<R>(_owner: unknown, fn: () => R | PromiseLike<R>): R | PromiseLike<R> {
  return fn();
}

const acquireSite = { op: 'semaphore.acquire' };

function describeSemaphore(p: Permits): Record<string, number | boolean> {
  return { permits: p.available, waiting: p.waiters.length, closed: p.closed };
}

/**
 * A counting semaphore with Tokio's semantics: strictly FIFO (a waiting
 * `acquire(n)` blocks later, smaller requests, so a large request is never
 * starved), closable, with permits that can be added or forgotten.
 *
 * @example
 * ```ts
 * import { Semaphore } from 'weft/sync';
 * const sem = new Semaphore(2);
 * let running = 0, peak = 0;
 * await Promise.all([1, 2, 3, 4, 5].map((i) => sem.withPermit(async () => {
 *   peak = Math.max(peak, ++running);
 *   await new Promise((r) => setTimeout(r, 1));
 *   running--;
 *   return i;
 * })));
 * console.assert(peak === 2 && sem.availablePermits === 2);
 * ```
 */
export class Semaphore {
  /** The largest number of permits a semaphore can hold, and the most one acquire can ask for: 2^31 - 1. */
  static readonly MAX_PERMITS: number = MAX_PERMITS;
  readonly #permits: Permits;

  /**
   * @param permits the initial number of permits, an integer from 0 to `Semaphore.MAX_PERMITS`
   * @param options `name`: shown by introspection (`runtime.resources()`)
   * @throws TypeError if `permits` is not a number or options are not an object; RangeError if it is not an integer in range
   */
  constructor(permits: number, options?: { name?: string }) {
    integer(permits, 'new Semaphore', 'permits', 0, MAX_PERMITS);
    const name = resourceName(options, 'new Semaphore');
    this.#permits = new Permits(permits, acquireSite);
    registerResource(this.#permits, this.#permits.rid, 'semaphore', name, describeSemaphore);
  }

  /** Permits free right now (0 while anyone waits: freed permits go to the waiters first). */
  get availablePermits(): number {
    return this.#permits.available;
  }

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.#permits.closed;
  }

  /**
   * Waits for `n` permits, in FIFO order: while an earlier request waits, a
   * later one waits behind it even if it would fit.
   *
   * **Cancellation**: cancel-safe. If `options.signal` aborts (rejects with its
   * reason) or the calling task is aborted (rejects with `CancelledError`)
   * before the promise resolves, the request leaves the queue, the permits it
   * had been assigned while waiting go back, and the next waiters whose
   * requests now fit are served. No permit is held by an aborted call.
   *
   * @param n permits to take, an integer from 1 to `Semaphore.MAX_PERMITS` (default 1)
   * @param options `signal` to abort the wait
   * @returns a `SemaphorePermit` holding `n` permits
   * @throws TypeError / RangeError (synchronously) for a bad `n` or options;
   *   rejects with `ClosedError` if the semaphore is or becomes closed
   *
   * @example
   * ```ts
   * import { Semaphore } from 'weft/sync';
   * const sem = new Semaphore(3);
   * using permit = await sem.acquire(2);
   * console.assert(permit.count === 2 && sem.availablePermits === 1);
   * ```
   */
  acquire(n?: number, options?: { signal?: AbortSignal }): Promise<SemaphorePermit> {
    const count = n === undefined ? 1 : checkCount(n, 'Semaphore.acquire');
    const signal = signalOf(options, 'Semaphore.acquire');
    return this.#permits.acquire(count, signal, grantPermit, this.#permits);
  }

  /**
   * Takes `n` permits if they are free and nobody is waiting; never waits.
   *
   * @param n permits to take, an integer from 1 to `Semaphore.MAX_PERMITS` (default 1)
   * @returns the permit, or `undefined` if not enough are free (or others wait first)
   * @throws ClosedError if the semaphore is closed; TypeError / RangeError for a bad `n`
   *
   * @example
   * ```ts
   * import { Semaphore } from 'weft/sync';
   * const sem = new Semaphore(1);
   * const a = sem.tryAcquire();
   * console.assert(a !== undefined && sem.tryAcquire() === undefined);
   * a?.release();
   * ```
   */
  tryAcquire(n?: number): SemaphorePermit | undefined {
    const count = n === undefined ? 1 : checkCount(n, 'Semaphore.tryAcquire');
    const permits = this.#permits;
    if (permits.closed) throw new ClosedError('Semaphore.tryAcquire: the semaphore is closed');
    return permits.tryTake(count) ? new Permit(permits, count) : undefined;
  }

  /**
   * Adds `n` permits (serving waiters first, in order).
   *
   * @param n an integer >= 0; the free permits must stay at most `Semaphore.MAX_PERMITS`
   * @throws TypeError / RangeError for a bad `n` or if the total would exceed `MAX_PERMITS`
   *
   * @example
   * ```ts
   * import { Semaphore } from 'weft/sync';
   * const sem = new Semaphore(0);
   * const waiting = sem.acquire();
   * sem.addPermits(1);
   * (await waiting).release();
   * console.assert(sem.availablePermits === 1);
   * ```
   */
  addPermits(n: number): void {
    const permits = this.#permits;
    integer(n, 'Semaphore.addPermits', 'n', 0, MAX_PERMITS - permits.available);
    permits.release(n);
  }

  /**
   * Closes the semaphore: every waiting `acquire` rejects with `ClosedError`,
   * and so do later `acquire`/`withPermit` calls (`tryAcquire` throws it).
   * Permits already held stay valid and can still be released. Idempotent.
   *
   * @example
   * ```ts
   * import { Semaphore, ClosedError } from 'weft/sync';
   * const sem = new Semaphore(0);
   * const waiting = sem.acquire();
   * sem.close();
   * await waiting.catch((e: unknown) => console.assert(e instanceof ClosedError));
   * ```
   */
  close(): void {
    this.#permits.close();
  }

  /**
   * Runs `fn` holding one permit, and releases it when `fn` settles, whether
   * it returns or throws (no poisoning).
   *
   * **Cancellation**: aborting while waiting for the permit behaves as for
   * `acquire()`: `fn` is not called and no permit is held. Once `fn` runs, an
   * abort does not interrupt it (pass the signal into `fn` for that).
   *
   * @param fn the work to run under the permit
   * @param options `signal` to abort the wait for the permit
   * @returns what `fn` returns
   * @throws TypeError (synchronously) if `fn` is not a function; rejects with
   *   `ClosedError` if the semaphore is closed, or with what `fn` throws
   *
   * @example
   * ```ts
   * import { Semaphore } from 'weft/sync';
   * const sem = new Semaphore(1);
   * const v = await sem.withPermit(() => 42);
   * console.assert(v === 42 && sem.availablePermits === 1);
   * ```
   */
  withPermit<R>(fn: () => R | PromiseLike<R>, options?: { signal?: AbortSignal }): Promise<R> {
    func(fn, 'Semaphore.withPermit');
    const signal = signalOf(options, 'Semaphore.withPermit');
    return this.#permits.run<R>(signal, callPlain, undefined, fn);
  }
}
