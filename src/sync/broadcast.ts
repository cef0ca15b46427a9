import { Parked, WaitQueue, type WaitNode } from '../core/wait-queue.js';
import { registerResource, resourceId, resourceName } from '../core/resources.js';
import { kSelect } from '../core/selectable.js';
import { RESOLVED } from '../core/promise.js';
import { signalOf, integer } from '../core/validate.js';
import { ClosedError, LaggedError, SendError } from './errors.js';
import { fastPath } from '../core/fast-path.js';
import { handleWatch } from '../core/handle-watch.js';

const recvSite = { op: 'broadcast.recv' };
const DONE_UNDEFINED = RESOLVED as Promise<any>;

/** The largest capacity `broadcast()` accepts (2^30 values). */
export const BROADCAST_MAX_CAPACITY = 2 ** 30;

/** What `BroadcastReceiver.tryRecv` reports. */
export type BroadcastTryRecvResult<T> =
  { state: 'ok'; value: T } | { state: 'empty' } | { state: 'closed' } | { state: 'lagged'; skipped: number };

const EMPTY = Object.freeze({ state: 'empty' as const });
const CLOSED = Object.freeze({ state: 'closed' as const });

let wakeReceiver: (rx: BroadcastReceiver<any>) => void;
let finishReceiver: (rx: BroadcastReceiver<any>) => void;

/**
 * @internal The state every handle of one broadcast channel shares. Values
 * live in a ring of exactly `capacity` slots, addressed by absolute position
 * (`pos % capacity`); `tail` is the position the next value takes. The oldest
 * value still retained is at `max(0, tail - capacity)`.
 */
export class Shared<T> {
  /** Its resource id (introspection). */
  readonly rid = resourceId();
  readonly capacity: number;
  readonly slots: (T | undefined)[] = [];
  tail = 0;
  senders = 1;
  receivers = 0;
  /** Receivers with parked receives (each listed once). */
  waiting: BroadcastReceiver<T>[] = [];
  spare: BroadcastReceiver<T>[] = [];

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  send(value: T): number {
    const pos = this.tail;
    if (pos < this.capacity) this.slots.push(value);
    else this.slots[pos % this.capacity] = value;
    this.tail = pos + 1;
    if (this.waiting.length > 0) {
      const list = this.waiting;
      this.waiting = this.spare;
      for (let i = 0; i < list.length; i++) wakeReceiver(list[i]!);
      list.length = 0;
      this.spare = list;
    }
    return this.receivers;
  }

  /** The last sender closed: receivers that are caught up learn it now. */
  close(): void {
    const list = this.waiting;
    this.waiting = [];
    for (const rx of list) finishReceiver(rx);
  }
}

/**
 * The sending half of a broadcast channel: every value goes to every
 * receiver subscribed at the time of the send.
 *
 * @example
 * ```ts
 * import { broadcast } from 'weft/sync';
 * const [tx, rx1] = broadcast<string>(16);
 * const rx2 = tx.subscribe();
 * console.assert(tx.send('hello') === 2);
 * console.assert((await rx1.recv()) === 'hello' && (await rx2.recv()) === 'hello');
 * ```
 */
export class BroadcastSender<T> implements Disposable {
  readonly #shared: Shared<T>;
  #closed = false;

  /** @internal Use `broadcast()`. */
  constructor(shared: Shared<T>) {
    this.#shared = shared;
    handleWatch.made?.(this, shared, 'broadcast.sender');
  }

  /**
   * Sends `value` to every open receiver. Never waits: a receiver that falls
   * `capacity` values behind loses the oldest ones (it is told by `LaggedError`).
   *
   * @returns how many receivers the value went to
   * @throws SendError (with `.value`) if there is no open receiver (the value
   *   is not kept) or this handle is closed
   *
   * @example
   * ```ts
   * import { broadcast, SendError } from 'weft/sync';
   * const [tx, rx] = broadcast<number>(4);
   * rx.close();
   * try { tx.send(1); } catch (e) { console.assert(e instanceof SendError && e.value === 1); }
   * ```
   */
  send(value: T): number {
    const shared = this.#shared;
    if (this.#closed) throw new SendError(value, 'BroadcastSender.send: this sender handle is closed');
    if (shared.receivers === 0) throw new SendError(value, 'BroadcastSender.send: there is no receiver');
    return shared.send(value);
  }

  /**
   * A new receiver that sees every value sent from now on.
   *
   * @throws ClosedError if this handle is closed
   *
   * @example
   * ```ts
   * import { broadcast } from 'weft/sync';
   * const [tx, rx] = broadcast<number>(4);
   * tx.send(1);
   * const late = tx.subscribe();
   * tx.send(2);
   * console.assert((await rx.recv()) === 1 && (await late.recv()) === 2);
   * ```
   */
  subscribe(): BroadcastReceiver<T> {
    if (this.#closed) throw new ClosedError('BroadcastSender.subscribe: this sender handle is closed');
    return new BroadcastReceiver(this.#shared, this.#shared.tail);
  }

  /** How many receivers are open. */
  get receiverCount(): number {
    return this.#shared.receivers;
  }

  /**
   * A new sending handle; receivers see the channel closed once every handle is closed.
   *
   * @throws ClosedError if this handle is closed
   *
   * @example
   * ```ts
   * import { broadcast } from 'weft/sync';
   * const [tx, rx] = broadcast<string>(4);
   * const tx2 = tx.clone();
   * tx.close();
   * tx2.send('still open');
   * tx2.close();
   * console.assert((await rx.recv()) === 'still open' && (await rx.recv()) === undefined);
   * ```
   */
  clone(): BroadcastSender<T> {
    if (this.#closed) throw new ClosedError('BroadcastSender.clone: this sender handle is closed');
    this.#shared.senders++;
    return new BroadcastSender(this.#shared);
  }

  /**
   * Closes this handle. When every handle is closed, receivers get the values
   * still retained for them, then `undefined`. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (--this.#shared.senders === 0) this.#shared.close();
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * A receiving handle of a broadcast channel. It sees every value sent after
 * it subscribed, in order, unless it falls more than `capacity` values
 * behind: then its next receive reports `LaggedError` with the exact number
 * of values it missed, and it continues from the oldest value still retained.
 *
 * @example
 * ```ts
 * import { broadcast, LaggedError } from 'weft/sync';
 * const [tx, rx] = broadcast<number>(2);
 * for (let i = 1; i <= 5; i++) tx.send(i); // rx can hold 2: it missed 1, 2, 3
 * try { await rx.recv(); } catch (e) { console.assert(e instanceof LaggedError && e.skipped === 3); }
 * console.assert((await rx.recv()) === 4 && (await rx.recv()) === 5);
 * ```
 */
export class BroadcastReceiver<T> implements AsyncIterable<T>, Disposable {
  readonly #shared: Shared<T>;
  /** Absolute position of the next value this receiver reads. */
  #next: number;
  #closed = false;
  #waiters: WaitQueue<WaitNode<any>> | undefined = undefined;
  #listed = false;

  static {
    wakeReceiver = (rx) => rx.#wake();
    finishReceiver = (rx) => {
      rx.#listed = false;
      rx.#waiters?.drain((w) => w.complete(undefined));
    };
  }

  /** @internal Use `broadcast()`, `subscribe()` or `resubscribe()`. */
  constructor(shared: Shared<T>, next: number) {
    this.#shared = shared;
    this.#next = next;
    shared.receivers++;
  }

  /**
   * Receives the next value, waiting if this receiver has seen everything.
   *
   * @returns the next value; `undefined` once every sender is closed and this
   *   receiver has read every retained value (or it was closed); rejects with
   *   `LaggedError` (once per gap) if values were overwritten before it read them
   *
   * **Cancellation**: cancel-safe. An aborted receive took nothing: the
   * value it would have got is the next one received.
   *
   * @example
   * ```ts
   * import { broadcast } from 'weft/sync';
   * const [tx, rx] = broadcast<number>(4);
   * tx.send(1);
   * tx.close();
   * console.assert((await rx.recv()) === 1 && (await rx.recv()) === undefined);
   * ```
   */
  recv(options?: { signal?: AbortSignal }): Promise<T | undefined> {
    const signal = options === undefined ? undefined : signalOf(options, 'BroadcastReceiver.recv');
    const shared = this.#shared;
    if (this.#closed || this.#next < shared.tail || shared.senders === 0) {
      const later = fastPath(signal, this, this.recv, options);
      if (later !== undefined) return later;
      if (this.#closed || this.#next >= shared.tail) return DONE_UNDEFINED;
      const oldest = shared.tail - shared.capacity;
      if (this.#next < oldest) return Promise.reject(this.#lag(oldest));
      return Promise.resolve(this.#take());
    }
    const w = new Parked<T | undefined>();
    const promise = w.park(signal, recvSite, shared.rid);
    if (!w.settled) this.#enqueue(w);
    return promise;
  }

  /**
   * Takes the next value without waiting.
   *
   * @returns `ok` with the value; `empty` when caught up; `closed` when every
   *   sender is closed and everything retained was read (or this receiver is
   *   closed); `lagged` with the number of missed values (reported once, then
   *   reading resumes at the oldest retained value)
   *
   * @example
   * ```ts
   * import { broadcast } from 'weft/sync';
   * const [tx, rx] = broadcast<number>(1);
   * tx.send(1);
   * tx.send(2);
   * const r = rx.tryRecv();
   * console.assert(r.state === 'lagged' && r.skipped === 1);
   * const v = rx.tryRecv();
   * console.assert(v.state === 'ok' && v.value === 2);
   * ```
   */
  tryRecv(): BroadcastTryRecvResult<T> {
    const shared = this.#shared;
    if (this.#closed) return CLOSED;
    if (this.#next < shared.tail) {
      const oldest = shared.tail - shared.capacity;
      if (this.#next < oldest) return { state: 'lagged', skipped: this.#lag(oldest).skipped };
      return { state: 'ok', value: this.#take() };
    }
    return shared.senders === 0 ? CLOSED : EMPTY;
  }

  /**
   * A new receiver on the same channel that starts at the tail: it sees only
   * values sent from now on (not the ones this receiver has yet to read).
   *
   * @example
   * ```ts
   * import { broadcast } from 'weft/sync';
   * const [tx, rx] = broadcast<number>(4);
   * tx.send(1);
   * const fresh = rx.resubscribe();
   * console.assert(fresh.length === 0 && rx.length === 1);
   * ```
   */
  resubscribe(): BroadcastReceiver<T> {
    return new BroadcastReceiver(this.#shared, this.#shared.tail);
  }

  /**
   * Unsubscribes: the channel stops counting this receiver, and receives on
   * it (pending or later) resolve `undefined`. Idempotent.
   *
   * @example
   * ```ts
   * import { broadcast } from 'weft/sync';
   * const [tx, rx] = broadcast<number>(4);
   * const other = tx.subscribe();
   * rx.close();
   * console.assert(tx.receiverCount === 1 && tx.send(1) === 1);
   * other.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#shared.receivers--;
    this.#waiters?.drain((w) => w.complete(undefined));
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** How many values are waiting for this receiver (counting any it already lost to lag). */
  get length(): number {
    return this.#closed ? 0 : this.#shared.tail - this.#next;
  }

  /**
   * Iterates the values until the channel is closed and drained. A lag
   * rejects the iteration with `LaggedError` (call `recv()` to skip past it
   * instead). Leaving the loop early does not close the receiver.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return new RecvIterator(this);
  }

  /** @internal A `select` branch on this receiver (a lag makes the select reject with `LaggedError`). */
  [kSelect](arm: WaitNode<T | undefined>): void {
    const shared = this.#shared;
    if (!this.#closed && this.#next < shared.tail) {
      const oldest = shared.tail - shared.capacity;
      if (this.#next < oldest) arm.fail(this.#lag(oldest));
      else arm.complete(this.#take());
    } else if (this.#closed || shared.senders === 0) arm.complete(undefined);
    else this.#enqueue(arm);
  }

  #take(): T {
    const shared = this.#shared;
    return shared.slots[this.#next++ % shared.capacity] as T;
  }

  #lag(oldest: number): LaggedError {
    const skipped = oldest - this.#next;
    this.#next = oldest;
    return new LaggedError(skipped);
  }

  #enqueue(w: WaitNode<any>): void {
    (this.#waiters ??= new WaitQueue()).push(w);
    if (!this.#listed) {
      this.#listed = true;
      this.#shared.waiting.push(this);
    }
  }

  /** A value arrived: serve the parked receives in order while there is something to read. */
  #wake(): void {
    this.#listed = false;
    const q = this.#waiters;
    if (q === undefined || this.#closed) return;
    const shared = this.#shared;
    for (let w = q.head; w !== undefined && this.#next < shared.tail; w = q.head) {
      q.remove(w);
      const oldest = shared.tail - shared.capacity;
      if (this.#next < oldest) w.fail(this.#lag(oldest));
      else w.complete(this.#take());
    }
    if (q.head !== undefined) {
      this.#listed = true;
      shared.waiting.push(this);
    }
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

function toResult<T>(value: T | undefined): IteratorResult<T> {
  return value === undefined ? DONE : { done: false, value };
}

class RecvIterator<T> implements AsyncIterator<T> {
  constructor(readonly rx: BroadcastReceiver<T>) {}

  next(): Promise<IteratorResult<T>> {
    return this.rx.recv().then(toResult);
  }

  return(): Promise<IteratorResult<T>> {
    return Promise.resolve(DONE);
  }
}

/**
 * Creates a broadcast channel: many senders, many receivers, each receiver
 * sees every value sent after it subscribed. The ring holds exactly
 * `capacity` values; a receiver that falls further behind lags (see
 * `BroadcastReceiver`). Sending never waits.
 *
 * @param capacity values retained for slow receivers: an integer from 1 to 2^30
 * @param options `name`: shown by introspection (`runtime.resources()`)
 * @returns `[sender, receiver]`
 * @throws RangeError for 0, negative, NaN, fractional or too large a capacity
 *
 * @example
 * ```ts
 * import { spawn } from 'weft';
 * import { broadcast } from 'weft/sync';
 * const [tx, rx] = broadcast<string>(8);
 * const listeners = [rx, tx.subscribe()].map((r) =>
 *   spawn(async () => { const seen: string[] = []; for await (const v of r) seen.push(v); return seen.join(); }),
 * );
 * tx.send('a');
 * tx.send('b');
 * tx.close();
 * for (const l of listeners) console.assert((await l) === 'a,b');
 * ```
 */
export function broadcast<T>(
  capacity: number,
  options?: { name?: string },
): [BroadcastSender<T>, BroadcastReceiver<T>] {
  integer(capacity, 'broadcast', 'capacity', 1, BROADCAST_MAX_CAPACITY);
  const name = resourceName(options, 'broadcast');
  const shared = new Shared<T>(capacity);
  registerResource(shared, shared.rid, 'broadcast', name, describeBroadcast);
  return [new BroadcastSender(shared), new BroadcastReceiver(shared, 0)];
}

function describeBroadcast(shared: Shared<any>): Record<string, number | boolean> {
  return {
    capacity: shared.capacity,
    sent: shared.tail,
    senders: shared.senders,
    receivers: shared.receivers,
    closed: shared.senders === 0,
  };
}
