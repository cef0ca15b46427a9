/**
 * oneshot channel ends on another thread than their channel.
 *
 * As with mpsc (`remote-mpsc.ts`), the channel stays on the thread that
 * created it and a moved end talks to a home-side agent over a `MessagePort`
 * pair. One shared word decides the race between a remote `send` and a local
 * receiver's `close`, the one outcome both sides must agree on at once:
 * OPEN → SENT (by the sender: its value is on the way and will be kept) or
 * OPEN → RX_CLOSED (by the receiver: `send` returns false), whichever
 * compare-and-swap comes first; OPEN → DROPPED when the sender closes unsent.
 *
 * Ops, remote sender → home: V value, D (closed unsent); home → remote sender:
 * Z (receiver closed). Home → remote receiver: V value, D message (no value
 * will come: the reason); remote receiver → home: X (receiver closed).
 */
import type { MessagePort } from 'node:worker_threads';
import { Parked, WaitQueue, type WaitNode } from '../../core/wait-queue.js';
import { RESOLVED } from '../../core/promise.js';
import { kSelect } from '../../core/selectable.js';
import { signalOf } from '../../core/validate.js';
import { fastPath, readyAnswer } from '../../core/fast-path.js';
import { Inner, OneshotReceiver, OneshotSender, type OneshotTryRecvResult } from '../../sync/oneshot.js';
import { RecvError } from '../../sync/errors.js';
import type { OneshotReceiverBackend, OneshotSenderBackend } from '../../sync/remote-end.js';
import { checkCloneable } from '../../core/clone-check.js';
import { Link, newPorts } from './remote-link.js';
import { RelayNode } from './relay-node.js';

const V = 1;
const D = 2;
const Z = 3;
const X = 4;
/** Operands of each op code. */
const ARITY = [0, 1, 1, 0, 0];

const closedSite = { op: 'oneshot.closed' };
const recvSite = { op: 'oneshot.recv' };

const OPEN = 0;
const SENT = 1;
const RX_CLOSED = 2;
const DROPPED = 3;

/** How a oneshot end travels. */
export interface OneshotWire {
  weft: 'oneshot.Sender' | 'oneshot.Receiver';
  port: MessagePort;
  state: Int32Array;
}

// ---- a sender on another thread ----------------------------------------------------------

/** Moves a oneshot sender to another thread; the receiver stays here. */
export function wireOneshotSender<T>(inner: Inner<T>): OneshotWire {
  const { port1, port2 } = newPorts();
  const state = new Int32Array(new SharedArrayBuffer(4));
  if (inner.rxClosed) state[0] = RX_CLOSED;
  let arrived = false;
  /** No value will come: receives fail, unless the receiver closed first (it knows). */
  const unsent = (): void => {
    if (!arrived && !inner.rxClosed) inner.drop();
    arrived = true;
  };
  const link = new Link(
    port1,
    {
      onOp: (op) => {
        if (op[0] === V) {
          arrived = true;
          inner.deliver(op[1] as T);
        } else unsent();
        link.close();
      },
      // The sender's thread exited without sending: as if it had closed.
      onClose: unsent,
    },
    true,
    ARITY,
  );
  inner.onRxClose = () => {
    Atomics.compareExchange(state, 0, OPEN, RX_CLOSED);
    link.post([Z]);
  };
  return { weft: 'oneshot.Sender', port: port2, state };
}

/** The backend of a `OneshotSender` on another thread than its channel. Same contract. */
export class RemoteOneshotSender<T> implements OneshotSenderBackend<T> {
  readonly #link: Link;
  readonly #state: Int32Array;
  #used = false;
  readonly #closedWaiters = new WaitQueue<Parked<void>>();

  constructor(wire: OneshotWire) {
    this.#state = wire.state;
    this.#link = new Link(wire.port, { onOp: () => this.#wake(), onClose: () => this.#wake() }, false, ARITY);
  }

  #wake(): void {
    this.#closedWaiters.drain((w) => w.complete(undefined));
  }

  send(value: T): boolean {
    if (this.#used) return false;
    checkCloneable(value, 'OneshotSender.send');
    if (Atomics.compareExchange(this.#state, 0, OPEN, SENT) !== OPEN) {
      // The receiver closed first: done, unsent.
      this.#used = true;
      this.#link.post([D]);
      this.#wake();
      return false;
    }
    this.#link.post([V, value]);
    this.#used = true;
    this.#wake();
    return true;
  }

  close(): void {
    if (this.#used) return;
    this.#used = true;
    Atomics.compareExchange(this.#state, 0, OPEN, DROPPED);
    this.#link.post([D]);
    this.#wake();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  closed(options?: { signal?: AbortSignal }): Promise<void> {
    const signal = options === undefined ? undefined : signalOf(options, 'OneshotSender.closed');
    if (this.isClosed || !this.#link.isOpen) return readyAnswer(signal, RESOLVED);
    const w = new Parked<void>();
    const promise = w.park(signal, closedSite);
    if (!w.settled) this.#closedWaiters.push(w);
    return promise;
  }

  get isClosed(): boolean {
    return this.#used || Atomics.load(this.#state, 0) === RX_CLOSED;
  }
}

// ---- a receiver on another thread --------------------------------------------------------

/** Waits here for the value on behalf of the receiver that moved, and forwards what happens. */
class RelayWait<T> extends RelayNode<T> {
  constructor(readonly link: Link) {
    super();
  }

  protected onComplete(value: T): void {
    this.link.post([V, value]);
  }

  protected onFail(reason: unknown): void {
    this.link.post([D, (reason as Error).message]);
  }
}

/** Moves a oneshot receiver to another thread; the sender stays here. */
export function wireOneshotReceiver<T>(inner: Inner<T>): OneshotWire {
  const { port1, port2 } = newPorts();
  // Acts for the receiver here: closing it is what the moved receiver's close() asks for.
  const local = new OneshotReceiver(inner);
  const link = new Link(port1, { onOp: () => local.close(), onClose: () => local.close() }, true, ARITY);
  inner.crossing = true;
  const w = new RelayWait<T>(link);
  local[kSelect](w); // the value (or why none will come) now, or when it is sent
  return { weft: 'oneshot.Receiver', port: port2, state: new Int32Array(0) };
}

const EMPTY = Object.freeze({ state: 'empty' as const });
const CLOSED = Object.freeze({ state: 'closed' as const });

/** The backend of a `OneshotReceiver` on another thread than its channel. Same contract. */
export class RemoteOneshotReceiver<T> implements OneshotReceiverBackend<T> {
  readonly #link: Link;
  #full = false;
  #value: T | undefined = undefined;
  /** Why a receive fails now (taken, dropped, closed), or undefined. */
  #failure: string | undefined = undefined;
  #closed = false;
  readonly #waiters = new WaitQueue<WaitNode<any>>();

  constructor(wire: OneshotWire) {
    this.#link = new Link(
      wire.port,
      {
        onOp: (op) => {
          if (op[0] === V) {
            this.#full = true;
            this.#value = op[1] as T;
          } else this.#failure ??= op[1] as string;
          this.#link.close();
          this.#serve();
        },
        onClose: () => {
          if (!this.#full) this.#failure ??= 'the sender closed without sending';
          this.#serve();
        },
      },
      false,
      ARITY,
    );
  }

  #take(): T {
    const value = this.#value as T;
    this.#full = false;
    this.#value = undefined;
    this.#failure = 'the value was already received';
    return value;
  }

  #serve(): void {
    if (this.#full) this.#waiters.shift()?.complete(this.#take());
    const failure = this.#failure;
    if (failure !== undefined && !this.#full) this.#waiters.drain((p) => p.fail(new RecvError(failure)));
  }

  recv(options?: { signal?: AbortSignal }): Promise<T> {
    const signal = options === undefined ? undefined : signalOf(options, 'OneshotReceiver.recv');
    if (this.#full) {
      const later = fastPath(signal, this, this.recv, options);
      if (later !== undefined) return later;
      return Promise.resolve(this.#take());
    }
    if (this.#failure !== undefined) return Promise.reject(new RecvError(this.#failure));
    const w = new Parked<T>();
    const promise = w.park(signal, recvSite);
    if (!w.settled) this.#waiters.push(w);
    return promise;
  }

  tryRecv(): OneshotTryRecvResult<T> {
    if (this.#full) return { state: 'ok', value: this.#take() };
    return this.#failure === undefined ? EMPTY : CLOSED;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#full) this.#failure ??= 'the receiver is closed';
    this.#link.post([X]);
    this.#serve();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  select(arm: WaitNode<T>): void {
    if (this.#full) arm.complete(this.#take());
    else if (this.#failure !== undefined) arm.fail(new RecvError(this.#failure));
    else this.#waiters.push(arm);
  }
}

/** Builds the oneshot end that arrived from another thread. */
export function reviveOneshot(wire: OneshotWire): OneshotSender<any> | OneshotReceiver<any> {
  return wire.weft === 'oneshot.Sender'
    ? new OneshotSender(new RemoteOneshotSender(wire))
    : new OneshotReceiver(new RemoteOneshotReceiver(wire));
}
