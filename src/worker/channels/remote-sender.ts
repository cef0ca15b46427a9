/**
 * mpsc senders on another thread than their channel: the remote senders (and
 * their permits) a worker gets for the sender ends passed to its call. See
 * `mpsc-wire.ts` for the design and the op codes, `mpsc-home.ts` for the
 * other side.
 */
import { WaitLinks, waitStats, type WaitSite } from '../../core/wait-queue.js';
import { scheduler } from '../../core/scheduler.js';
import { RESOLVED, newPromise } from '../../core/promise.js';
import { signalOf } from '../../core/validate.js';
import { checkCloneable } from '../../core/clone-check.js';
import { ClosedWaits, FREE, STATE, RX_CLOSED } from '../../sync/mpsc/chan.js';
import { Sender, Permit } from '../../sync/mpsc/bounded.js';
import { UnboundedSender } from '../../sync/mpsc/unbounded.js';
import { ClosedError, SendError } from '../../sync/errors.js';
import type { PermitBackend, SenderBackend, UnboundedSenderBackend } from '../../sync/remote-end.js';
import { Link, type Op } from './remote-link.js';
import { A, ARITY, C, D, F, G, N, P, Q, R, S, V, X, Z, type MpscWire } from './mpsc-wire.js';

const sendSite = { op: 'mpsc.send' };
const reserveSite = { op: 'mpsc.reserve' };
const closedSite = { op: 'mpsc.closed' };

/**
 * A send or reserve this thread asked the home to queue: a wait of the core
 * contract (`WaitLinks`: listed in the task's waits, cancelled by its abort or
 * signal) with its own promise, settled by the home's answer. Cancelling one
 * not yet asked rejects it at once; once asked, it asks the home to cancel and
 * settles with the answer (`X`, or the grant that crossed the cancel on its way).
 */
class AskWait extends WaitLinks {
  resolve: ((value: any) => void) | undefined = undefined;
  reject: ((reason: unknown) => void) | undefined = undefined;
  /** Why it was cancelled, once it has asked the home to cancel it. */
  reason: unknown = undefined;
  asked = false;

  constructor(
    readonly link: SenderLink,
    readonly id: number,
    readonly value: unknown,
  ) {
    super();
  }

  /** The caller's promise; linked to the current task and `signal` (settled at once if either is cancelled). */
  start(signal: AbortSignal | undefined, site: WaitSite): Promise<any> {
    const promise = newPromise<any>(this);
    waitStats.parked++;
    this.site = site;
    this.linkCancellers(signal);
    return promise;
  }

  complete(value: unknown): void {
    if (this.#end()) scheduler.resolve(this.resolve!, value);
  }

  fail(reason: unknown): void {
    if (this.#end()) this.reject!(reason);
  }

  cancel(reason: unknown): void {
    if (this.settled) return;
    if (!this.asked) {
      this.fail(reason);
      return;
    }
    if (this.reason !== undefined) return;
    this.reason = reason ?? new Error('aborted');
    this.link.link.post([C, this.id]);
  }

  /** Marks it settled and unlinks it; false if it already was. */
  #end(): boolean {
    if (this.settled) return false;
    this.settled = true;
    waitStats.parked--;
    this.unlinkCancellers();
    return true;
  }
}

/** What every sender handle on this thread of one channel shares: the link, the counts, the waits. */
export class SenderLink {
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
    const promise = w.start(signal, reserve ? reserveSite : sendSite);
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
        w.complete(new Permit(new RemotePermit(this, id)));
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

/** The backend of a `Permit` of a channel on another thread: `id` 0 for a slot taken by CAS, else the home's permit id. */
class RemotePermit<T> implements PermitBackend<T> {
  #link: SenderLink | undefined;
  readonly #id: number;

  constructor(link: SenderLink, id: number) {
    this.#link = link;
    this.#id = id;
  }

  send(value: T): void {
    const link = this.#link;
    if (link === undefined) throw new TypeError('Permit.send: this permit was already sent or released');
    if (value === undefined) throw new TypeError('Permit.send: undefined is not a valid message');
    checkCloneable(value, 'Permit.send');
    link.link.post(this.#id === 0 ? [V, value] : [P, this.#id, value]);
    this.#link = undefined;
    link.permits--;
    link.settle();
  }

  release(): void {
    const link = this.#link;
    if (link === undefined) return;
    this.#link = undefined;
    link.link.post(this.#id === 0 ? [F] : [Q, this.#id]);
    link.permits--;
    link.settle();
  }
}

/**
 * What both remote sender backends share: the link to the channel's home, this
 * handle's own closed flag, and closing. (Fields are `protected`, not `#`, so
 * the two subclasses can read them.)
 */
abstract class LinkedSender {
  protected closedHandle = false;

  constructor(protected readonly link: SenderLink) {}

  close(): void {
    if (this.closedHandle) return;
    this.closedHandle = true;
    this.link.closeHandle(this);
  }

  closed(options?: { signal?: AbortSignal }): Promise<void> {
    return this.link.closedWaits.wait(this, this.isClosed, options, closedSite);
  }

  get isClosed(): boolean {
    return this.closedHandle || this.link.rxClosed;
  }
}

/** The backend of a bounded channel's `Sender` on another thread than its channel. Same contract as `Sender`. */
export class RemoteSender<T> extends LinkedSender implements SenderBackend<T> {
  send(value: T, options?: { signal?: AbortSignal }): Promise<void> {
    if (value === undefined) throw new TypeError('Sender.send: undefined is not a valid message');
    const signal = options === undefined ? undefined : signalOf(options, 'Sender.send');
    checkCloneable(value, 'Sender.send');
    const link = this.link;
    if (this.closedHandle || link.rxClosed) return Promise.reject(new SendError(value));
    // No cooperative budget here: a send deferred by a hop would let a later
    // send of this thread take a slot first (sends of one thread stay in order).
    if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
    if (link.tryTake()) {
      link.postValue(value);
      return RESOLVED;
    }
    return link.ask(value, false, signal);
  }

  trySend(value: T): boolean {
    if (value === undefined) throw new TypeError('Sender.trySend: undefined is not a valid message');
    checkCloneable(value, 'Sender.trySend');
    const link = this.link;
    if (this.closedHandle || link.rxClosed) throw new SendError(value);
    if (!link.tryTake()) return false;
    link.postValue(value);
    return true;
  }

  reserve(options?: { signal?: AbortSignal }): Promise<Permit<T>> {
    const signal = options === undefined ? undefined : signalOf(options, 'Sender.reserve');
    const link = this.link;
    if (this.closedHandle || link.rxClosed) return Promise.reject(new SendError(undefined));
    if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
    if (link.tryTake()) {
      link.permits++;
      return Promise.resolve(new Permit<T>(new RemotePermit<T>(link, 0)));
    }
    return link.ask(undefined, true, signal) as Promise<Permit<T>>;
  }

  tryReserve(): Permit<T> | undefined {
    const link = this.link;
    if (this.closedHandle || link.rxClosed) throw new SendError(undefined);
    if (!link.tryTake()) return undefined;
    link.permits++;
    return new Permit<T>(new RemotePermit<T>(link, 0));
  }

  clone(): Sender<T> {
    if (this.closedHandle) throw new ClosedError('Sender.clone: this sender handle is closed');
    this.link.handles++;
    return new Sender<T>(new RemoteSender<T>(this.link));
  }

  get capacity(): number {
    return Math.max(0, Atomics.load(this.link.shared, FREE));
  }

  get maxCapacity(): number {
    return this.link.max;
  }
}

/** The backend of an `UnboundedSender` on another thread than its channel. Same contract. */
export class RemoteUnboundedSender<T> extends LinkedSender implements UnboundedSenderBackend<T> {
  send(value: T): void {
    if (value === undefined) throw new TypeError('UnboundedSender.send: undefined is not a valid message');
    if (this.closedHandle || this.link.rxClosed) throw new SendError(value);
    checkCloneable(value, 'UnboundedSender.send');
    Atomics.add(this.link.held, 0, 1);
    this.link.postValue(value);
  }

  clone(): UnboundedSender<T> {
    if (this.closedHandle) throw new ClosedError('UnboundedSender.clone: this sender handle is closed');
    this.link.handles++;
    return new UnboundedSender<T>(new RemoteUnboundedSender<T>(this.link));
  }
}
