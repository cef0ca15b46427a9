import { Parked, WaitQueue, type WaitNode, type WaitSite } from '../../core/wait-queue.js';
import { RingBuffer } from '../../core/ring-buffer.js';
import { scheduler } from '../../core/scheduler.js';
import { SendError } from '../errors.js';
import { RESOLVED } from '../../core/promise.js';
import { signalOf } from '../../core/validate.js';
import { registerResource, resourceId } from '../../core/resources.js';

/** Registers a new channel for introspection (a no-op unless a runtime observes). */
export function registerChan(chan: Chan<any>, name: string | undefined): void {
  registerResource(chan, chan.rid, 'mpsc', name, describeChan);
}

function describeChan(chan: Chan<any>): Record<string, number | boolean> {
  const attributes: Record<string, number | boolean> = {
    length: chan.buffer.length,
    senders: chan.senders,
    closed: chan.isClosed,
    sendWaiting: chan.sendWaiters.length,
  };
  if (chan.max !== Infinity) attributes['capacity'] = chan.max;
  else attributes['unbounded'] = true;
  return attributes;
}

/** The largest capacity `mpsc.channel` accepts (2^30 values). */
export const MAX_CAPACITY = 2 ** 30;

/**
 * What waits in a channel's send queue: a send of `value` (or, with `reserve`
 * set, a reserve) on behalf of the handle `owner`. Completing it grants the
 * slot (with a permit for a reserve); failing it refuses. `SendWait` is the
 * promise-backed one; a send asked for by another thread implements this
 * directly (`worker/channels/mpsc-home.ts`).
 */
export interface SendNode<T> extends WaitNode<any> {
  readonly value: T | undefined;
  readonly reserve: boolean;
  readonly owner: object;
}

/** A parked `send(value)` (or, with `reserve` set, a parked `reserve()`). */
export class SendWait<T> extends Parked<any> implements SendNode<T> {
  constructor(
    readonly value: T | undefined,
    readonly reserve: boolean,
    readonly owner: object,
  ) {
    super();
  }
}

/** A parked `recvMany(into, limit)`: resolves with how many values it appended. */
export class ManyWait<T> extends Parked<number> {
  constructor(
    readonly chan: Chan<T>,
    readonly into: T[],
    readonly limit: number,
  ) {
    super();
  }

  /** Values may sit in the buffer for this wait: if it leaves, the next receive gets them. */
  protected override onCancel(): void {
    const chan = this.chan;
    if (chan.buffer.length > 0 && chan.recvWaiters.head !== undefined) chan.serveReceivers();
  }
}

/** What waits for a channel's receiver to close, on behalf of the sender handle `owner`. */
export interface ClosedNode extends WaitNode<void> {
  readonly owner: object;
}

/** A parked `Sender.closed()`; `owner` is the handle it was called on. */
export class ClosedWait extends Parked<void> implements ClosedNode {
  constructor(readonly owner: object) {
    super();
  }
}

/** The parked `closed()` calls of a channel's sender handles (on this thread). */
export class ClosedWaits {
  readonly #queue = new WaitQueue<ClosedNode>();

  /** @param rid the channel's resource id, reported by the waits */
  constructor(readonly rid?: number) {}

  /**
   * A `closed()` call of `owner`: resolved at once when `now` (after
   * validating `options`), else parked until `resolve` reaches that handle.
   */
  wait(owner: object, now: boolean, options: { signal?: AbortSignal } | undefined, site: WaitSite): Promise<void> {
    const signal = options === undefined ? undefined : signalOf(options, site.op);
    if (now) {
      if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
      return RESOLVED;
    }
    const w = new ClosedWait(owner);
    const promise = w.park(signal, site, this.rid);
    if (!w.settled) this.#queue.push(w);
    return promise;
  }

  /** Queues a node built elsewhere (one that reports to another thread). */
  add(w: ClosedNode): void {
    this.#queue.push(w);
  }

  /** Resolves the waits of `owner`, or every wait when undefined. */
  resolve(owner: object | undefined): void {
    const q = this.#queue;
    if (owner === undefined) {
      q.drain((w) => w.complete(undefined));
      return;
    }
    for (let w = q.head; w !== undefined;) {
      const next = w.next as ClosedNode | undefined;
      if (w.owner === owner) {
        q.remove(w);
        w.complete(undefined);
      }
      w = next;
    }
  }
}

/**
 * Where a channel's values go once its receiver has moved to another thread
 * (see `worker/remote-mpsc.ts`): each delivered value is handed on at once,
 * keeping its slot until the far side reports it consumed (`release`), so
 * capacity still bounds everything sent and not yet received.
 */
export interface ChanSink<T> {
  /** Throws TypeError if `value` cannot cross threads; called before a send takes a slot. */
  check(value: T): void;
  push(value: T): void;
  /** Closed, drained, no permit outstanding: nothing more will come. */
  end(): void;
}

/** Words of a channel's shared state (`Chan.shared`). */
export const FREE = 0;
export const STATE = 1;
/** STATE bits: the receiver is closed; every sender is gone. */
export const RX_CLOSED = 1;
export const TX_GONE = 2;

/**
 * The state one mpsc channel's handles share: the buffer, the wait-queues and
 * the counts. The capacity rules live here, written once for both flavors
 * (an unbounded channel has `max = Infinity`).
 *
 * Capacity is a count of free slots. A send or reserve takes one; the slot is
 * held by the buffered value or the permit, and freed when the value is
 * received or the permit released. A freed slot goes to the longest-waiting
 * send/reserve first, and only when none waits back to the free count. Once a
 * sender of a bounded channel has crossed to another thread the count lives in
 * shared memory (`shared[FREE]`), so that thread's `trySend` can take a slot
 * synchronously with an atomic compare-and-swap; everything else stays on
 * this thread.
 *
 * Invariants:
 * - a `recv` waits only when the buffer is empty, and a value sent while one
 *   waits goes straight to it (one promise resolution, no buffering);
 * - a waiting `recvMany` is woken in batches: values collect in the buffer
 *   until the next macrotask turn (a fast producer fills the batch instead of
 *   waking the consumer once per value), or at once when `limit` values are
 *   buffered, the channel is full, or it closes. So values and parked
 *   receives coexist only while such a wake-up is pending;
 * - a send waits only when no slot is free, and free slots and waiting
 *   senders never coexist.
 */
export class Chan<T> {
  readonly buffer: RingBuffer<T>;
  readonly max: number;
  /** Its resource id (introspection): every wait on this channel reports it. */
  readonly rid = resourceId();
  /** Permits granted by `reserve` and not yet sent or released. */
  permits = 0;
  /** Open sender handles (a handle on another thread counts as one while it lives). */
  senders = 1;
  rxClosed = false;
  readonly recvWaiters = new WaitQueue<WaitNode<any>>();
  readonly sendWaiters = new WaitQueue<SendNode<T>>();
  /** Created on the first `closed()` call (most channels never see one). */
  closedWaits: ClosedWaits | undefined = undefined;
  /** Builds the permit a granted `reserve()` resolves with (set by the bounded flavor). */
  makePermit: ((chan: Chan<T>) => unknown) | undefined = undefined;
  /** Free slots, while they are counted on this thread only. */
  #free: number;
  /** `[FREE, STATE]` in shared memory, once an end of this channel crossed to another thread. */
  shared: Int32Array | undefined = undefined;
  /** The free count lives in `shared` (a bounded channel that crossed threads), not in `#free`. */
  #atomicFree = false;
  /** Set when the receiver moved to another thread. */
  sink: ChanSink<T> | undefined = undefined;
  /** A batched wake-up of parked `recvMany` calls is scheduled. */
  #wakePending = false;
  /** The batched wake-up's callback, made on first use (most channels never batch: one closure less each). */
  #wake: (() => void) | undefined = undefined;

  constructor(max: number) {
    this.max = max;
    this.#free = max;
    // Four slots to start (the least): most channels hold a few values at a time, a busy one doubles a few times once.
    this.buffer = new RingBuffer<T>(4);
  }

  /** Nothing more can arrive: every sender is closed, or the receiver is. */
  get isClosed(): boolean {
    return this.rxClosed || this.senders === 0;
  }

  /** `recv` resolves undefined: closed, drained, and no permit is outstanding. */
  get isDone(): boolean {
    return this.buffer.length === 0 && this.permits === 0 && (this.rxClosed || this.senders === 0);
  }

  /** Capacity free for a new send or reserve. */
  get available(): number {
    return this.#atomicFree ? Atomics.load(this.shared!, FREE) : this.#free;
  }

  /** Takes one free slot if there is one. The caller checked that no sender waits. */
  tryAcquire(): boolean {
    if (!this.#atomicFree) {
      if (this.#free <= 0) return false;
      this.#free--;
      return true;
    }
    const shared = this.shared!;
    for (let free = Atomics.load(shared, FREE); free > 0; free = Atomics.load(shared, FREE)) {
      if (Atomics.compareExchange(shared, FREE, free, free - 1) === free) return true;
    }
    return false;
  }

  /**
   * Moves the state other threads need into shared memory (once): the free
   * count of a bounded channel and the closed bits. Returns it.
   */
  share(): Int32Array {
    if (this.shared === undefined) {
      const shared = new Int32Array(new SharedArrayBuffer(8));
      shared[FREE] = this.max === Infinity ? 0 : this.#free;
      this.shared = shared;
      this.#atomicFree = this.max !== Infinity;
      this.#publishState();
    }
    return this.shared;
  }

  #publishState(): void {
    if (this.shared === undefined) return;
    Atomics.store(this.shared, STATE, (this.rxClosed ? RX_CLOSED : 0) | (this.senders === 0 ? TX_GONE : 0));
  }

  /**
   * Frees `n` slots: the longest-waiting sends and reserves get them first,
   * the rest go back to the free count. Resolves a waiting send before
   * delivering its value: delivering can serve a batched receive, which frees
   * slots re-entrantly, and this sender must resolve first.
   */
  release(n: number): void {
    // Usually nobody waits: skip the grant loop (this runs on every receive).
    if (this.sendWaiters.head !== undefined) n = this.#grant(n);
    if (n <= 0) return;
    if (this.#atomicFree) Atomics.add(this.shared!, FREE, n);
    else this.#free += n;
  }

  /** Hands up to `n` freed slots to waiting senders, oldest first; returns how many are left. */
  #grant(n: number): number {
    for (; n > 0; n--) {
      const w = this.sendWaiters.shift();
      if (w === undefined) break;
      if (w.reserve) {
        this.permits++;
        w.complete(this.makePermit!(this));
      } else {
        w.complete(undefined);
        this.deliver(w.value as T);
      }
    }
    return n;
  }

  /**
   * Puts a value the caller holds a slot for into the channel: straight to
   * the oldest waiting receive if there is one (the slot is then free again
   * at once), else into the buffer (or on to the receiver's thread).
   */
  deliver(value: T): void {
    const r = this.recvWaiters.head;
    if (r === undefined) {
      if (this.sink !== undefined) this.sink.push(value);
      else this.buffer.push(value);
      return;
    }
    if (r instanceof ManyWait) {
      // batch: let values collect until the next turn, unless the batch is full already
      this.buffer.push(value);
      if (this.buffer.length >= r.limit || this.available <= 0) this.serveReceivers();
      else if (!this.#wakePending) {
        this.#wakePending = true;
        // (hop() rejects if called from an aborted task: the wake-up must happen regardless)
        const wake = (this.#wake ??= () => {
          this.#wakePending = false;
          if (this.buffer.length > 0) this.serveReceivers();
        });
        void scheduler.hop().then(wake, wake);
      }
      return;
    }
    this.recvWaiters.remove(r);
    r.complete(value);
    this.release(1);
  }

  /** Hands buffered values to parked receives, oldest first, while both remain; frees their slots. */
  serveReceivers(): void {
    const q = this.recvWaiters;
    const before = this.buffer.length;
    for (let r = q.head; r !== undefined && this.buffer.length > 0; r = q.head) {
      q.remove(r);
      if (r instanceof ManyWait) r.complete(this.buffer.moveInto(r.into as T[], r.limit));
      else r.complete(this.buffer.shift());
    }
    this.release(before - this.buffer.length);
    if (this.sendWaiters.head === undefined && this.isDone) this.finishReceivers();
  }

  /** Takes the oldest buffered value (the caller checked there is one) and frees its slot. */
  take(): T {
    const value = this.buffer.shift() as T;
    this.release(1);
    return value;
  }

  /** Moves up to `limit` buffered values into `into` and frees their slots. */
  takeMany(into: T[], limit: number): number {
    const n = this.buffer.moveInto(into, limit);
    this.release(n);
    return n;
  }

  /** A permit is used: its value (if `sent`) takes its slot, else the slot is freed. */
  permitDone(value: T | undefined, sent: boolean): void {
    this.permits--;
    if (sent) this.deliver(value as T);
    else this.release(1);
    if (this.sendWaiters.head === undefined && this.isDone) this.finishReceivers();
  }

  /** Wakes every waiting receive with "closed" (undefined, or 0 for recvMany). Only when `isDone`. */
  finishReceivers(): void {
    this.recvWaiters.drain((w) => w.complete(w instanceof ManyWait ? 0 : undefined));
    this.sink?.end();
  }

  /** One sender handle closed. */
  senderClosed(handle: object): void {
    this.senders--;
    this.resolveClosed(handle);
    if (this.senders > 0) return;
    this.#publishState();
    if (this.buffer.length > 0 && this.recvWaiters.head !== undefined) this.serveReceivers();
    else if (this.isDone) this.finishReceivers();
  }

  /** Resolves the `closed()` waits of `handle` (or of every handle when undefined). */
  resolveClosed(handle: object | undefined): void {
    this.closedWaits?.resolve(handle);
  }

  /** The receiver closed: waiting senders fail, `closed()` resolves, buffered values stay. */
  closeRx(): void {
    if (this.rxClosed) return;
    this.rxClosed = true;
    this.#publishState();
    this.sendWaiters.drain((w) => w.fail(new SendError(w.value)));
    this.resolveClosed(undefined);
    if (this.buffer.length > 0 && this.recvWaiters.head !== undefined) this.serveReceivers();
    else if (this.isDone) this.finishReceivers();
  }
}
