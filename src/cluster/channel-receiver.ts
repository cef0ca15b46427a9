/**
 * The receiving end of a cluster channel, as the backend of a `weft/sync`
 * mpsc `Receiver` front: `recv`, `recvMany`, `tryRecv`, `close`,
 * `for await`, and `select` branches. It joins the channel's receivers on
 * its first receive (so a node that only sends never takes values), buffers
 * at most `capacity` values, and grants senders credits only for free room.
 *
 * With several receivers open on one channel name (on different nodes),
 * each value goes to exactly one of them, like a NATS queue group: a worker
 * pool. Order is FIFO per sender per receiver. `recv()` resolves `undefined`
 * only after this receiver is closed (and its buffer drained) or its
 * cluster handle left: senders elsewhere can always appear, so the channel
 * never ends by itself.
 * @internal
 */
import { randomUUID } from 'node:crypto';
import type { Subscription } from '@nats-io/transport-node';
import type { WaitNode } from '../core/wait-queue.js';
import { kSelect } from '../core/selectable.js';
import { channel as localChannel, type Sender as LocalSender } from '../sync/mpsc/bounded.js';
import type { Receiver as LocalReceiver, TryRecvResult } from '../sync/mpsc/receiver.js';
import type { ReceiverBackend } from '../sync/remote-end.js';
import { decodeWith } from './codec.js';
import { ChannelEnd } from './channel-end.js';
import type { ChannelContext, DataMsg, ReceiverInboxMsg, SenderInboxMsg, WantMsg } from './channel-wire.js';

interface Remote {
  node: string;
  /** Credits granted to this sender, in all (the `g` of our grants). */
  total: number;
  /** Credits asked for and not granted yet. */
  wanted: number;
  /** The next sequence number expected from this sender. */
  expect: number;
  ackDue: boolean;
}

/** Credits granted to `s` and not used yet (values not arrived). */
function outstanding(s: Remote): number {
  return s.total - (s.expect - 1);
}

export class ChannelReceiver<T> extends ChannelEnd implements ReceiverBackend<T> {
  readonly #rid = randomUUID();
  readonly #ltx: LocalSender<T>;
  readonly #lrx: LocalReceiver<T>;
  readonly #senders = new Map<string, Remote>();
  /** The sum of every sender's outstanding credits. */
  #granted = 0;
  #subs: Subscription[] = [];
  #started = false;
  #closed = false;
  #ackScheduled = false;

  constructor(cx: ChannelContext, name: string, capacity: number) {
    super(cx, name, capacity);
    [this.#ltx, this.#lrx] = localChannel<T>(capacity);
  }

  #start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    const hooks = this.cx.hooks;
    this.#subs.push(
      this.cx.nc.subscribe(this.subjects.want, {
        queue: this.subjects.group,
        callback: (_e, m) => this.#onWant(decodeWith(m.data, hooks) as WantMsg),
      }),
      this.cx.nc.subscribe(this.subjects.receiver(this.#rid), {
        callback: (_e, m) => {
          const msg = decodeWith(m.data, hooks) as ReceiverInboxMsg;
          if (msg.t === 'D') this.#onData(msg);
          else this.#forget(msg.sid);
        },
      }),
    );
    this.onNodeDown((node) => {
      for (const [sid, s] of this.#senders) if (s.node === node) this.#forget(sid);
    });
  }

  /** A sender closed or its node died: the credits it did not use are free room again. */
  #forget(sid: string): void {
    const s = this.#senders.get(sid);
    if (s === undefined) return;
    this.#granted -= outstanding(s);
    this.#senders.delete(sid);
    this.#grantLoop();
  }

  #remote(sid: string, node: string): Remote {
    let s = this.#senders.get(sid);
    if (s === undefined) {
      s = { node, total: 0, wanted: 0, expect: 1, ackDue: false };
      this.#senders.set(sid, s);
    }
    return s;
  }

  #free(): number {
    return this.maxCapacity - this.#lrx.length - this.#granted;
  }

  #onWant(w: WantMsg): void {
    if (this.#closed) return;
    const s = this.#remote(w.sid, w.node);
    s.wanted = Math.max(0, w.n - outstanding(s));
    const before = s.total;
    this.#grantLoop();
    // No room to grant more: restate the total, which makes good a grant the sender never got.
    if (s.total === before && before > 0) this.#grant(w.sid, s);
  }

  #grantLoop(): void {
    if (this.#closed) return;
    let free = this.#free();
    for (const [sid, s] of this.#senders) {
      if (free <= 0) break;
      if (s.wanted <= 0) continue;
      const n = Math.min(free, s.wanted);
      s.wanted -= n;
      s.total += n;
      this.#granted += n;
      free -= n;
      this.#grant(sid, s);
    }
  }

  #grant(sid: string, s: Remote): void {
    this.#toSender(sid, { t: 'G', rid: this.#rid, node: this.cx.node, g: s.total });
  }

  #toSender(sid: string, msg: SenderInboxMsg): void {
    this.publish(this.subjects.sender(sid), msg);
  }

  #onData(d: DataMsg): void {
    if (this.#closed) return;
    const s = this.#remote(d.sid, d.node);
    if (d.seq < s.expect) {
      // A re-send of a value we already have: ack again, deliver nothing.
      this.#scheduleAck(s);
      return;
    }
    if (d.seq > s.expect) return; // a gap: an earlier value was lost; the sender re-sends in order
    if (!this.#ltx.trySend(d.v as T)) return; // no room (should not happen with credits): not acked, re-sent
    if (outstanding(s) > 0) this.#granted--;
    else s.total++; // a value beyond our grants (cannot happen with credits): keep the count exact
    s.expect++;
    this.#scheduleAck(s);
    // Handed straight to a waiting receive or select branch: that room is free again.
    if (this.#lrx.length === 0) this.#grantLoop();
  }

  #scheduleAck(s: Remote): void {
    s.ackDue = true;
    if (this.#ackScheduled) return;
    this.#ackScheduled = true;
    queueMicrotask(() => {
      this.#ackScheduled = false;
      for (const [sid, r] of this.#senders) {
        if (!r.ackDue) continue;
        r.ackDue = false;
        this.#toSender(sid, { t: 'A', rid: this.#rid, seq: r.expect - 1 });
      }
    });
  }

  #took = (value: T | undefined): T | undefined => {
    if (value !== undefined) this.#grantLoop();
    return value;
  };

  recv(options: { signal?: AbortSignal } | undefined): Promise<T | undefined> {
    this.#start();
    return this.#lrx.recv(options).then(this.#took);
  }

  recvMany(into: T[], limit: number, options: { signal?: AbortSignal } | undefined): Promise<number> {
    this.#start();
    return this.#lrx.recvMany(into, limit, options).then((n) => {
      if (n > 0) this.#grantLoop();
      return n;
    });
  }

  tryRecv(): TryRecvResult<T> {
    this.#start();
    const r = this.#lrx.tryRecv();
    if (r.state === 'ok') this.#grantLoop();
    return r;
  }

  /** A `select` branch: the local buffer's, which is cancel-safe (a losing branch took nothing). */
  select(arm: WaitNode<T | undefined>): void {
    this.#start();
    this.#lrx[kSelect](arm);
    if (arm.settled) this.#grantLoop();
  }

  get length(): number {
    return this.#lrx.length;
  }

  get isEmpty(): boolean {
    return this.#lrx.length === 0;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Leaves the channel's receivers: senders are told (their unacked values
   * go to another receiver), values already buffered can still be received,
   * then `recv()` gives `undefined`. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#subs) s.unsubscribe();
    this.#subs = [];
    this.detach();
    for (const sid of this.#senders.keys()) this.#toSender(sid, { t: 'X', rid: this.#rid });
    this.#senders.clear();
    this.#ltx.close();
  }

  shutdown(): void {
    this.close();
  }
}
