/**
 * The sending end of a cluster channel, as the backend of a `weft/sync`
 * mpsc `Sender` front: `send`, `trySend`, `reserve`, `tryReserve`, `clone`,
 * `close`, `closed`, across processes. A value leaves only with a credit a
 * receiver granted (credit-based backpressure); values are sequenced and
 * re-sent until acked, so they arrive exactly once and in order while both
 * ends live (channel-wire.ts, docs/cluster.md).
 * @internal
 */
import { randomUUID } from 'node:crypto';
import type { Subscription } from '@nats-io/transport-node';
import { Parked, WaitQueue } from '../core/wait-queue.js';
import { signalOf } from '../core/validate.js';
import { SendError, ClosedError } from '../sync/errors.js';
import { Sender, Permit } from '../sync/mpsc/bounded.js';
import type { PermitBackend, SenderBackend } from '../sync/remote-end.js';
import { CreditGate } from './credit-gate.js';
import { decodeWith, encodeJson, frameJson, type EncodedJson } from './codec.js';
import { ChannelEnd } from './channel-end.js';
import {
  RESEND_INTERVAL,
  type ChannelContext,
  type ReceiverInboxMsg,
  type SenderInboxMsg,
  type WantMsg,
} from './channel-wire.js';

const sendSite = { op: 'cluster.Sender.send' } as const;
const reserveSite = { op: 'cluster.Sender.reserve' } as const;
const closedSite = { op: 'cluster.Sender.closed' } as const;

interface Peer {
  rid: string;
  node: string;
  /** Credits held from this receiver. */
  credits: number;
  /** The receiver's running total of credits granted to us (the last `g` heard). */
  limit: number;
  /** The last sequence number sent to it. */
  seq: number;
  /** Sent and not acked yet, oldest first. */
  unacked: { seq: number; value: EncodedJson }[];
  lastSend: number;
}

/** A value on its way: what crosses, and the value itself for a `SendError` that hands it back. */
interface Outgoing extends EncodedJson {
  value: unknown;
}

class ClosedWait extends Parked<void> {}

/** A credit taken by `reserve`: bound to the receiver it came from. */
class Reservation<T> implements PermitBackend<T> {
  peer: Peer | undefined;
  #used = false;

  constructor(readonly sender: ChannelSender<T>) {}

  send(value: T): void {
    if (this.#used) throw new TypeError('Permit.send: this permit was already sent or released');
    const out = this.sender.encode(value, 'Permit.send');
    this.#used = true;
    this.sender.sendReserved(this.peer, out);
  }

  release(): void {
    if (this.#used) return;
    this.#used = true;
    this.sender.releaseReserved(this.peer);
  }
}

export class ChannelSender<T> extends ChannelEnd implements SenderBackend<T> {
  readonly #sid = randomUUID();
  readonly #peers = new Map<string, Peer>();
  /** Values of a receiver that went away, to re-send first when credits come. */
  #retry: EncodedJson[] = [];
  readonly #gate: CreditGate<Outgoing | Reservation<T>>;
  #sub: Subscription | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #lastWant = 0;
  #wantOutstanding = false;
  readonly #closedWaits = new WaitQueue<ClosedWait>();

  constructor(cx: ChannelContext, name: string, capacity: number) {
    super(cx, name, capacity);
    this.#gate = new CreditGate<Outgoing | Reservation<T>>(0, (p) => {
      if (p instanceof Reservation) p.peer = this.#takePeer();
      else this.#transmit(p);
    });
    this.#sub = cx.nc.subscribe(this.subjects.sender(this.#sid), {
      callback: (_e, m) => this.#inbox(decodeWith(m.data, cx.hooks) as SenderInboxMsg),
    });
    this.onNodeDown((node) => {
      for (const p of [...this.#peers.values()]) if (p.node === node) this.#lose(p);
    });
  }

  /** Credits held now: how many values could leave without waiting. */
  get capacity(): number {
    return this.#gate.credits;
  }

  /** True once `close()` was called (or the cluster handle left). */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** @internal Checks and encodes a value to send (CodecError when it cannot cross). */
  encode(value: T, fn: string): Outgoing {
    if (value === undefined) throw new TypeError(`${fn}: undefined is not a valid message`);
    const enc = encodeJson(value, this.cx.hooks);
    return { json: enc.json, version: enc.version, value };
  }

  send(value: T, options: { signal?: AbortSignal } | undefined): Promise<void> {
    const signal = signalOf(options, 'Sender.send');
    let out: Outgoing;
    try {
      out = this.encode(value, 'Sender.send');
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.#closed) return Promise.reject(new SendError(value));
    const p = this.#gate.take(out, signal, sendSite);
    if (!this.#gate.waiters.isEmpty) this.#want();
    return p;
  }

  trySend(value: T): boolean {
    const out = this.encode(value, 'Sender.trySend');
    if (this.#closed) throw new SendError(value);
    if (!this.#takeCredit()) return false;
    this.#transmit(out);
    return true;
  }

  reserve(options: { signal?: AbortSignal } | undefined): Promise<Permit<T>> {
    const signal = signalOf(options, 'Sender.reserve');
    if (this.#closed) return Promise.reject(new SendError(undefined));
    const r = new Reservation(this);
    const p = this.#gate.take(r, signal, reserveSite);
    if (!this.#gate.waiters.isEmpty) this.#want();
    return p.then(() => new Permit<T>(r));
  }

  tryReserve(): Permit<T> | undefined {
    if (this.#closed) throw new SendError(undefined);
    if (!this.#takeCredit()) return undefined;
    const r = new Reservation(this);
    r.peer = this.#takePeer();
    return new Permit<T>(r);
  }

  /** A credit now, if one is held and nobody waits before us (else a want goes out). */
  #takeCredit(): boolean {
    if (this.#retry.length > 0 || !this.#gate.tryTake()) {
      this.#want();
      return false;
    }
    return true;
  }

  /** A new sender handle on the same channel (its own sequence: FIFO holds per handle). */
  clone(): Sender<T> {
    if (this.#closed) throw new ClosedError('Sender.clone: this sender handle is closed');
    return new Sender<T>(new ChannelSender<T>(this.cx, this.name, this.maxCapacity));
  }

  /** @internal A permit's value leaves with its credit (re-routed when that receiver went away). */
  sendReserved(peer: Peer | undefined, out: Outgoing): void {
    if (this.#sub === undefined) return; // closed and torn down (or the handle left): nothing could ack it
    if (peer !== undefined && this.#peers.get(peer.rid) === peer) this.#sendTo(peer, out);
    else {
      this.#retry.push(out);
      this.#want();
    }
  }

  /** @internal A permit released unused: its credit goes back (unless its receiver went away). */
  releaseReserved(peer: Peer | undefined): void {
    if (peer === undefined || this.#peers.get(peer.rid) !== peer) return;
    peer.credits++;
    this.#gate.grant(1);
  }

  /** Takes one credit from a receiver that granted some. */
  #takePeer(): Peer | undefined {
    for (const p of this.#peers.values()) {
      if (p.credits > 0) {
        p.credits--;
        return p;
      }
    }
    return undefined;
  }

  #transmit(value: EncodedJson): void {
    const p = this.#takePeer();
    // Unreachable while the gate's count equals the peers' credits; keep the value anyway.
    if (p === undefined) this.#retry.push(value);
    else this.#sendTo(p, value);
  }

  #sendTo(p: Peer, value: EncodedJson): void {
    const seq = ++p.seq;
    p.unacked.push({ seq, value: { json: value.json, version: value.version } });
    this.#publish(p, seq, value);
    this.#ensureTimer();
  }

  #publish(p: Peer, seq: number, value: EncodedJson): void {
    p.lastSend = Date.now();
    const body = `{"t":"D","sid":"${this.#sid}","node":"${this.cx.node}","seq":${seq},"v":${value.json}}`;
    this.publishBytes(this.subjects.receiver(p.rid), frameJson(body, value.version));
  }

  /**
   * Asks the receivers for credits: as many as wait here, and at least a
   * full buffer's worth, so a steady sender is granted ahead of its sends
   * (a want per buffer, not per value). An unanswered want is repeated by
   * the timer, at most once per {@link RESEND_INTERVAL}.
   */
  #want(): void {
    const now = Date.now();
    if (this.#wantOutstanding && now - this.#lastWant < RESEND_INTERVAL) return;
    const waiting = this.#gate.waiters.length + this.#retry.length;
    if (waiting === 0) return;
    this.#lastWant = now;
    this.#wantOutstanding = true;
    const n = Math.max(waiting, this.maxCapacity);
    this.publish(this.subjects.want, { t: 'W', sid: this.#sid, node: this.cx.node, n } satisfies WantMsg);
    this.#ensureTimer();
  }

  #inbox(msg: SenderInboxMsg): void {
    if (msg.t === 'G') {
      if (!this.cx.membership.isUp(msg.node)) return;
      let p = this.#peers.get(msg.rid);
      if (p === undefined) {
        p = { rid: msg.rid, node: msg.node, credits: 0, limit: 0, seq: 0, unacked: [], lastSend: 0 };
        this.#peers.set(msg.rid, p);
      }
      // A running total: a repeated or late grant adds nothing, a lost one is made good.
      let n = msg.g - p.limit;
      if (n <= 0) return;
      p.limit = msg.g;
      p.credits += n;
      this.#wantOutstanding = false;
      // Values re-routed from a lost receiver go first.
      while (n > 0 && this.#retry.length > 0) {
        n--;
        this.#transmit(this.#retry.shift()!);
      }
      if (n > 0) this.#gate.grant(n);
    } else if (msg.t === 'A') {
      const p = this.#peers.get(msg.rid);
      if (p === undefined) return;
      let i = 0;
      while (i < p.unacked.length && p.unacked[i]!.seq <= msg.seq) i++;
      if (i > 0) p.unacked.splice(0, i);
      this.#maybeIdle();
    } else if (msg.t === 'X') {
      const p = this.#peers.get(msg.rid);
      if (p !== undefined) this.#lose(p);
    }
  }

  /** A receiver closed or its node died: its credits are void, its unacked values go to another receiver. */
  #lose(p: Peer): void {
    this.#peers.delete(p.rid);
    this.#gate.credits = Math.max(0, this.#gate.credits - p.credits);
    if (p.unacked.length > 0) {
      this.#retry = [...p.unacked.map((u) => u.value), ...this.#retry];
      this.#want();
    }
  }

  #ensureTimer(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#tick(), RESEND_INTERVAL);
  }

  #tick(): void {
    const now = Date.now();
    for (const p of this.#peers.values()) {
      if (p.unacked.length > 0 && now - p.lastSend >= RESEND_INTERVAL) {
        for (const u of p.unacked) this.#publish(p, u.seq, u.value);
      }
    }
    if (!this.#gate.waiters.isEmpty || this.#retry.length > 0) this.#want();
    this.#maybeIdle();
  }

  /** Stops the timer when nothing is in flight or wanted (no handle left open). */
  #maybeIdle(): void {
    if (this.#timer === undefined) return;
    if (this.#gate.waiters.length > 0 || this.#retry.length > 0) return;
    for (const p of this.#peers.values()) if (p.unacked.length > 0) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#closed) this.#teardown();
  }

  /**
   * Closes this handle: waiting sends and reserves reject with SendError;
   * values already sent keep being re-sent until acked (or the cluster
   * handle leaves). Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#gate.fail(new SendError(undefined, 'the cluster channel sender is closed'), (p) =>
      p instanceof Reservation ? new SendError(undefined) : new SendError(p.value),
    );
    this.#closedWaits.drain((w) => w.complete());
    if (this.#timer === undefined) this.#teardown();
  }

  #teardown(): void {
    if (this.#sub === undefined) return;
    // Every value sent was acked (or the handle leaves): the receivers can take back our unused credits.
    for (const p of this.#peers.values()) {
      this.publish(this.subjects.receiver(p.rid), { t: 'Z', sid: this.#sid } satisfies ReceiverInboxMsg);
    }
    this.#peers.clear();
    this.detach();
    this.#sub.unsubscribe();
    this.#sub = undefined;
  }

  /** The cluster handle is leaving: stop at once, in-flight values are abandoned. */
  shutdown(): void {
    this.close();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#teardown();
  }

  /** Resolves once this handle is closed (by `close()` or the cluster handle leaving). */
  closed(options: { signal?: AbortSignal } | undefined): Promise<void> {
    const signal = signalOf(options, 'Sender.closed');
    if (this.#closed) return Promise.resolve();
    const w = new ClosedWait();
    const p = w.park(signal, closedSite);
    if (!w.settled) this.#closedWaits.push(w);
    return p;
  }
}
