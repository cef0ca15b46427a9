/**
 * mpsc channel ends on another thread than their channel: the remote senders
 * and receiver a worker gets for the ends passed to its call (see
 * `mpsc-wire.ts` for the design and the op codes, `mpsc-home.ts` for the
 * other side).
 */
import { Parked, WaitQueue } from '../core/wait-queue.js';
import { RingBuffer } from '../core/ring-buffer.js';
import { RESOLVED } from '../core/promise.js';
import { kSelect } from '../core/selectable.js';
import { integer, signalOf } from '../core/validate.js';
import { checkCloneable } from '../core/clone-check.js';
import { scheduler } from '../core/scheduler.js';
import { ClosedWaits, FREE, STATE, RX_CLOSED, TX_GONE } from '../sync/mpsc/chan.js';
import { Sender, Permit } from '../sync/mpsc/bounded.js';
import { UnboundedSender } from '../sync/mpsc/unbounded.js';
import { Receiver, type TryRecvResult } from '../sync/mpsc/receiver.js';
import { ClosedError, SendError } from '../sync/errors.js';
import { Link, type Op } from './remote-link.js';
import { A, ARITY, C, D, F, G, K, N, P, Q, R, S, V, X, Y, Z, type MpscWire } from './mpsc-wire.js';

const sendSite = { op: 'mpsc.send' };
const reserveSite = { op: 'mpsc.reserve' };
const closedSite = { op: 'mpsc.closed' };
const recvSite = { op: 'mpsc.recv' };
const recvManySite = { op: 'mpsc.recvMany' };

/** A send or reserve this thread asked the home to queue. Aborting it asks the home to cancel and waits for the answer. */
class AskWait extends Parked<any> {
  reason: unknown = undefined;
  asked = false;

  constructor(
    readonly link: SenderLink,
    readonly id: number,
    readonly value: unknown,
  ) {
    super();
  }

  override cancel(reason: unknown): void {
    if (this.settled) return;
    if (!this.asked) {
      super.cancel(reason);
      return;
    }
    if (this.reason !== undefined) return;
    this.reason = reason ?? new Error('aborted');
    this.link.link.post([C, this.id]);
  }
}

/** What every sender handle on this thread of one channel shares: the link, the counts, the waits. */
class SenderLink {
  readonly link: Link;
  readonly shared: Int32Array;
  readonly held: Int32Array;
  readonly max: number;
  handles = 1;
  /** Permits out on this thread (taken by CAS or granted by the home). */
  permits = 0;
  readonly asks = new Map<number, AskWait>();
  #seq = 0;
  readonly closedWaits = new ClosedWaits();
  #gone = false;

  constructor(wire: MpscWire) {
    this.shared = wire.shared;
    this.held = wire.held;
    this.max = wire.max;
    this.link = new Link(wire.port, { onOp: (op) => this.#onOp(op), onClose: () => this.#homeGone() }, false, ARITY);
  }

  get rxClosed(): boolean {
    return this.#gone || (Atomics.load(this.shared, STATE) & RX_CLOSED) !== 0;
  }

  /** Takes a free slot with CAS, unless a send of this thread waits at the home (order per sender is kept). */
  tryTake(): boolean {
    if (this.asks.size > 0) return false;
    const shared = this.shared;
    for (let free = Atomics.load(shared, FREE); free > 0; free = Atomics.load(shared, FREE)) {
      if (Atomics.compareExchange(shared, FREE, free, free - 1) === free) {
        Atomics.add(this.held, 0, 1);
        return true;
      }
    }
    return false;
  }

  /** Posts a value in a slot taken by CAS (the caller checked it can be cloned). */
  postValue(value: unknown): void {
    this.link.post([V, value]);
  }

  /** Asks the home to queue a send (`value`) or a reserve (`value` undefined). */
  ask(value: unknown, reserve: boolean, signal: AbortSignal | undefined): Promise<any> {
    const id = ++this.#seq;
    const w = new AskWait(this, id, value);
    const promise = w.park(signal, reserve ? reserveSite : sendSite);
    if (w.settled) return promise;
    this.link.post(reserve ? [R, id] : [S, id, value]);
    w.asked = true;
    this.asks.set(id, w);
    return promise;
  }

  /** One handle on this thread closed: its `closed()` calls resolve; the home hears once nothing is left. */
  closeHandle(handle: object): void {
    this.handles--;
    this.closedWaits.resolve(handle);
    this.settle();
  }

  /** Called when a handle closed or a permit was used: tells the home once nothing here is left. */
  settle(): void {
    if (this.handles === 0 && this.permits === 0 && this.asks.size === 0) this.link.post([D]);
  }

  #onOp(op: Op): void {
    if (op[0] === Z) {
      this.closedWaits.resolve(undefined);
      return;
    }
    const id = op[1] as number;
    const w = this.asks.get(id);
    if (w === undefined) return;
    this.asks.delete(id);
    switch (op[0]) {
      case A:
        w.complete(undefined);
        break;
      case G:
        this.permits++;
        w.complete(new RemotePermit(this, id));
        break;
      case N:
        w.fail(new SendError(w.value));
        break;
      case X:
        w.fail(w.reason);
        break;
    }
    this.settle();
  }

  #homeGone(): void {
    this.#gone = true;
    for (const w of this.asks.values()) w.fail(new SendError(w.value, 'the channel is gone: its thread exited'));
    this.asks.clear();
    this.closedWaits.resolve(undefined);
  }
}

/** A permit of a channel on another thread: `id` 0 for a slot taken by CAS, else the home's permit id. */
class RemotePermit<T> extends Permit<T> {
  #link: SenderLink | undefined;
  readonly #id: number;

  constructor(link: SenderLink, id: number) {
    super(undefined as never);
    this.#link = link;
    this.#id = id;
  }

  override send(value: T): void {
    const link = this.#link;
    if (link === undefined) throw new TypeError('Permit.send: this permit was already sent or released');
    if (value === undefined) throw new TypeError('Permit.send: undefined is not a valid message');
    checkCloneable(value, 'Permit.send');
    link.link.post(this.#id === 0 ? [V, value] : [P, this.#id, value]);
    this.#link = undefined;
    link.permits--;
    link.settle();
  }

  override release(): void {
    const link = this.#link;
    if (link === undefined) return;
    this.#link = undefined;
    link.link.post(this.#id === 0 ? [F] : [Q, this.#id]);
    link.permits--;
    link.settle();
  }
}

/** A bounded channel's sender on another thread than its channel. Same contract as `Sender`. */
export class RemoteSender<T> extends Sender<T> {
  readonly #link: SenderLink;
  #closed = false;

  constructor(link: SenderLink) {
    super(undefined as never);
    this.#link = link;
  }

  override send(value: T, options?: { signal?: AbortSignal }): Promise<void> {
    if (value === undefined) throw new TypeError('Sender.send: undefined is not a valid message');
    const signal = options === undefined ? undefined : signalOf(options, 'Sender.send');
    checkCloneable(value, 'Sender.send');
    const link = this.#link;
    if (this.#closed || link.rxClosed) return Promise.reject(new SendError(value));
    if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
    if (link.tryTake()) {
      link.postValue(value);
      return RESOLVED;
    }
    return link.ask(value, false, signal);
  }

  override trySend(value: T): boolean {
    if (value === undefined) throw new TypeError('Sender.trySend: undefined is not a valid message');
    checkCloneable(value, 'Sender.trySend');
    const link = this.#link;
    if (this.#closed || link.rxClosed) throw new SendError(value);
    if (!link.tryTake()) return false;
    link.postValue(value);
    return true;
  }

  override reserve(options?: { signal?: AbortSignal }): Promise<Permit<T>> {
    const signal = options === undefined ? undefined : signalOf(options, 'Sender.reserve');
    const link = this.#link;
    if (this.#closed || link.rxClosed) return Promise.reject(new SendError(undefined));
    if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
    if (link.tryTake()) {
      link.permits++;
      return Promise.resolve(new RemotePermit<T>(link, 0));
    }
    return link.ask(undefined, true, signal) as Promise<Permit<T>>;
  }

  override tryReserve(): Permit<T> | undefined {
    const link = this.#link;
    if (this.#closed || link.rxClosed) throw new SendError(undefined);
    if (!link.tryTake()) return undefined;
    link.permits++;
    return new RemotePermit<T>(link, 0);
  }

  override clone(): Sender<T> {
    if (this.#closed) throw new ClosedError('Sender.clone: this sender handle is closed');
    this.#link.handles++;
    return new RemoteSender<T>(this.#link);
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#link.closeHandle(this);
  }

  override closed(options?: { signal?: AbortSignal }): Promise<void> {
    return this.#link.closedWaits.wait(this, this.isClosed, options, closedSite);
  }

  override get isClosed(): boolean {
    return this.#closed || this.#link.rxClosed;
  }

  override get capacity(): number {
    return Math.max(0, Atomics.load(this.#link.shared, FREE));
  }

  override get maxCapacity(): number {
    return this.#link.max;
  }
}

/** An unbounded channel's sender on another thread than its channel. Same contract as `UnboundedSender`. */
export class RemoteUnboundedSender<T> extends UnboundedSender<T> {
  readonly #link: SenderLink;
  #closed = false;

  constructor(link: SenderLink) {
    super(undefined as never);
    this.#link = link;
  }

  override send(value: T): void {
    if (value === undefined) throw new TypeError('UnboundedSender.send: undefined is not a valid message');
    if (this.#closed || this.#link.rxClosed) throw new SendError(value);
    checkCloneable(value, 'UnboundedSender.send');
    Atomics.add(this.#link.held, 0, 1);
    this.#link.postValue(value);
  }

  override clone(): UnboundedSender<T> {
    if (this.#closed) throw new ClosedError('UnboundedSender.clone: this sender handle is closed');
    this.#link.handles++;
    return new RemoteUnboundedSender<T>(this.#link);
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#link.closeHandle(this);
  }

  override closed(options?: { signal?: AbortSignal }): Promise<void> {
    return this.#link.closedWaits.wait(this, this.isClosed, options, closedSite);
  }

  override get isClosed(): boolean {
    return this.#closed || this.#link.rxClosed;
  }
}

/** A parked `recvMany` on a remote receiver. */
class RemoteManyWait<T> extends Parked<number> {
  constructor(
    readonly into: T[],
    readonly limit: number,
  ) {
    super();
  }
}

const EMPTY = Object.freeze({ state: 'empty' as const });
const CLOSED = Object.freeze({ state: 'closed' as const });

/**
 * A receiver on another thread than its channel. Values arrive in the order
 * they were sent and wait here until taken; each take frees its slot at home.
 * Same contract as `Receiver`.
 */
export class RemoteReceiver<T> extends Receiver<T> {
  readonly #link: Link;
  readonly #shared: Int32Array;
  readonly #buffer = new RingBuffer<T>();
  readonly #waiters = new WaitQueue<Parked<any>>();
  #done = false;
  #closed = false;
  /** Its call has settled: values still arriving are let go at once. */
  #dropped = false;
  /** Values taken and not yet reported to the home. */
  #taken = 0;
  readonly #report = (): void => {
    const n = this.#taken;
    this.#taken = 0;
    if (n > 0) this.#link.post([K, n]);
    this.#finishLink();
  };

  constructor(wire: MpscWire) {
    super(undefined as never);
    this.#shared = wire.shared;
    this.#link = new Link(
      wire.port,
      {
        onOp: (op) => {
          if (op[0] !== V) this.#done = true;
          else if (this.#dropped) this.#took(1);
          else this.#buffer.push(op[1] as T);
        },
        onBatch: () => {
          this.#serve();
          this.#finishLink();
        },
        onClose: () => {
          this.#done = true;
          this.#serve();
        },
      },
      false,
      ARITY,
    );
  }

  /**
   * Closes the link once nothing more can pass: the channel ended (or the
   * call that held this end settled) and every value taken has been reported,
   * so the home has given back every slot.
   */
  #finishLink(): void {
    if (this.#taken === 0 && (this.#dropped || (this.#done && this.#buffer.length === 0))) this.#link.close();
  }

  /**
   * Its call settled: closes it, and lets go of the values it still holds
   * (their slots are given back), and of those still on their way.
   */
  drop(): void {
    this.close();
    this.#dropped = true;
    this.#took(this.#buffer.length);
    this.#buffer.clear();
    this.#serve();
    this.#finishLink();
  }

  /** Frees the slots of values taken, in one message per microtask turn. */
  #took(n: number): void {
    if (this.#taken === 0) queueMicrotask(this.#report);
    this.#taken += n;
  }

  #take(): T {
    this.#took(1);
    return this.#buffer.shift() as T;
  }

  #serve(): void {
    const q = this.#waiters;
    for (let w = q.head; w !== undefined && this.#buffer.length > 0; w = q.head) {
      q.remove(w);
      if (w instanceof RemoteManyWait) {
        const n = this.#buffer.moveInto(w.into, w.limit);
        this.#took(n);
        w.complete(n);
      } else w.complete(this.#take());
    }
    if (this.#done && this.#buffer.length === 0) {
      q.drain((w) => w.complete(w instanceof RemoteManyWait ? 0 : undefined));
    }
  }

  override recv(options?: { signal?: AbortSignal }): Promise<T | undefined> {
    const signal = options === undefined ? undefined : signalOf(options, 'Receiver.recv');
    if (this.#buffer.length > 0 || this.#done) {
      if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
      if (!scheduler.budget()) return scheduler.hop().then(() => this.recv(options));
      return Promise.resolve(this.#buffer.length > 0 ? this.#take() : undefined);
    }
    const w = new Parked<T | undefined>();
    const promise = w.park(signal, recvSite);
    if (!w.settled) this.#waiters.push(w);
    return promise;
  }

  override recvMany(into: T[], limit: number, options?: { signal?: AbortSignal }): Promise<number> {
    if (!Array.isArray(into)) throw new TypeError('Receiver.recvMany: into must be an array');
    integer(limit, 'Receiver.recvMany', 'limit', 0, Number.MAX_SAFE_INTEGER);
    const signal = options === undefined ? undefined : signalOf(options, 'Receiver.recvMany');
    if (this.#buffer.length > 0 || limit === 0 || this.#done) {
      if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
      if (!scheduler.budget()) return scheduler.hop().then(() => this.recvMany(into, limit, options));
      const n = this.#buffer.moveInto(into, limit);
      this.#took(n);
      return Promise.resolve(n);
    }
    const w = new RemoteManyWait<T>(into, limit);
    const promise = w.park(signal, recvManySite);
    if (!w.settled) this.#waiters.push(w);
    return promise;
  }

  override tryRecv(): TryRecvResult<T> {
    if (this.#buffer.length > 0) return { state: 'ok', value: this.#take() };
    return this.#done ? CLOSED : EMPTY;
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#link.post([Y]);
  }

  override [Symbol.dispose](): void {
    this.close();
  }

  override get isClosed(): boolean {
    return this.#closed || this.#done || (Atomics.load(this.#shared, STATE) & (RX_CLOSED | TX_GONE)) !== 0;
  }

  override get isEmpty(): boolean {
    return this.#buffer.length === 0;
  }

  override get length(): number {
    return this.#buffer.length;
  }

  override [kSelect](arm: Parked<T | undefined>): void {
    if (this.#buffer.length > 0) arm.complete(this.#take());
    else if (this.#done) arm.complete(undefined);
    else this.#waiters.push(arm);
  }
}

/** Builds the end that arrived from another thread. */
export function reviveMpsc(wire: MpscWire): Sender<any> | UnboundedSender<any> | Receiver<any> {
  if (wire.weft === 'mpsc.Receiver') return new RemoteReceiver(wire);
  const link = new SenderLink(wire);
  return wire.weft === 'mpsc.Sender' ? new RemoteSender(link) : new RemoteUnboundedSender(link);
}
