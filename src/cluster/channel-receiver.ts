import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { channel as localChannel, type Sender as LocalSender } from '../sync/mpsc/bounded.js';
import type { Receiver as LocalReceiver, TryRecvResult } from '../sync/mpsc/receiver.js';
import { encode, decode } from './codec.js';
import { channelSubjects, type DataMsg, type SenderInboxMsg, type WantMsg } from './channel-wire.js';
import type { Membership } from './membership.js';

interface Remote {
  node: string;
  /** Credits granted and not used yet. */
  granted: number;
  /** Credits asked for and not granted yet. */
  wanted: number;
  /** The next sequence number expected from this sender. */
  expect: number;
  ackDue: boolean;
}

/**
 * The receiving end of a cluster channel: the same calls as `weft/sync`'s
 * mpsc `Receiver` (`recv`, `recvMany`, `tryRecv`, `close`, `for await`).
 * It joins the channel's receivers on its first receive (so a node that
 * only sends never takes values), buffers at most `capacity` values, and
 * grants senders credits only for free room.
 *
 * With several receivers open on one channel name (on different nodes),
 * each value goes to exactly one of them, like a NATS queue group: a worker
 * pool. Order is FIFO per sender per receiver.
 *
 * `recv()` resolves `undefined` only after this receiver is closed (and its
 * buffer drained) or its cluster handle left: senders elsewhere can always
 * appear, so the channel never ends by itself.
 *
 * @example
 * ```ts
 * import { Cluster } from 'weft/cluster';
 * const url = process.env['WEFT_EXAMPLE_NATS'];
 * if (url !== undefined) {
 *   await using c = await Cluster.join({ servers: url });
 *   const [tx, rx] = c.channel<{ job: number }>('doc-rx', { capacity: 4 });
 *   const got = rx.recv();
 *   await tx.send({ job: 1 });
 *   console.assert((await got)?.job === 1);
 * }
 * ```
 */
export class Receiver<T> implements AsyncIterable<T>, Disposable {
  readonly #nc: NatsConnection;
  readonly #membership: Membership;
  readonly #node: string;
  readonly #rid = randomUUID();
  readonly #subjects: ReturnType<typeof channelSubjects>;
  readonly #capacity: number;
  readonly #ltx: LocalSender<T>;
  readonly #lrx: LocalReceiver<T>;
  readonly #senders = new Map<string, Remote>();
  #granted = 0;
  #subs: Subscription[] = [];
  #started = false;
  #closed = false;
  #ackScheduled = false;
  #offMembers: (() => void) | undefined;

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
    [this.#ltx, this.#lrx] = localChannel<T>(capacity);
  }

  #start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#subs.push(
      this.#nc.subscribe(this.#subjects.want, {
        queue: this.#subjects.group,
        callback: (_e, m) => this.#onWant(decode(m.data) as WantMsg),
      }),
      this.#nc.subscribe(this.#subjects.receiver(this.#rid), {
        callback: (_e, m) => this.#onData(decode(m.data) as DataMsg),
      }),
    );
    this.#offMembers = this.#membership.listen((e) => {
      if (e.type !== 'down') return;
      for (const [sid, s] of this.#senders) {
        if (s.node === e.node) {
          this.#granted -= s.granted;
          this.#senders.delete(sid);
        }
      }
      this.#grantLoop();
    });
  }

  #remote(sid: string, node: string): Remote {
    let s = this.#senders.get(sid);
    if (s === undefined) {
      s = { node, granted: 0, wanted: 0, expect: 1, ackDue: false };
      this.#senders.set(sid, s);
    }
    return s;
  }

  #free(): number {
    return this.#capacity - this.#lrx.length - this.#granted;
  }

  #onWant(w: WantMsg): void {
    if (this.#closed) return;
    const s = this.#remote(w.sid, w.node);
    s.wanted = Math.max(0, w.n - s.granted);
    this.#grantLoop();
  }

  #grantLoop(): void {
    if (this.#closed) return;
    let free = this.#free();
    for (const [sid, s] of this.#senders) {
      if (free <= 0) break;
      if (s.wanted <= 0) continue;
      const n = Math.min(free, s.wanted);
      s.wanted -= n;
      s.granted += n;
      this.#granted += n;
      free -= n;
      this.#toSender(sid, { t: 'G', rid: this.#rid, node: this.#node, n });
    }
  }

  #toSender(sid: string, msg: SenderInboxMsg): void {
    try {
      this.#nc.publish(this.#subjects.sender(sid), encode(msg));
    } catch {
      // Connection closing: the sender re-sends or re-asks.
    }
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
    s.expect++;
    if (s.granted > 0) {
      s.granted--;
      this.#granted--;
    }
    this.#scheduleAck(s);
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

  /**
   * Receives the next value, waiting while none is buffered; the first call
   * joins the channel's receivers.
   * @returns the value, or `undefined` once this receiver is closed and drained
   *
   * **Cancellation**: cancel-safe; an aborted receive took no value.
   */
  recv(options?: { signal?: AbortSignal }): Promise<T | undefined> {
    this.#start();
    return this.#lrx.recv(options).then(this.#took);
  }

  /**
   * Receives up to `limit` values into `into`, waiting while none is buffered.
   * @returns how many were appended; 0 once closed and drained
   *
   * **Cancellation**: cancel-safe; if aborted, `into` is unchanged.
   */
  recvMany(into: T[], limit: number, options?: { signal?: AbortSignal }): Promise<number> {
    this.#start();
    return this.#lrx.recvMany(into, limit, options).then((n) => {
      if (n > 0) this.#grantLoop();
      return n;
    });
  }

  /** Takes a buffered value without waiting (and joins the receivers, like `recv`). */
  tryRecv(): TryRecvResult<T> {
    this.#start();
    const r = this.#lrx.tryRecv();
    if (r.state === 'ok') this.#grantLoop();
    return r;
  }

  /** Values buffered here now. */
  get length(): number {
    return this.#lrx.length;
  }

  /** True when nothing is buffered here. */
  get isEmpty(): boolean {
    return this.#lrx.length === 0;
  }

  /** True once `close()` was called or the cluster handle left. */
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
    this.#offMembers?.();
    for (const sid of this.#senders.keys()) this.#toSender(sid, { t: 'X', rid: this.#rid });
    this.#senders.clear();
    this.#ltx.close();
  }

  /** Same as close(). */
  [Symbol.dispose](): void {
    this.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const v = await this.recv();
      if (v === undefined) return;
      yield v;
    }
  }
}
