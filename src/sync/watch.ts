import { Parked, WaitQueue } from '../core/wait-queue.js';
import { registerResource, resourceId, resourceName } from '../core/resources.js';
import { RESOLVED } from '../core/promise.js';
import { signalOf, func } from '../core/validate.js';
import { RecvError, SendError } from './errors.js';
import { fastPath } from '../core/fast-path.js';
import { handleWatch } from '../core/handle-watch.js';

const changedSite = { op: 'watch.changed' };
const closedSite = { op: 'watch.closed' };

/** @internal A parked `changed()`; `rx` is the receiver whose seen version it updates. */
export class ChangedWait extends Parked<void> {
  constructor(readonly rx: WatchReceiver<any>) {
    super();
  }
}

let markSeen: (rx: WatchReceiver<any>, version: number) => void;

/**
 * @internal The state a watch channel's handles share: the current value and
 * its version (bumped by every send); each receiver remembers the version it
 * last saw.
 */
export class WatchShared<T> {
  /** Its resource id (introspection). */
  readonly rid = resourceId();
  value: T;
  version = 0;
  senderClosed = false;
  receivers = 0;
  readonly waiters = new WaitQueue<ChangedWait>();
  closedWaiters: WaitQueue<Parked<void>> | undefined = undefined;

  constructor(value: T) {
    this.value = value;
  }

  /** A new version: every waiting `changed()` resolves and marks it seen. */
  notify(): void {
    const version = ++this.version;
    this.waiters.drain((w) => {
      markSeen(w.rx, version);
      w.complete(undefined);
    });
  }

  receiverClosed(): void {
    if (--this.receivers === 0) this.closedWaiters?.drain((w) => w.complete(undefined));
  }
}

/**
 * The sending half of a watch channel: holds the latest value; receivers
 * are told it changed and read the newest value (intermediate ones may be
 * skipped).
 *
 * @example
 * ```ts
 * import { watch } from 'weft/sync';
 * const [tx, rx] = watch('idle');
 * tx.send('busy');
 * await rx.changed();
 * console.assert(rx.borrowAndUpdate() === 'busy');
 * ```
 */
export class WatchSender<T> implements Disposable {
  readonly #shared: WatchShared<T>;
  #closed = false;

  /** @internal Use `watch()`. */
  constructor(shared: WatchShared<T>) {
    this.#shared = shared;
    handleWatch.made?.(this, shared, 'watch.sender');
  }

  /**
   * Replaces the value and notifies every receiver.
   *
   * @throws SendError (with `.value`) if no receiver is open (the value is
   *   not stored, as in Tokio; use `sendReplace` to store regardless) or the
   *   sender is closed
   *
   * @example
   * ```ts
   * import { watch } from 'weft/sync';
   * const [tx, rx] = watch('v1');
   * tx.send('v2');
   * console.assert(rx.hasChanged() && rx.borrowAndUpdate() === 'v2');
   * ```
   */
  send(value: T): void {
    const shared = this.#shared;
    if (this.#closed) throw new SendError(value, 'WatchSender.send: the sender is closed');
    if (shared.receivers === 0) throw new SendError(value, 'WatchSender.send: there is no receiver');
    shared.value = value;
    shared.notify();
  }

  /**
   * Replaces the value and notifies receivers even if there are none (a
   * later `subscribe()` sees it).
   *
   * @returns the previous value
   * @throws SendError if the sender is closed
   *
   * @example
   * ```ts
   * import { watch } from 'weft/sync';
   * const [tx, rx] = watch(1);
   * rx.close();
   * console.assert(tx.sendReplace(2) === 1 && tx.borrow() === 2);
   * ```
   */
  sendReplace(value: T): T {
    const shared = this.#shared;
    if (this.#closed) throw new SendError(value, 'WatchSender.sendReplace: the sender is closed');
    const old = shared.value;
    shared.value = value;
    shared.notify();
    return old;
  }

  /**
   * Updates the value with `fn` and notifies receivers (whether or not any
   * are open). `fn` may mutate the value in place, or return a new one.
   *
   * @throws TypeError if `fn` is not a function; SendError if the sender is
   *   closed; whatever `fn` throws (then nothing is notified)
   *
   * @example
   * ```ts
   * import { watch } from 'weft/sync';
   * const [tx, rx] = watch({ hits: 0 });
   * tx.sendModify((s) => { s.hits++; });
   * console.assert(rx.hasChanged() && rx.borrow().hits === 1);
   * ```
   */
  sendModify(fn: (value: T) => T | void): void {
    func(fn, 'WatchSender.sendModify', 'fn');
    const shared = this.#shared;
    if (this.#closed) throw new SendError(undefined, 'WatchSender.sendModify: the sender is closed');
    const next = fn(shared.value);
    if (next !== undefined) shared.value = next;
    shared.notify();
  }

  /**
   * Lets `fn` mutate the value in place, and notifies receivers only if it
   * returns true.
   *
   * @returns what `fn` returned
   * @throws TypeError if `fn` is not a function; SendError if the sender is closed
   *
   * @example
   * ```ts
   * import { watch } from 'weft/sync';
   * const [tx, rx] = watch({ n: 0 });
   * console.assert(tx.sendIfModified(() => false) === false && !rx.hasChanged());
   * console.assert(tx.sendIfModified((s) => { s.n = 1; return true; }) && rx.hasChanged());
   * ```
   */
  sendIfModified(fn: (value: T) => boolean): boolean {
    func(fn, 'WatchSender.sendIfModified', 'fn');
    const shared = this.#shared;
    if (this.#closed) throw new SendError(undefined, 'WatchSender.sendIfModified: the sender is closed');
    const modified = fn(shared.value) === true;
    if (modified) shared.notify();
    return modified;
  }

  /** The current value. */
  borrow(): T {
    return this.#shared.value;
  }

  /**
   * A new receiver; the current value counts as seen by it.
   *
   * @example
   * ```ts
   * import { watch } from 'weft/sync';
   * const [tx] = watch(1);
   * const rx = tx.subscribe();
   * console.assert(rx.borrow() === 1 && !rx.hasChanged() && tx.receiverCount === 2);
   * ```
   */
  subscribe(): WatchReceiver<T> {
    return new WatchReceiver(this.#shared, this.#shared.version);
  }

  /** How many receivers are open. */
  get receiverCount(): number {
    return this.#shared.receivers;
  }

  /**
   * Closes the sender: receivers still get one `changed()` for a value they
   * have not seen, then `changed()` rejects with `RecvError`. Idempotent.
   *
   * @example
   * ```ts
   * import { watch, RecvError } from 'weft/sync';
   * const [tx, rx] = watch(0);
   * const waiting = rx.changed();
   * tx.close();
   * await waiting.catch((e) => console.assert(e instanceof RecvError));
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const shared = this.#shared;
    shared.senderClosed = true;
    shared.waiters.drain((w) => w.fail(new RecvError('the watch sender closed')));
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Resolves once every receiver is closed.
   *
   * **Cancellation**: aborting leaves nothing registered on the channel.
   *
   * @example
   * ```ts
   * import { watch } from 'weft/sync';
   * const [tx, rx] = watch(0);
   * setTimeout(() => rx.close(), 1);
   * await tx.closed();
   * console.assert(tx.receiverCount === 0);
   * ```
   */
  closed(options?: { signal?: AbortSignal }): Promise<void> {
    const signal = options === undefined ? undefined : signalOf(options, 'WatchSender.closed');
    const shared = this.#shared;
    if (shared.receivers === 0) {
      if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
      return RESOLVED;
    }
    const w = new Parked<void>();
    const promise = w.park(signal, closedSite, shared.rid);
    if (!w.settled) (shared.closedWaiters ??= new WaitQueue()).push(w);
    return promise;
  }
}

/**
 * A receiving handle of a watch channel. It remembers which version of the
 * value it has seen: `changed()` waits for a newer one.
 *
 * @example
 * ```ts
 * import { watch } from 'weft/sync';
 * const [tx, rx] = watch(0);
 * tx.send(1);
 * tx.send(2);
 * await rx.changed(); // once, however many sends
 * console.assert(rx.borrowAndUpdate() === 2 && !rx.hasChanged());
 * ```
 */
export class WatchReceiver<T> implements Disposable {
  readonly #shared: WatchShared<T>;
  #seen: number;
  #closed = false;

  static {
    markSeen = (rx, version) => {
      rx.#seen = version;
    };
  }

  /** @internal Use `watch()`, `subscribe()` or `clone()`. */
  constructor(shared: WatchShared<T>, seen: number) {
    this.#shared = shared;
    this.#seen = seen;
    shared.receivers++;
    handleWatch.made?.(this, shared, 'watch.receiver');
  }

  /** The current value; does not mark it seen. */
  borrow(): T {
    return this.#shared.value;
  }

  /** The current value, marking it seen (`changed()` then waits for a newer one). */
  borrowAndUpdate(): T {
    this.#seen = this.#shared.version;
    return this.#shared.value;
  }

  /**
   * Waits until there is a value this receiver has not seen, and marks it
   * seen. Resolves at once if one is already there. The initial value counts
   * as seen. Any number of sends since the last look yield one `changed()`.
   *
   * @throws RecvError (as a rejection) once the sender is closed and nothing
   *   is unseen, or if this receiver is closed
   *
   * **Cancellation**: cancel-safe. If aborted, nothing was marked seen: a
   * change that happened meanwhile is reported by the next `changed()`.
   *
   * @example
   * ```ts
   * import { watch, RecvError } from 'weft/sync';
   * const [tx, rx] = watch('a');
   * tx.send('b');
   * tx.close();
   * await rx.changed(); // 'b' was not seen yet
   * await rx.changed().catch((e) => console.assert(e instanceof RecvError));
   * ```
   */
  changed(options?: { signal?: AbortSignal }): Promise<void> {
    const signal = options === undefined ? undefined : signalOf(options, 'WatchReceiver.changed');
    const shared = this.#shared;
    if (this.#closed) return Promise.reject(new RecvError('the watch receiver is closed'));
    if (this.#seen !== shared.version) {
      const later = fastPath(signal, this, this.changed, options);
      if (later !== undefined) return later;
      this.#seen = shared.version;
      return RESOLVED;
    }
    if (shared.senderClosed) return Promise.reject(new RecvError('the watch sender closed'));
    const w = new ChangedWait(this);
    const promise = w.park(signal, changedSite, shared.rid);
    if (!w.settled) shared.waiters.push(w);
    return promise;
  }

  /** True if there is a value this receiver has not seen. */
  hasChanged(): boolean {
    return this.#seen !== this.#shared.version;
  }

  /** Marks the current value seen without reading it. */
  markUnchanged(): void {
    this.#seen = this.#shared.version;
  }

  /** Marks the current value unseen: the next `changed()` resolves at once. */
  markChanged(): void {
    this.#seen = this.#shared.version - 1;
  }

  /**
   * Waits until the value satisfies `pred` and returns it (marking it seen).
   * The current value is checked first, seen or not.
   *
   * @throws TypeError if `pred` is not a function; rejects with `RecvError`
   *   if the sender closes before a satisfying value, or with what `pred` throws
   *
   * **Cancellation**: cancel-safe; an abort rejects and leaves the receiver
   * with the versions it had checked marked seen.
   *
   * @example
   * ```ts
   * import { watch } from 'weft/sync';
   * const [tx, rx] = watch(0);
   * setTimeout(() => { tx.send(1); tx.send(5); }, 1);
   * console.assert((await rx.waitFor((v) => v >= 5)) === 5);
   * ```
   */
  async waitFor(pred: (value: T) => boolean, options?: { signal?: AbortSignal }): Promise<T> {
    func(pred, 'WatchReceiver.waitFor', 'pred');
    const signal = options === undefined ? undefined : signalOf(options, 'WatchReceiver.waitFor');
    if (signal !== undefined && signal.aborted) throw signal.reason;
    let value = this.borrowAndUpdate();
    while (!pred(value)) {
      await this.changed(options);
      value = this.borrowAndUpdate();
    }
    return value;
  }

  /**
   * A new receiver with the same seen state as this one.
   *
   * @example
   * ```ts
   * import { watch } from 'weft/sync';
   * const [tx, rx] = watch(0);
   * tx.send(1);
   * console.assert(rx.clone().hasChanged());
   * rx.markUnchanged();
   * console.assert(!rx.clone().hasChanged());
   * ```
   */
  clone(): WatchReceiver<T> {
    return new WatchReceiver(this.#shared, this.#seen);
  }

  /** Closes this receiver; its waiting `changed()` calls reject with `RecvError`. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const q = this.#shared.waiters;
    let w = q.head;
    while (w !== undefined) {
      const next = w.next as ChangedWait | undefined;
      if (w.rx === this) {
        q.remove(w);
        w.fail(new RecvError('the watch receiver is closed'));
      }
      w = next;
    }
    this.#shared.receiverClosed();
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Creates a watch channel holding `initial`: one sender publishes the latest
 * value, any number of receivers wait for changes and read the newest value
 * (a config reload, a state machine's current state, a shutdown flag).
 *
 * @param options `name`: shown by introspection (`runtime.resources()`)
 * @returns `[sender, receiver]`; the receiver has seen `initial`
 *
 * @example
 * ```ts
 * import { spawn } from 'weft';
 * import { watch } from 'weft/sync';
 * const [tx, rx] = watch({ ready: false });
 * const waiter = spawn(() => rx.waitFor((s) => s.ready));
 * tx.send({ ready: true });
 * console.assert((await waiter).ready);
 * ```
 */
export function watch<T>(initial: T, options?: { name?: string }): [WatchSender<T>, WatchReceiver<T>] {
  const name = resourceName(options, 'watch');
  const shared = new WatchShared<T>(initial);
  registerResource(shared, shared.rid, 'watch', name, describeWatch);
  return [new WatchSender(shared), new WatchReceiver(shared, 0)];
}

function describeWatch(shared: WatchShared<any>): Record<string, number | boolean> {
  return {
    version: shared.version,
    receivers: shared.receivers,
    waiting: shared.waiters.length,
    senderClosed: shared.senderClosed,
  };
}
