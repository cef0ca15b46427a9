import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { signalOf } from '../core/validate.js';
import { SendError } from '../sync/errors.js';
import { CreditGate } from './credit-gate.js';
import { encode, decode } from './codec.js';
import { RESEND_INTERVAL, channelSubjects, type SenderInboxMsg, type DataMsg, type WantMsg } from './channel-wire.js';
import type { Membership } from './membership.js';

const sendSite = { op: 'cluster.Sender.send' } as const;

interface Peer {
  rid: string;
  node: string;
  credits: number;
  seq: number;
  /** Sent and not acked yet, oldest first. */
  unacked: { seq: number; value: unknown }[];
  lastSend: number;
}

/**
 * The sending end of a cluster channel: the same calls as `weft/sync`'s
 * mpsc `Sender` (`send`, `trySend`, `close`), across processes. A value
 * leaves only with a credit a receiver granted (credit-based backpressure);
 * values are sequenced and re-sent until acked, so they arrive exactly once
 * and in order while both ends live (see docs/cluster.md).
 *
 * @example
 * ```ts
 * import { Cluster } from 'weft/cluster';
 * const url = process.env['WEFT_EXAMPLE_NATS'];
 * if (url !== undefined) {
 *   await using c = await Cluster.join({ servers: url });
 *   const [tx, rx] = c.channel<string>('doc-jobs', { capacity: 8 });
 *   const next = rx.recv(); // a receiver joins on its first receive, then grants credits
 *   await tx.send('job-1'); // waits until some receiver granted a credit
 *   console.assert((await next) === 'job-1');
 * }
 * ```
 */
export class Sender<T> implements Disposable {
  readonly #nc: NatsConnection;
  readonly #membership: Membership;
  readonly #node: string;
  readonly #sid = randomUUID();
  readonly #subjects: ReturnType<typeof channelSubjects>;
  readonly #peers = new Map<string, Peer>();
  /** Values of a receiver that went away, to re-send first when credits come. */
  #retry: unknown[] = [];
  readonly #gate: CreditGate<unknown>;
  readonly #capacity: number;
  #sub: Subscription | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #lastWant = 0;
  #wantOutstanding = false;
  readonly #offMembers: () => void;
  readonly #closedWaiters: Array<() => void> = [];

  /** @internal Made by `Cluster.channel`. */
  constructor(
    nc: NatsConnection,
    membership: Membership,
    node: string,
    prefix: string,
    name: string,
    capacity: number,
  ) {
    this.#nc = nc;
    this.#membership = membership;
    this.#node = node;
    this.#capacity = capacity;
    this.#subjects = channelSubjects(prefix, name);
    this.#gate = new CreditGate<unknown>(0, (v) => this.#transmit(v));
    this.#sub = nc.subscribe(this.#subjects.sender(this.#sid), {
      callback: (_e, m) => this.#inbox(decode(m.data) as SenderInboxMsg),
    });
    this.#offMembers = membership.listen((e) => {
      if (e.type === 'down') for (const p of [...this.#peers.values()]) if (p.node === e.node) this.#lose(p);
    });
  }

  /** The channel's per-receiver buffer size. */
  get maxCapacity(): number {
    return this.#capacity;
  }

  /** Credits held now: how many values could leave without waiting. */
  get capacity(): number {
    return this.#gate.credits;
  }

  /** True once `close()` was called (or the cluster handle left). */
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Sends `value`, waiting for a credit from a receiver while none is held
   * (backpressure; waiting sends are served in order).
   *
   * @returns resolves once the value has left with a credit (it will be
   *   re-sent until a receiver acks it)
   * @throws CodecError (synchronously, as a rejection) when `value` cannot cross; TypeError for `undefined`
   * @rejects SendError (with `.value`) once this handle is closed
   *
   * **Cancellation**: if `options.signal` or the calling task aborts while
   * waiting for a credit, the value was not sent and took no credit.
   *
   * @example
   * ```ts
   * import { Cluster } from 'weft/cluster';
   * const url = process.env['WEFT_EXAMPLE_NATS'];
   * if (url !== undefined) {
   *   await using c = await Cluster.join({ servers: url });
   *   const [tx, rx] = c.channel<number>('doc-send', { capacity: 1 });
   *   const first = rx.recv(); // opens the receiver, which grants its one credit
   *   await tx.send(1);
   *   console.assert((await first) === 1);
   * }
   * ```
   */
  send(value: T, options?: { signal?: AbortSignal }): Promise<void> {
    const signal = signalOf(options, 'cluster.Sender.send');
    if (value === undefined)
      return Promise.reject(new TypeError('cluster.Sender.send: undefined is not a valid message'));
    if (this.#closed) return Promise.reject(new SendError(value));
    try {
      encode(value);
    } catch (e) {
      return Promise.reject(e);
    }
    const p = this.#gate.take(value, signal, sendSite);
    if (!this.#gate.waiters.isEmpty) this.#want();
    return p;
  }

  /**
   * Sends `value` if a credit is held now, without waiting.
   * @returns false when no credit is held (the value was not sent)
   * @throws SendError when this handle is closed; CodecError when `value` cannot cross; TypeError for `undefined`
   * @example
   * ```ts
   * import { Cluster } from 'weft/cluster';
   * const url = process.env['WEFT_EXAMPLE_NATS'];
   * if (url !== undefined) {
   *   await using c = await Cluster.join({ servers: url });
   *   const [tx] = c.channel<number>('doc-try', { capacity: 1 });
   *   console.assert(tx.trySend(1) === false); // no receiver has granted credits yet
   * }
   * ```
   */
  trySend(value: T): boolean {
    if (value === undefined) throw new TypeError('cluster.Sender.trySend: undefined is not a valid message');
    if (this.#closed) throw new SendError(value);
    encode(value);
    if (this.#retry.length > 0 || !this.#gate.tryTake()) {
      this.#want();
      return false;
    }
    this.#transmit(value);
    return true;
  }

  #transmit(value: unknown): void {
    for (const p of this.#peers.values()) {
      if (p.credits > 0) {
        p.credits--;
        const seq = ++p.seq;
        p.unacked.push({ seq, value });
        this.#publish(p, seq, value);
        this.#ensureTimer();
        return;
      }
    }
    // Unreachable while the gate's count equals the peers' credits; keep the value anyway.
    this.#retry.push(value);
  }

  #publish(p: Peer, seq: number, value: unknown): void {
    p.lastSend = Date.now();
    const msg: DataMsg = { t: 'D', sid: this.#sid, node: this.#node, seq, v: value };
    try {
      this.#nc.publish(this.#subjects.receiver(p.rid), encode(msg));
    } catch {
      // Connection closed or draining: the resend timer tries again while the handle lives.
    }
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
    const n = Math.max(waiting, this.#capacity);
    const msg: WantMsg = { t: 'W', sid: this.#sid, node: this.#node, n };
    try {
      this.#nc.publish(this.#subjects.want, encode(msg));
    } catch {
      // Retried by the timer.
    }
    this.#ensureTimer();
  }

  #inbox(msg: SenderInboxMsg): void {
    if (msg.t === 'G') {
      if (!this.#membership.isUp(msg.node)) return;
      this.#wantOutstanding = false;
      let p = this.#peers.get(msg.rid);
      if (p === undefined) {
        p = { rid: msg.rid, node: msg.node, credits: 0, seq: 0, unacked: [], lastSend: 0 };
        this.#peers.set(msg.rid, p);
      }
      p.credits += msg.n;
      let n = msg.n;
      // Values re-routed from a lost receiver go first.
      while (n > 0 && this.#retry.length > 0) {
        n--;
        this.#transmit(this.#retry.shift());
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
   * Closes this handle: waiting sends reject with SendError; values already
   * sent keep being re-sent until acked (or the cluster handle leaves).
   * Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#gate.fail(new SendError(undefined, 'the cluster channel sender is closed'), (v) => new SendError(v));
    for (const w of this.#closedWaiters.splice(0)) w();
    if (this.#timer === undefined) this.#teardown();
  }

  #teardown(): void {
    this.#offMembers();
    this.#sub?.unsubscribe();
    this.#sub = undefined;
  }

  /** @internal The cluster handle is leaving: stop at once, in-flight values are abandoned. */
  shutdown(): void {
    this.close();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#teardown();
  }

  /**
   * Resolves once this handle is closed (by `close()` or the cluster handle leaving).
   *
   * **Cancellation**: nothing outlives the promise.
   */
  closed(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#closedWaiters.push(resolve));
  }

  /** Same as close(). */
  [Symbol.dispose](): void {
    this.close();
  }
}
