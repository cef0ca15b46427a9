import { Permits, Semaphore } from './semaphore.js';
import { registerResource, resourceName } from '../core/resources.js';
import { integer, signalOf } from '../core/validate.js';
import { handleWatch } from '../core/handle-watch.js';

/**
 * Shared access to an `RwLock`'s value; give it back with `release()` or
 * `using`. A released guard's `value` throws `TypeError`.
 *
 * @example
 * ```ts
 * import { RwLock } from 'weft/sync';
 * const lock = new RwLock({ name: 'weft' });
 * {
 *   using r = await lock.read();
 *   console.assert(r.value.name === 'weft');
 * }
 * ```
 */
export interface ReadGuard<T> extends Disposable {
  /** The protected value. Throws `TypeError` once the guard is released. */
  readonly value: T;
  /** Gives up this read access. Idempotent. */
  release(): void;
}

/**
 * Exclusive access to an `RwLock`'s value; give it back with `release()` or
 * `using`, or turn it into read access with `downgrade()`.
 *
 * @example
 * ```ts
 * import { RwLock } from 'weft/sync';
 * const lock = new RwLock(1);
 * const w = await lock.write();
 * w.value = 2;
 * using r = w.downgrade(); // still no writer can get in
 * console.assert(r.value === 2);
 * ```
 */
export interface WriteGuard<T> extends Disposable {
  /** The protected value; assignable. Throws `TypeError` once the guard is released. */
  value: T;
  /** Unlocks (the next waiters in FIFO order get it). Idempotent. */
  release(): void;
  /**
   * Atomically turns this write access into read access: readers queued
   * behind can then proceed, and no writer can get in between. This guard is
   * released; use the returned one.
   */
  downgrade(): ReadGuard<T>;
}

let valueOf: <T>(lock: RwLock<T>) => T;
let setValueOf: <T>(lock: RwLock<T>, value: T) => void;
let permitsOf: (lock: RwLock<any>) => Permits;
let maxReadersOf: (lock: RwLock<any>) => number;

function released(kind: string): TypeError {
  return new TypeError(`${kind}: the guard was released; lock the RwLock again to use its value`);
}

class Read<T> implements ReadGuard<T> {
  #lock: RwLock<T> | undefined;

  constructor(lock: RwLock<T>) {
    this.#lock = lock;
    handleWatch.made?.(this, permitsOf(lock), 'rwlock.readGuard');
  }

  get value(): T {
    const lock = this.#lock;
    if (lock === undefined) throw released('ReadGuard');
    return valueOf(lock);
  }

  release(): void {
    const lock = this.#lock;
    if (lock === undefined) return;
    this.#lock = undefined;
    handleWatch.released?.(this);
    permitsOf(lock).release(1);
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

class Write<T> implements WriteGuard<T> {
  #lock: RwLock<T> | undefined;

  constructor(lock: RwLock<T>) {
    this.#lock = lock;
    handleWatch.made?.(this, permitsOf(lock), 'rwlock.writeGuard');
  }

  get value(): T {
    const lock = this.#lock;
    if (lock === undefined) throw released('WriteGuard');
    return valueOf(lock);
  }

  set value(value: T) {
    const lock = this.#lock;
    if (lock === undefined) throw released('WriteGuard');
    setValueOf(lock, value);
  }

  release(): void {
    const lock = this.#lock;
    if (lock === undefined) return;
    this.#lock = undefined;
    handleWatch.released?.(this);
    permitsOf(lock).release(maxReadersOf(lock));
  }

  downgrade(): ReadGuard<T> {
    const lock = this.#lock;
    if (lock === undefined) throw released('WriteGuard.downgrade');
    this.#lock = undefined;
    handleWatch.released?.(this);
    // Keep one permit (our read access), give back the rest.
    permitsOf(lock).release(maxReadersOf(lock) - 1);
    return new Read(lock);
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

function grantRead<T>(lock: RwLock<T>): ReadGuard<T> {
  return new Read(lock);
}

function grantWrite<T>(lock: RwLock<T>): WriteGuard<T> {
  return new Write(lock);
}

const site = { op: 'rwlock.read' };
const writeSite = { op: 'rwlock.write' };

function describeRwLock(p: Permits): Record<string, number | boolean> {
  return { maxReaders: p.max, available: p.available, waiting: p.waiters.length };
}

/**
 * A reader-writer lock that owns its value, with Tokio's semantics: many
 * readers at once (at most `maxReaders`) or one writer; strictly FIFO and
 * therefore write-preferring: a queued writer blocks readers that arrive after
 * it, so writers are never starved. No poisoning.
 *
 * Built like Tokio's: a FIFO semaphore with `maxReaders` permits, where a read
 * takes one and a write takes all of them.
 *
 * @example
 * ```ts
 * import { RwLock } from 'weft/sync';
 * const config = new RwLock({ level: 'info' });
 * const [a, b] = await Promise.all([config.read(), config.read()]); // readers share
 * console.assert(a.value.level === 'info' && b.value.level === 'info');
 * const w = config.write(); // waits for both readers
 * a.release(); b.release();
 * using guard = await w;
 * guard.value = { level: 'debug' };
 * ```
 */
export class RwLock<T> {
  #value: T;
  readonly #maxReaders: number;
  readonly #permits: Permits;

  static {
    valueOf = (lock) => lock.#value;
    setValueOf = (lock, value) => {
      lock.#value = value;
    };
    permitsOf = (lock) => lock.#permits;
    maxReadersOf = (lock) => lock.#maxReaders;
  }

  /**
   * @param value the protected value
   * @param options `maxReaders`: how many readers may hold the lock at once,
   *   an integer from 1 to `Semaphore.MAX_PERMITS` (default `Semaphore.MAX_PERMITS`);
   *   `name`: shown by introspection (`runtime.resources()`)
   * @throws TypeError / RangeError for a bad `maxReaders` or name
   */
  constructor(value: T, options?: { maxReaders?: number; name?: string }) {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError('new RwLock: options must be an object');
    }
    const max = options?.maxReaders;
    this.#maxReaders =
      max === undefined ? Semaphore.MAX_PERMITS : integer(max, 'new RwLock', 'maxReaders', 1, Semaphore.MAX_PERMITS);
    this.#value = value;
    this.#permits = new Permits(this.#maxReaders, site);
    const name = resourceName(options, 'new RwLock');
    registerResource(this.#permits, this.#permits.rid, 'rwlock', name, describeRwLock);
  }

  /** How many readers may hold the lock at once. */
  get maxReaders(): number {
    return this.#maxReaders;
  }

  /**
   * Waits for shared read access, in FIFO order: behind any queued writer,
   * and behind earlier readers when `maxReaders` are in.
   *
   * **Cancellation**: cancel-safe. If `options.signal` aborts (rejects with its
   * reason) or the calling task is aborted (rejects with `CancelledError`)
   * before the promise resolves, the call leaves the queue and holds nothing;
   * the waiters behind it are served if they now can be.
   *
   * @param options `signal` to abort the wait
   * @returns a read guard
   * @throws TypeError (synchronously) for bad options
   *
   * @example
   * ```ts
   * import { RwLock } from 'weft/sync';
   * const lock = new RwLock([1, 2, 3]);
   * using r = await lock.read();
   * console.assert(r.value.length === 3);
   * ```
   */
  read(options?: { signal?: AbortSignal }): Promise<ReadGuard<T>> {
    return this.#permits.acquire<ReadGuard<T>>(1, signalOf(options, 'RwLock.read'), grantRead, this);
  }

  /**
   * Waits for exclusive write access, in FIFO order. While it waits, readers
   * that arrive after it wait too (write preference).
   *
   * **Cancellation**: cancel-safe. If `options.signal` aborts (rejects with its
   * reason) or the calling task is aborted (rejects with `CancelledError`)
   * before the promise resolves, the call leaves the queue and holds nothing;
   * the readers it was holding back are served.
   *
   * @param options `signal` to abort the wait
   * @returns a write guard
   * @throws TypeError (synchronously) for bad options
   *
   * @example
   * ```ts
   * import { RwLock } from 'weft/sync';
   * const lock = new RwLock(0);
   * {
   *   using w = await lock.write();
   *   w.value += 1;
   * }
   * console.assert(lock.tryRead()?.value === 1);
   * ```
   */
  write(options?: { signal?: AbortSignal }): Promise<WriteGuard<T>> {
    return this.#permits.acquire<WriteGuard<T>>(
      this.#maxReaders,
      signalOf(options, 'RwLock.write'),
      grantWrite,
      this,
      writeSite,
    );
  }

  /**
   * Takes read access if it is available now and nobody is queued; never waits.
   *
   * @returns a read guard, or `undefined`
   *
   * @example
   * ```ts
   * import { RwLock } from 'weft/sync';
   * const lock = new RwLock('x');
   * const w = lock.tryWrite();
   * console.assert(w !== undefined && lock.tryRead() === undefined);
   * w?.release();
   * ```
   */
  tryRead(): ReadGuard<T> | undefined {
    return this.#permits.tryTake(1) ? new Read(this) : undefined;
  }

  /**
   * Takes write access if nobody holds or waits for the lock; never waits.
   *
   * @returns a write guard, or `undefined`
   *
   * @example
   * ```ts
   * import { RwLock } from 'weft/sync';
   * const lock = new RwLock('x');
   * const r = lock.tryRead();
   * console.assert(lock.tryWrite() === undefined);
   * r?.release();
   * const w = lock.tryWrite();
   * console.assert(w !== undefined);
   * w?.release();
   * ```
   */
  tryWrite(): WriteGuard<T> | undefined {
    return this.#permits.tryTake(this.#maxReaders) ? new Write(this) : undefined;
  }
}
