/**
 * The home side of an mpsc channel whose ends crossed to other threads: the
 * agents that act on the channel for them (see `mpsc-wire.ts` for the design
 * and the op codes).
 */
import type { MessagePort } from 'node:worker_threads';
import { checkCloneable } from '../core/clone-check.js';
import { Chan, ClosedWait, ClosedWaits, SendWait, type ChanSink } from '../sync/mpsc/chan.js';
import type { Permit } from '../sync/mpsc/bounded.js';
import { Link, newPorts, type Op } from './remote-link.js';
import { A, ARITY, C, D, E, F, G, K, N, P, Q, R, S, V, X, Y, Z, type MpscWire } from './mpsc-wire.js';

/** A remote send or reserve waiting in the channel's FIFO; settling it answers the remote. */
class HomeWait<T> extends SendWait<T> {
  constructor(
    value: T | undefined,
    reserve: boolean,
    readonly home: SenderHome<T>,
    readonly id: number,
  ) {
    super(value, reserve, home);
  }

  override complete(permit: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.home.granted(this, permit as Permit<T>);
  }

  override fail(): void {
    if (this.settled) return;
    this.settled = true;
    this.home.refused(this);
  }
}

/** Tells a remote sender that the receiver closed. */
class HomeClosedWait extends ClosedWait {
  constructor(readonly home: SenderHome<any>) {
    super(home);
  }

  override complete(): void {
    if (this.settled) return;
    this.settled = true;
    this.home.link.post([Z]);
  }
}

/**
 * The home-side agent of the sender handles one other thread holds: it counts
 * as one sender of the channel until that thread is done with them (or exits).
 */
class SenderHome<T> {
  readonly link: Link;
  readonly #chan: Chan<T>;
  readonly #held: Int32Array;
  readonly #waits = new Map<number, HomeWait<T>>();
  readonly #permits = new Map<number, Permit<T>>();
  #done = false;

  constructor(chan: Chan<T>, port: MessagePort, held: Int32Array) {
    this.#chan = chan;
    this.#held = held;
    this.link = new Link(port, { onOp: (op) => this.#onOp(op), onClose: () => this.#drop() }, true, ARITY);
    const w = new HomeClosedWait(this);
    if (chan.rxClosed) w.complete();
    else (chan.closedWaits ??= new ClosedWaits(chan.rid)).add(w);
  }

  granted(w: HomeWait<T>, permit: Permit<T> | undefined): void {
    this.#waits.delete(w.id);
    if (w.reserve) {
      this.#permits.set(w.id, permit!);
      this.link.post([G, w.id]);
    } else this.link.post([A, w.id]);
  }

  refused(w: HomeWait<T>): void {
    this.#waits.delete(w.id);
    this.link.post([N, w.id]);
  }

  #onOp(op: Op): void {
    const chan = this.#chan;
    switch (op[0]) {
      case V:
        Atomics.sub(this.#held, 0, 1);
        chan.deliver(op[1] as T);
        break;
      case F:
        Atomics.sub(this.#held, 0, 1);
        chan.release(1);
        break;
      case S:
      case R: {
        const id = op[1] as number;
        const reserve = op[0] === R;
        const w = new HomeWait<T>(reserve ? undefined : (op[2] as T), reserve, this, id);
        if (chan.rxClosed) w.fail();
        else if (chan.sendWaiters.head === undefined && chan.tryAcquire()) {
          if (reserve) {
            chan.permits++;
            w.complete(chan.makePermit!(chan));
          } else {
            w.complete(undefined);
            chan.deliver(w.value as T);
          }
        } else {
          this.#waits.set(id, w);
          chan.sendWaiters.push(w);
        }
        break;
      }
      case P:
      case Q: {
        const id = op[1] as number;
        const permit = this.#permits.get(id);
        this.#permits.delete(id);
        if (op[0] === P) permit?.send(op[2] as T);
        else permit?.release();
        break;
      }
      case C: {
        const id = op[1] as number;
        const w = this.#waits.get(id);
        if (w === undefined) break; // answered already: the answer is on its way
        this.#waits.delete(id);
        w.settled = true;
        chan.sendWaiters.remove(w);
        this.link.post([X, id]);
        break;
      }
      case D:
        this.#drop();
        this.link.close();
        break;
    }
  }

  /** The remote handles are done (or their thread is gone): give back what they held. */
  #drop(): void {
    if (this.#done) return;
    this.#done = true;
    const chan = this.#chan;
    for (const w of this.#waits.values()) {
      w.settled = true;
      chan.sendWaiters.remove(w);
    }
    this.#waits.clear();
    for (const permit of this.#permits.values()) permit.release();
    this.#permits.clear();
    // Slots taken by CAS whose value or release never arrived (the thread died in between).
    const held = Atomics.exchange(this.#held, 0, 0);
    if (held > 0) chan.release(held);
    chan.senderClosed(this);
  }
}

/** The home-side agent of a receiver that moved to another thread: forwards values, frees slots as they are taken. */
class ReceiverHome<T> implements ChanSink<T> {
  readonly link: Link;
  readonly #chan: Chan<T>;

  constructor(chan: Chan<T>, port: MessagePort) {
    this.#chan = chan;
    this.link = new Link(
      port,
      {
        onOp: (op) => {
          if (op[0] === K) chan.release(op[1] as number);
          else if (op[0] === Y) chan.closeRx();
        },
        // The receiving thread is gone: senders see a closed channel.
        onClose: () => chan.closeRx(),
      },
      true,
      ARITY,
    );
  }

  check(value: T): void {
    checkCloneable(value, 'Sender.send');
  }

  push(value: T): void {
    this.link.post([V, value]);
  }

  /** Nothing more will come. The far side closes the link once it has taken (and reported) what it holds. */
  end(): void {
    this.link.post([E]);
  }
}

/**
 * Moves one sender handle's place to another thread: returns what travels.
 * `chan` was taken from the handle with `kMove`.
 */
export function wireSender<T>(chan: Chan<T>, kind: 'mpsc.Sender' | 'mpsc.UnboundedSender'): MpscWire {
  const { port1, port2 } = newPorts();
  const shared = chan.share();
  const held = new Int32Array(new SharedArrayBuffer(4));
  new SenderHome(chan, port1, held);
  return { weft: kind, port: port2, shared, held, max: chan.max };
}

/** Moves a receiver to another thread: its buffered values go first, then each value as it is sent. */
export function wireReceiver<T>(chan: Chan<T>): MpscWire {
  const { port1, port2 } = newPorts();
  const shared = chan.share();
  const home = new ReceiverHome(chan, port1);
  const buffered: T[] = [];
  chan.buffer.moveInto(buffered, chan.buffer.length); // they keep their slots until taken over there
  for (const value of buffered) home.push(value); // checked cloneable when the call was made
  chan.sink = home;
  if (chan.isDone) home.end();
  return { weft: 'mpsc.Receiver', port: port2, shared, held: new Int32Array(0), max: chan.max };
}
