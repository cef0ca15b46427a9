import { Parked, WaitQueue, type WaitSite } from '../../internal/wait-queue.js';
import { RingBuffer } from '../../internal/ring-buffer.js';
import { scheduler } from '../../runtime/scheduler.js';
import { SendError } from '../errors.js';

/** The largest capacity `mpsc.channel` accepts (2^30 values). */
export const MAX_CAPACITY = 2 ** 30;

/** Internal: a parked `send(value)` (or, with `reserve` set, a parked `reserve()`). */
export class SendWait<T> extends Parked<any> {
  constructor(
    readonly value: T | undefined,
    readonly reserve: boolean,
    readonly owner: object,
  ) {
    super();
  }
}

/** Internal: a parked `recvMany(into, limit)`: resolves with how many values it appended. */
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

/** Internal: a parked `Sender.closed()`; `owner` is the handle it was called on. */
export class ClosedWait extends Parked<void> {
  constructor(readonly owner: object) {
    super();
  }
}

/**
 * The state one mpsc channel's handles share: the buffer, the wait-queues and
 * the counts. The capacity rules live here, written once for both flavors
 * (an unbounded channel has `max = Infinity`).
 *
 * Invariants:
 * - a `recv` waits only when the buffer is empty, and a value sent while one
 *   waits goes straight to it (one promise resolution, no buffering);
 * - a waiting `recvMany` is woken in batches: values collect in the buffer
 *   until the next macrotask turn (a fast producer fills the batch instead of
 *   waking the consumer once per value), or at once when `limit` values are
 *   buffered, the channel is full, or it closes. So values and parked
 *   receives coexist only while such a wake-up is pending;
 * - a send waits only when no capacity is free (`buffered + permits = max`),
 *   and every freed slot goes to the longest-waiting send/reserve at once, so
 *   free capacity and waiting senders never coexist.
 */
export class Chan<T> {
  readonly buffer: RingBuffer<T>;
  readonly max: number;
  /** Permits granted by `reserve` and not yet sent or released. */
  permits = 0;
  /** Open sender handles. */
  senders = 1;
  rxClosed = false;
  readonly recvWaiters = new WaitQueue<Parked<any>>();
  readonly sendWaiters = new WaitQueue<SendWait<T>>();
  closedWaiters: WaitQueue<ClosedWait> | undefined = undefined;
  /** Builds the permit a granted `reserve()` resolves with (set by the bounded flavor). */
  makePermit: ((chan: Chan<T>) => unknown) | undefined = undefined;
  /** A batched wake-up of parked `recvMany` calls is scheduled. */
  #wakePending = false;
  readonly #wake = (): void => {
    this.#wakePending = false;
    if (this.buffer.length > 0) this.serveReceivers();
  };

  constructor(max: number) {
    this.max = max;
    this.buffer = new RingBuffer<T>(max < 16 ? max : 16);
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
    return this.max - this.buffer.length - this.permits;
  }

  /**
   * Puts a value the caller holds a slot for into the channel: straight to
   * the oldest waiting receive if there is one (the slot is then free again
   * at once), else into the buffer.
   */
  deliver(value: T): void {
    const r = this.recvWaiters.head;
    if (r === undefined) {
      this.buffer.push(value);
      return;
    }
    if (r instanceof ManyWait) {
      // batch: let values collect until the next turn, unless the batch is full already
      this.buffer.push(value);
      if (this.buffer.length >= r.limit || this.buffer.length + this.permits >= this.max) this.serveReceivers();
      else if (!this.#wakePending) {
        this.#wakePending = true;
        // (hop() rejects if called from an aborted task: the wake-up must happen regardless)
        void scheduler.hop().then(this.#wake, this.#wake);
      }
      return;
    }
    this.recvWaiters.remove(r);
    r.complete(value);
  }

  /** Hands buffered values to parked receives, oldest first, while both remain; passes freed slots on. */
  serveReceivers(): void {
    const q = this.recvWaiters;
    for (let r = q.head; r !== undefined && this.buffer.length > 0; r = q.head) {
      q.remove(r);
      if (r instanceof ManyWait) r.complete(this.buffer.moveInto(r.into as T[], r.limit));
      else r.complete(this.buffer.shift());
    }
    if (this.sendWaiters.head !== undefined) this.grant();
    else if (this.isDone) this.finishReceivers();
  }

  /** Takes the oldest buffered value (the caller checked there is one) and passes the slot on. */
  take(): T {
    const value = this.buffer.shift() as T;
    if (this.sendWaiters.head !== undefined) this.grant();
    return value;
  }

  /** Moves up to `limit` buffered values into `into` and passes the slots on. */
  takeMany(into: T[], limit: number): number {
    const n = this.buffer.moveInto(into, limit);
    if (this.sendWaiters.head !== undefined) this.grant();
    return n;
  }

  /** Hands free capacity to waiting senders, oldest first. */
  grant(): void {
    while (this.buffer.length + this.permits < this.max) {
      const w = this.sendWaiters.shift();
      if (w === undefined) return;
      if (w.reserve) {
        this.permits++;
        w.complete(this.makePermit!(this));
      } else {
        // resolve before delivering: delivering can serve a batched receive, which
        // grants the next slots re-entrantly, and this sender must resolve first
        w.complete(undefined);
        this.deliver(w.value as T);
      }
    }
  }

  /** A permit is used: its value (if `sent`) goes in, its slot is freed either way. */
  permitDone(value: T | undefined, sent: boolean): void {
    this.permits--;
    if (sent) this.deliver(value as T);
    if (this.sendWaiters.head !== undefined) this.grant();
    else if (this.isDone) this.finishReceivers();
  }

  /** Wakes every waiting receive with "closed" (undefined, or 0 for recvMany). Only when `isDone`. */
  finishReceivers(): void {
    this.recvWaiters.drain((w) => w.complete(w instanceof ManyWait ? 0 : undefined));
  }

  /** One sender handle closed. */
  senderClosed(handle: object): void {
    this.senders--;
    this.resolveClosed(handle);
    if (this.senders > 0) return;
    if (this.buffer.length > 0 && this.recvWaiters.head !== undefined) this.serveReceivers();
    else if (this.isDone) this.finishReceivers();
  }

  /** Parks a `closed()` call of `owner` until the receiver (or that handle) closes. */
  waitClosed(owner: object, signal: AbortSignal | undefined, site: WaitSite): Promise<void> {
    const w = new ClosedWait(owner);
    const promise = w.park(signal, site);
    if (!w.settled) (this.closedWaiters ??= new WaitQueue()).push(w);
    return promise;
  }

  /** Resolves the `closed()` waits of `handle` (or of every handle when undefined). */
  resolveClosed(handle: object | undefined): void {
    const q = this.closedWaiters;
    if (q === undefined) return;
    if (handle === undefined) {
      q.drain((w) => w.complete(undefined));
      return;
    }
    let w = q.head;
    while (w !== undefined) {
      const next = w.next as ClosedWait | undefined;
      if (w.owner === handle) {
        q.remove(w);
        w.complete(undefined);
      }
      w = next;
    }
  }

  /** The receiver closed: waiting senders fail, `closed()` resolves, buffered values stay. */
  closeRx(): void {
    if (this.rxClosed) return;
    this.rxClosed = true;
    this.sendWaiters.drain((w) => w.fail(new SendError(w.value)));
    this.resolveClosed(undefined);
    if (this.buffer.length > 0 && this.recvWaiters.head !== undefined) this.serveReceivers();
    else if (this.isDone) this.finishReceivers();
  }
}
