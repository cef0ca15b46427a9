/**
 * An mpsc receiver on another thread than its channel (see `mpsc-wire.ts`
 * for the design and the op codes, `mpsc-home.ts` for the other side).
 */
import { Parked, WaitQueue, type WaitNode } from '../../core/wait-queue.js';
import { RingBuffer } from '../../core/ring-buffer.js';
import { integer, signalOf } from '../../core/validate.js';
import { fastPath } from '../../core/fast-path.js';
import { STATE, RX_CLOSED, TX_GONE } from '../../sync/mpsc/chan.js';
import type { TryRecvResult } from '../../sync/mpsc/receiver.js';
import type { ReceiverBackend } from '../../sync/remote-end.js';
import { Link } from './remote-link.js';
import { ARITY, K, V, Y, type MpscWire } from './mpsc-wire.js';

const recvSite = { op: 'mpsc.recv' };
const recvManySite = { op: 'mpsc.recvMany' };

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
 * The backend of a `Receiver` on another thread than its channel. Values arrive in the order
 * they were sent and wait here until taken; each take frees its slot at home.
 * Same contract as `Receiver`.
 */
export class RemoteReceiver<T> implements ReceiverBackend<T> {
  readonly #link: Link;
  readonly #shared: Int32Array;
  readonly #buffer = new RingBuffer<T>();
  readonly #waiters = new WaitQueue<WaitNode<any>>();
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

  recv(options?: { signal?: AbortSignal }): Promise<T | undefined> {
    const signal = options === undefined ? undefined : signalOf(options, 'Receiver.recv');
    if (this.#buffer.length > 0 || this.#done) {
      const later = fastPath(signal, this, this.recv, options);
      if (later !== undefined) return later;
      return Promise.resolve(this.#buffer.length > 0 ? this.#take() : undefined);
    }
    const w = new Parked<T | undefined>();
    const promise = w.park(signal, recvSite);
    if (!w.settled) this.#waiters.push(w);
    return promise;
  }

  recvMany(into: T[], limit: number, options?: { signal?: AbortSignal }): Promise<number> {
    if (!Array.isArray(into)) throw new TypeError('Receiver.recvMany: into must be an array');
    integer(limit, 'Receiver.recvMany', 'limit', 0, Number.MAX_SAFE_INTEGER);
    const signal = options === undefined ? undefined : signalOf(options, 'Receiver.recvMany');
    if (this.#buffer.length > 0 || limit === 0 || this.#done) {
      const later = fastPath(signal, this, this.recvMany, into, limit, options);
      if (later !== undefined) return later;
      const n = this.#buffer.moveInto(into, limit);
      this.#took(n);
      return Promise.resolve(n);
    }
    const w = new RemoteManyWait<T>(into, limit);
    const promise = w.park(signal, recvManySite);
    if (!w.settled) this.#waiters.push(w);
    return promise;
  }

  tryRecv(): TryRecvResult<T> {
    if (this.#buffer.length > 0) return { state: 'ok', value: this.#take() };
    return this.#done ? CLOSED : EMPTY;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#link.post([Y]);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  get isClosed(): boolean {
    return this.#closed || this.#done || (Atomics.load(this.#shared, STATE) & (RX_CLOSED | TX_GONE)) !== 0;
  }

  get isEmpty(): boolean {
    return this.#buffer.length === 0;
  }

  get length(): number {
    return this.#buffer.length;
  }

  select(arm: WaitNode<T | undefined>): void {
    if (this.#buffer.length > 0) arm.complete(this.#take());
    else if (this.#done) arm.complete(undefined);
    else this.#waiters.push(arm);
  }
}
