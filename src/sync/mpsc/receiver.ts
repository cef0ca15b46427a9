import { Parked, type WaitNode } from '../../core/wait-queue.js';
import { kSelect } from '../../core/selectable.js';
import { RESOLVED } from '../../core/promise.js';
import { signalOf, integer } from '../../core/validate.js';
import { Chan, ManyWait } from './chan.js';
import { kMove, kRemote } from '../../core/move.js';
import type { ReceiverBackend } from '../remote-end.js';
import { fastPath, readyAnswer } from '../../core/fast-path.js';
import { handleWatch } from '../../core/handle-watch.js';

const recvSite = { op: 'mpsc.recv' };
const recvManySite = { op: 'mpsc.recvMany' };
const DONE_UNDEFINED = RESOLVED as Promise<any>;
const ZERO: Promise<number> = Promise.resolve(0);

/** What `tryRecv` reports: a value, nothing yet, or closed and drained. */
export type TryRecvResult<T> = { state: 'ok'; value: T } | { state: 'empty' } | { state: 'closed' };

/** What a receiver that moved to another thread is left holding: a channel closed and drained. */
const MOVED = new Chan<any>(1);
MOVED.rxClosed = true;
MOVED.senders = 0;

const EMPTY = Object.freeze({ state: 'empty' as const });
const CLOSED = Object.freeze({ state: 'closed' as const });

/**
 * The receiving half of an mpsc channel (bounded or unbounded). There is one
 * receiver per channel; it can be iterated with `for await`, and used as a
 * `select` branch (a cancel-safe receive).
 *
 * @example
 * ```ts
 * import { mpsc } from 'weft/sync';
 * const [tx, rx] = mpsc.channel<string>(4);
 * await tx.send('a');
 * tx.close();
 * const got: string[] = [];
 * for await (const v of rx) got.push(v);
 * console.assert(got.join() === 'a');
 * ```
 */
export class Receiver<T> implements AsyncIterable<T>, Disposable {
  #chan!: Chan<T>;
  readonly #remote: ReceiverBackend<T> | undefined = undefined;

  /** @internal Use `mpsc.channel()` or `mpsc.unboundedChannel()`. */
  constructor(chan: Chan<T> | ReceiverBackend<T>) {
    if (chan instanceof Chan) {
      this.#chan = chan;
      handleWatch.made?.(this, chan, 'mpsc.receiver');
    } else this.#remote = chan; // a front over a remote backend: #chan is never read
  }

  /**
   * Receives the next value, waiting for one if the channel is empty.
   *
   * @returns the oldest value; `undefined` once the channel is closed (every
   *   sender closed, or `close()` called), drained, and no reserved permit is
   *   outstanding
   * @throws TypeError synchronously for bad options
   *
   * **Cancellation**: cancel-safe. If `options.signal` or the calling task
   * aborts before a value arrives, the promise rejects and no value has been
   * taken from the channel: the next receive gets it.
   *
   * @example
   * ```ts
   * import { mpsc } from 'weft/sync';
   * const [tx, rx] = mpsc.channel<number>(1);
   * setTimeout(() => tx.trySend(7), 1);
   * console.assert((await rx.recv()) === 7);
   * ```
   */
  recv(options?: { signal?: AbortSignal }): Promise<T | undefined> {
    if (this.#remote !== undefined) return this.#remote.recv(options);
    const signal = options === undefined ? undefined : signalOf(options, 'Receiver.recv');
    const chan = this.#chan;
    if (chan.buffer.length > 0) {
      const later = fastPath(signal, this, this.recv, options);
      if (later !== undefined) return later;
      return Promise.resolve(chan.take());
    }
    if (chan.isDone) {
      return readyAnswer(signal, DONE_UNDEFINED);
    }
    const w = new Parked<T | undefined>();
    const promise = w.park(signal, recvSite, chan.rid);
    if (!w.settled) chan.recvWaiters.push(w);
    return promise;
  }

  /**
   * Receives up to `limit` values at once, appending them to `into`; waits
   * while the channel is empty. Much cheaper per value than `recv` under load.
   *
   * Values already buffered are taken at once. When it has to wait, it is
   * woken with a batch: values sent during the rest of the current
   * event-loop turn collect first, unless `limit` values are buffered, the
   * channel is full or it closes, which wake it at once. (A fast producer
   * thus fills batches instead of waking the consumer for every value; `recv`
   * is the lower-latency call.)
   *
   * @param into the array values are appended to (it is not cleared)
   * @param limit the most values to take; 0 resolves 0 at once
   * @returns how many values were appended; 0 once the channel is closed,
   *   drained and no permit is outstanding (or when `limit` is 0)
   * @throws TypeError if `into` is not an array; RangeError if `limit` is not
   *   a non-negative integer
   *
   * **Cancellation**: cancel-safe. If aborted before values arrive, nothing
   * was taken and `into` is unchanged.
   *
   * @example
   * ```ts
   * import { mpsc } from 'weft/sync';
   * const [tx, rx] = mpsc.channel<number>(8);
   * for (let i = 0; i < 5; i++) tx.trySend(i);
   * const batch: number[] = [];
   * console.assert((await rx.recvMany(batch, 3)) === 3 && batch.join() === '0,1,2');
   * ```
   */
  recvMany(into: T[], limit: number, options?: { signal?: AbortSignal }): Promise<number> {
    if (this.#remote !== undefined) return this.#remote.recvMany(into, limit, options);
    if (!Array.isArray(into)) throw new TypeError('Receiver.recvMany: into must be an array');
    integer(limit, 'Receiver.recvMany', 'limit', 0, Number.MAX_SAFE_INTEGER);
    const signal = options === undefined ? undefined : signalOf(options, 'Receiver.recvMany');
    const chan = this.#chan;
    if (chan.buffer.length > 0 || limit === 0 || chan.isDone) {
      const later = fastPath(signal, this, this.recvMany, into, limit, options);
      if (later !== undefined) return later;
      if (limit === 0 || chan.buffer.length === 0) return ZERO;
      return Promise.resolve(chan.takeMany(into, limit));
    }
    const w = new ManyWait<T>(chan, into, limit);
    const promise = w.park(signal, recvManySite, chan.rid);
    if (!w.settled) chan.recvWaiters.push(w);
    return promise;
  }

  /**
   * Takes a buffered value without waiting.
   *
   * @returns `{ state: 'ok', value }`, `{ state: 'empty' }` (nothing buffered
   *   yet), or `{ state: 'closed' }` (closed, drained, no permit outstanding)
   *
   * @example
   * ```ts
   * import { mpsc } from 'weft/sync';
   * const [tx, rx] = mpsc.channel<number>(1);
   * console.assert(rx.tryRecv().state === 'empty');
   * tx.trySend(1);
   * const r = rx.tryRecv();
   * console.assert(r.state === 'ok' && r.value === 1);
   * tx.close();
   * console.assert(rx.tryRecv().state === 'closed');
   * ```
   */
  tryRecv(): TryRecvResult<T> {
    if (this.#remote !== undefined) return this.#remote.tryRecv();
    const chan = this.#chan;
    if (chan.buffer.length > 0) return { state: 'ok', value: chan.take() };
    return chan.isDone ? CLOSED : EMPTY;
  }

  /**
   * Closes the receiving side: senders can send no more (waiting sends and
   * reserves reject with `SendError`, `Sender.closed()` resolves), while
   * values already buffered and values sent through permits already granted
   * can still be received. Idempotent.
   *
   * @example
   * ```ts
   * import { mpsc, SendError } from 'weft/sync';
   * const [tx, rx] = mpsc.channel<number>(2);
   * tx.trySend(1);
   * rx.close();
   * try { tx.trySend(2); } catch (e) { console.assert(e instanceof SendError); }
   * console.assert((await rx.recv()) === 1 && (await rx.recv()) === undefined);
   * ```
   */
  close(): void {
    if (this.#remote !== undefined) return this.#remote.close();
    this.#chan.closeRx();
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.#chan.closeRx();
  }

  /**
   * @internal Hands the channel over to a receiver on another thread (see
   * `kMove`). Receives still waiting here end as if the channel had closed;
   * this handle then reads as closed and drained.
   */
  [kMove](probe: boolean): Chan<T> | undefined {
    if (this.#remote !== undefined) return undefined; // a remote end does not move again
    const chan = this.#chan;
    if (chan === MOVED || probe) return chan === MOVED ? undefined : chan;
    this.#chan = MOVED as Chan<T>;
    chan.recvWaiters.drain((w) => w.complete(w instanceof ManyWait ? 0 : undefined));
    return chan;
  }

  /** True once no more values can be sent (every sender closed, or `close()` called); buffered values may remain. */
  get isClosed(): boolean {
    if (this.#remote !== undefined) return this.#remote.isClosed;
    return this.#chan.isClosed;
  }

  /** True when no value is buffered. */
  get isEmpty(): boolean {
    if (this.#remote !== undefined) return this.#remote.isEmpty;
    return this.#chan.buffer.length === 0;
  }

  /** How many values are buffered. */
  get length(): number {
    if (this.#remote !== undefined) return this.#remote.length;
    return this.#chan.buffer.length;
  }

  /**
   * Iterates the values until the channel is closed and drained. Leaving the
   * loop early (`break`) does not close the receiver; use `using` or
   * `close()` for that. Each step is a `recv()`, cancelled when the task is.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return new RecvIterator(this);
  }

  /** @internal A `select` branch on this receiver. */
  [kSelect](arm: WaitNode<T | undefined>): void {
    if (this.#remote !== undefined) return this.#remote.select(arm);
    const chan = this.#chan;
    if (chan.buffer.length > 0) arm.complete(chan.take());
    else if (chan.isDone) arm.complete(undefined);
    else chan.recvWaiters.push(arm);
  }

  /** @internal The remote backend, when this end lives on another thread than its channel. */
  get [kRemote](): ReceiverBackend<T> | undefined {
    return this.#remote;
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

function toResult<T>(value: T | undefined): IteratorResult<T> {
  return value === undefined ? DONE : { done: false, value };
}

class RecvIterator<T> implements AsyncIterator<T> {
  constructor(readonly rx: Receiver<T>) {}

  next(): Promise<IteratorResult<T>> {
    return this.rx.recv().then(toResult);
  }

  return(): Promise<IteratorResult<T>> {
    return Promise.resolve(DONE);
  }
}
