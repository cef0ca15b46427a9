import { Parked, WaitQueue, type WaitNode } from '../core/wait-queue.js';
import { handleWatch } from '../core/handle-watch.js';
import { kSelect } from '../core/selectable.js';
import { RESOLVED } from '../core/promise.js';
import { signalOf } from '../core/validate.js';
import { RecvError } from './errors.js';
import { kMove, kRemote } from '../core/move.js';
import type { OneshotReceiverBackend, OneshotSenderBackend } from './remote-end.js';
import { checkCloneable } from '../core/clone-check.js';
import { fastPath } from '../core/fast-path.js';
import { registerResource, resourceId, resourceName } from '../core/resources.js';

const recvSite = { op: 'oneshot.recv' };
const closedSite = { op: 'oneshot.closed' };

const enum State {
  /** Nothing sent yet. */
  Empty = 0,
  /** A value waits to be received. */
  Full = 1,
  /** The value was received. */
  Taken = 2,
  /** The sender closed without sending. */
  Dropped = 3,
}

/** What `OneshotReceiver.tryRecv` reports. */
export type OneshotTryRecvResult<T> = { state: 'ok'; value: T } | { state: 'empty' } | { state: 'closed' };

const EMPTY = Object.freeze({ state: 'empty' as const });
const CLOSED = Object.freeze({ state: 'closed' as const });

/** @internal The state both halves share. */
export class Inner<T> {
  /** Its resource id (introspection). */
  readonly rid = resourceId();
  state = State.Empty;
  value: T | undefined = undefined;
  rxClosed = false;
  senderDone = false;
  receivers: WaitQueue<WaitNode<any>> | undefined = undefined;
  closedWaiters: WaitQueue<Parked<void>> | undefined = undefined;
  /** Told when the receiver closes, while the sender lives on another thread. */
  onRxClose: (() => void) | undefined = undefined;
  /** The receiver lives on another thread: a value must be cloneable to be sent. */
  crossing = false;
  /** Why every receive fails: this receiver moved to another thread. */
  gone: string | undefined = undefined;

  /** Delivers a value the sender may send: to a waiting receive, else kept for the next one. */
  deliver(value: T): void {
    const w = this.receivers?.shift();
    if (w !== undefined) {
      this.state = State.Taken;
      w.complete(value);
      this.failReceivers('the value was already received');
    } else {
      this.state = State.Full;
      this.value = value;
    }
    this.resolveClosed();
  }

  /** The sender closed without sending. */
  drop(): void {
    this.state = State.Dropped;
    this.failReceivers('the sender closed without sending');
    this.resolveClosed();
  }

  /** Takes the value (the caller checked `state === Full`). */
  take(): T {
    const value = this.value as T;
    this.value = undefined;
    this.state = State.Taken;
    return value;
  }

  /** No value can come any more: fail the waiting receives. */
  failReceivers(message: string): void {
    this.receivers?.drain((w) => w.fail(new RecvError(message)));
  }

  /** The sender can do nothing more: resolve its `closed()` waits. */
  resolveClosed(): void {
    this.closedWaiters?.drain((w) => w.complete(undefined));
  }

  /** Why a receive fails now, or undefined if it would wait or succeed. */
  failure(): string | undefined {
    if (this.gone !== undefined) return this.gone;
    if (this.state === State.Taken) return 'the value was already received';
    if (this.state === State.Dropped) return 'the sender closed without sending';
    if (this.state === State.Empty && this.rxClosed) return 'the receiver is closed';
    return undefined;
  }
}

function describeOneshot(inner: Inner<any>): Record<string, boolean> {
  return {
    sent: inner.state === State.Full || inner.state === State.Taken,
    received: inner.state === State.Taken,
    senderClosed: inner.senderDone || inner.state === State.Dropped,
    receiverClosed: inner.rxClosed,
  };
}

/** What a sender that moved to another thread is left holding: used. */
const USED = new Inner<any>();
USED.senderDone = true;
/** What a receiver that moved to another thread is left holding. */
const MOVED = new Inner<any>();
MOVED.gone = 'this receiver was moved to another thread';

/**
 * The sending half of a oneshot channel: sends at most one value.
 *
 * @example
 * ```ts
 * import { oneshot } from 'weft/sync';
 * const [tx, rx] = oneshot<number>();
 * console.assert(tx.send(1) === true);
 * console.assert((await rx) === 1);
 * ```
 */
export class OneshotSender<T> implements Disposable {
  #inner!: Inner<T>;
  readonly #remote: OneshotSenderBackend<T> | undefined = undefined;

  /** @internal Use `oneshot()`. */
  constructor(inner: Inner<T> | OneshotSenderBackend<T>) {
    if (inner instanceof Inner) {
      this.#inner = inner;
      handleWatch.made?.(this, inner, 'oneshot.sender');
    } else this.#remote = inner; // a front over a remote backend: #inner is never read
  }

  /**
   * Sends the value. Never waits.
   *
   * @returns true if the value was delivered to the channel; false if the
   *   receiver was closed, or this sender was already used (sent or closed),
   *   in which case the value stays the caller's
   *
   * @example
   * ```ts
   * import { oneshot } from 'weft/sync';
   * const [tx, rx] = oneshot<string>();
   * rx.close();
   * console.assert(tx.send('nobody listens') === false);
   * ```
   */
  send(value: T): boolean {
    if (this.#remote !== undefined) return this.#remote.send(value);
    const inner = this.#inner;
    if (inner.senderDone) return false;
    if (inner.crossing) checkCloneable(value, 'OneshotSender.send');
    inner.senderDone = true;
    if (inner.rxClosed) {
      inner.resolveClosed();
      return false;
    }
    inner.deliver(value);
    return true;
  }

  /**
   * Closes the sender without sending: a waiting or later receive rejects
   * with `RecvError`. A no-op after `send`. Idempotent.
   *
   * @example
   * ```ts
   * import { oneshot, RecvError } from 'weft/sync';
   * const [tx, rx] = oneshot<number>();
   * tx.close();
   * await rx.recv().catch((e) => console.assert(e instanceof RecvError));
   * ```
   */
  close(): void {
    if (this.#remote !== undefined) return this.#remote.close();
    const inner = this.#inner;
    if (inner.senderDone) return;
    inner.senderDone = true;
    inner.drop();
  }

  /** Same as `close()`, for `using`: a sender dropped unsent fails the receiver. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal Hands the sending side to another thread (see `kMove`); this handle then reads as used. */
  [kMove](probe: boolean): Inner<T> | undefined {
    if (this.#remote !== undefined) return undefined; // a remote end does not move again
    const inner = this.#inner;
    if (inner.senderDone || probe) return inner.senderDone ? undefined : inner;
    this.#inner = USED;
    handleWatch.released?.(this); // it lives on over there: not this thread's to lose
    return inner;
  }

  /**
   * Resolves once sending is pointless or done: the receiver was closed, or
   * this sender was used (sent or closed). Lets a worker stop computing an
   * answer nobody waits for.
   *
   * **Cancellation**: aborting leaves nothing registered on the channel.
   *
   * @example
   * ```ts
   * import { oneshot } from 'weft/sync';
   * const [tx, rx] = oneshot<number>();
   * setTimeout(() => rx.close(), 1);
   * await tx.closed();
   * console.assert(tx.isClosed);
   * ```
   */
  closed(options?: { signal?: AbortSignal }): Promise<void> {
    if (this.#remote !== undefined) return this.#remote.closed(options);
    const signal = options === undefined ? undefined : signalOf(options, 'OneshotSender.closed');
    const inner = this.#inner;
    if (inner.rxClosed || inner.senderDone) {
      if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
      return RESOLVED;
    }
    const w = new Parked<void>();
    const promise = w.park(signal, closedSite, inner.rid);
    if (!w.settled) (inner.closedWaiters ??= new WaitQueue()).push(w);
    return promise;
  }

  /** True once the receiver was closed or this sender was used (sent or closed). */
  get isClosed(): boolean {
    if (this.#remote !== undefined) return this.#remote.isClosed;
    return this.#inner.rxClosed || this.#inner.senderDone;
  }

  /** @internal The remote backend, when this end lives on another thread than its channel. */
  get [kRemote](): OneshotSenderBackend<T> | undefined {
    return this.#remote;
  }
}

/**
 * The receiving half of a oneshot channel. Await it (it is `PromiseLike`),
 * or call `recv({ signal })`; either resolves with the value once sent, or
 * rejects with `RecvError` if the sender closes unsent. It can also be a
 * `select` branch. The value is received once: awaiting again afterwards
 * rejects with `RecvError`, as `tryRecv` then reports `closed`.
 *
 * Being thenable, it is unwrapped if returned from an `async` function or
 * passed to `Promise.resolve`: return it inside an object or tuple instead.
 *
 * @example
 * ```ts
 * import { spawn } from 'weft';
 * import { oneshot } from 'weft/sync';
 * const [tx, rx] = oneshot<number>();
 * spawn(() => { tx.send(6 * 7); });
 * console.assert((await rx) === 42);
 * ```
 */
export class OneshotReceiver<T> implements PromiseLike<T>, Disposable {
  #inner!: Inner<T>;
  readonly #remote: OneshotReceiverBackend<T> | undefined = undefined;

  /** @internal Use `oneshot()`. */
  constructor(inner: Inner<T> | OneshotReceiverBackend<T>) {
    if (inner instanceof Inner) {
      this.#inner = inner;
      handleWatch.made?.(this, inner, 'oneshot.receiver');
    } else this.#remote = inner; // a front over a remote backend: #inner is never read
  }

  /**
   * Waits for the value.
   *
   * @returns the value; rejects with `RecvError` if the sender closed without
   *   sending, if this receiver was closed before a value arrived, or if the
   *   value was already received
   *
   * **Cancellation**: cancel-safe. If `options.signal` or the calling task
   * aborts first, nothing was received: the value (if it comes) stays in the
   * channel for a later receive.
   *
   * @example
   * ```ts
   * import { oneshot } from 'weft/sync';
   * const [tx, rx] = oneshot<string>();
   * const ac = new AbortController();
   * const p = rx.recv({ signal: ac.signal });
   * ac.abort();
   * await p.catch(() => {});
   * tx.send('still there');
   * console.assert((await rx) === 'still there');
   * ```
   */
  recv(options?: { signal?: AbortSignal }): Promise<T> {
    if (this.#remote !== undefined) return this.#remote.recv(options);
    const signal = options === undefined ? undefined : signalOf(options, 'OneshotReceiver.recv');
    const inner = this.#inner;
    if (inner.state === State.Full) {
      const later = fastPath(signal, this, this.recv, options);
      if (later !== undefined) return later;
      return Promise.resolve(inner.take());
    }
    const failure = inner.failure();
    if (failure !== undefined) return Promise.reject(new RecvError(failure));
    const w = new Parked<T>();
    const promise = w.park(signal, recvSite, inner.rid);
    if (!w.settled) (inner.receivers ??= new WaitQueue()).push(w);
    return promise;
  }

  /** Awaiting the receiver is `recv()`. */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.recv().then(onfulfilled, onrejected);
  }

  /**
   * Takes the value if it has been sent, without waiting.
   *
   * @returns `{ state: 'ok', value }` once; `{ state: 'empty' }` before the
   *   send; `{ state: 'closed' }` after the value was taken, or when the
   *   sender closed unsent, or this receiver was closed with nothing sent
   *
   * @example
   * ```ts
   * import { oneshot } from 'weft/sync';
   * const [tx, rx] = oneshot<number>();
   * console.assert(rx.tryRecv().state === 'empty');
   * tx.send(5);
   * const r = rx.tryRecv();
   * console.assert(r.state === 'ok' && r.value === 5);
   * console.assert(rx.tryRecv().state === 'closed');
   * ```
   */
  tryRecv(): OneshotTryRecvResult<T> {
    if (this.#remote !== undefined) return this.#remote.tryRecv();
    const inner = this.#inner;
    if (inner.state === State.Full) return { state: 'ok', value: inner.take() };
    return inner.failure() === undefined ? EMPTY : CLOSED;
  }

  /**
   * Closes the receiver: a later `send` returns false and the sender's
   * `closed()` resolves. A value sent before the close can still be received.
   * Idempotent.
   *
   * @example
   * ```ts
   * import { oneshot } from 'weft/sync';
   * const [tx, rx] = oneshot<number>();
   * rx.close();
   * console.assert(tx.isClosed && tx.send(1) === false);
   * ```
   */
  close(): void {
    if (this.#remote !== undefined) return this.#remote.close();
    const inner = this.#inner;
    if (inner.rxClosed) return;
    inner.rxClosed = true;
    if (inner.state === State.Empty) inner.failReceivers('the receiver is closed');
    inner.resolveClosed();
    inner.onRxClose?.();
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * @internal Hands the receiving side to another thread (see `kMove`).
   * Receives waiting here, and any later ones, reject with `RecvError`.
   */
  [kMove](probe: boolean): Inner<T> | undefined {
    if (this.#remote !== undefined) return undefined; // a remote end does not move again
    const inner = this.#inner;
    if (inner.gone !== undefined || probe) return inner.gone !== undefined ? undefined : inner;
    this.#inner = MOVED;
    inner.failReceivers(MOVED.gone!);
    return inner;
  }

  /** @internal A `select` branch on this receiver (a `RecvError` makes the select reject). */
  [kSelect](arm: WaitNode<T>): void {
    if (this.#remote !== undefined) return this.#remote.select(arm);
    const inner = this.#inner;
    if (inner.state === State.Full) {
      arm.complete(inner.take());
      return;
    }
    const failure = inner.failure();
    if (failure !== undefined) arm.fail(new RecvError(failure));
    else (inner.receivers ??= new WaitQueue()).push(arm);
  }

  /** @internal The remote backend, when this end lives on another thread than its channel. */
  get [kRemote](): OneshotReceiverBackend<T> | undefined {
    return this.#remote;
  }
}

/**
 * Creates a oneshot channel: one value, sent once, received once. The usual
 * reply path of a request/response actor.
 *
 * @param options `name`: shown by introspection (`runtime.resources()`)
 * @returns `[sender, receiver]`
 *
 * @example
 * ```ts
 * import { spawn } from 'weft';
 * import { mpsc, oneshot, type OneshotSender } from 'weft/sync';
 * const [requests, inbox] = mpsc.channel<{ n: number; reply: OneshotSender<number> }>(8);
 * const actor = spawn(async () => {
 *   for await (const { n, reply } of inbox) reply.send(n * 2);
 * });
 * const [reply, answer] = oneshot<number>();
 * await requests.send({ n: 21, reply });
 * console.assert((await answer) === 42);
 * requests.close();
 * await actor;
 * ```
 */
export function oneshot<T>(options?: { name?: string }): [OneshotSender<T>, OneshotReceiver<T>] {
  const inner = new Inner<T>();
  registerResource(inner, inner.rid, 'oneshot', resourceName(options, 'oneshot'), describeOneshot);
  return [new OneshotSender(inner), new OneshotReceiver(inner)];
}
