/**
 * Membership over NATS: every node publishes a heartbeat every
 * `heartbeatInterval` ms on `<prefix>.m.hb`; a node not heard from for
 * `downAfter` ms is `down`. The check runs every `heartbeatInterval`, so a
 * node that dies silently (SIGKILL, power loss, partition) is down for the
 * others within `downAfter + heartbeatInterval` ms of its last heartbeat
 * (defaults 5,000 + 1,000: 6 s, under the 10 s the contract states), plus the
 * NATS delivery time. `leave()` publishes on `<prefix>.m.leave`: down at once.
 *
 * A joining node asks `<prefix>.m.hello` and every member answers with its
 * heartbeat, so `members()` is filled when `Cluster.join` resolves. Each
 * process joins with a fresh incarnation id: a node restarted under the same
 * name is reported `down` (old incarnation) then `up` (new one).
 *
 * While this node's own NATS connection is down it declares nobody down (it
 * cannot hear anyone); after it reconnects, every member gets a fresh
 * `downAfter` to be heard from.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { encode, decode } from './codec.js';

/** A membership change: a node joined (`up`) or left / stopped answering (`down`). */
export interface MemberEvent {
  readonly type: 'up' | 'down';
  readonly node: string;
}

interface Beat {
  node: string;
  inc: string;
}

interface Member {
  inc: string;
  lastSeen: number;
}

/** @internal */
export interface MembershipOptions {
  prefix: string;
  node: string;
  inc: string;
  heartbeatInterval: number;
  downAfter: number;
  helloWait: number;
}

/** @internal The member table of one cluster handle. */
export class Membership {
  readonly #nc: NatsConnection;
  readonly #o: MembershipOptions;
  readonly #members = new Map<string, Member>();
  readonly #listeners = new Set<(e: MemberEvent) => void>();
  readonly #subs: Subscription[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #connected = true;
  #closed = false;

  constructor(nc: NatsConnection, options: MembershipOptions) {
    this.#nc = nc;
    this.#o = options;
  }

  /** Subscribes, greets the others and waits up to `helloWait` for their answers. */
  async start(): Promise<void> {
    const { prefix } = this.#o;
    this.#subs.push(
      this.#nc.subscribe(`${prefix}.m.hb`, { callback: (_e, m) => this.#heard(decode(m.data) as Beat) }),
      this.#nc.subscribe(`${prefix}.m.leave`, { callback: (_e, m) => this.#left(decode(m.data) as Beat) }),
      this.#nc.subscribe(`${prefix}.m.hello`, {
        callback: (_e, m) => {
          const beat = decode(m.data) as Beat;
          if (beat.node === this.#o.node) return;
          this.#heard(beat);
          if (m.reply) this.#nc.publish(m.reply, this.#beat());
        },
      }),
    );
    const inbox = this.#nc.subscribe(`${prefix}.m.welcome.${this.#o.inc}`, {
      callback: (_e, m) => this.#heard(decode(m.data) as Beat),
    });
    this.#nc.publish(`${prefix}.m.hello`, this.#beat(), { reply: `${prefix}.m.welcome.${this.#o.inc}` });
    await this.#nc.flush();
    await new Promise((resolve) => setTimeout(resolve, this.#o.helloWait));
    inbox.unsubscribe();
    this.#timer = setInterval(() => this.#tick(), this.#o.heartbeatInterval);
    this.#timer.unref?.();
  }

  #beat(): Uint8Array {
    return encode({ node: this.#o.node, inc: this.#o.inc } satisfies Beat);
  }

  #emit(e: MemberEvent): void {
    for (const l of this.#listeners) l(e);
  }

  #heard(beat: Beat): void {
    if (this.#closed || beat.node === this.#o.node) return;
    const known = this.#members.get(beat.node);
    if (known !== undefined && known.inc === beat.inc) {
      known.lastSeen = Date.now();
      return;
    }
    if (known !== undefined) {
      this.#members.delete(beat.node);
      this.#emit({ type: 'down', node: beat.node });
    }
    this.#members.set(beat.node, { inc: beat.inc, lastSeen: Date.now() });
    this.#emit({ type: 'up', node: beat.node });
  }

  #left(beat: Beat): void {
    const known = this.#members.get(beat.node);
    if (known === undefined || known.inc !== beat.inc) return;
    this.#members.delete(beat.node);
    this.#emit({ type: 'down', node: beat.node });
  }

  #tick(): void {
    if (this.#closed) return;
    if (!this.#connected) return;
    this.#nc.publish(`${this.#o.prefix}.m.hb`, this.#beat());
    const now = Date.now();
    for (const [node, m] of this.#members) {
      if (now - m.lastSeen > this.#o.downAfter) {
        this.#members.delete(node);
        this.#emit({ type: 'down', node });
      }
    }
  }

  /** Our connection dropped: stop judging others until it is back. */
  disconnected(): void {
    this.#connected = false;
  }

  /** Our connection is back: everyone gets a fresh `downAfter`, and we say hello again. */
  reconnected(): void {
    this.#connected = true;
    const now = Date.now();
    for (const m of this.#members.values()) m.lastSeen = now;
    if (!this.#closed) this.#nc.publish(`${this.#o.prefix}.m.hb`, this.#beat());
  }

  /** Every node up, this one included, sorted. */
  members(): string[] {
    return [this.#o.node, ...this.#members.keys()].sort();
  }

  /** The incarnation of `node` while it is up (this node's own included). */
  incarnation(node: string): string | undefined {
    return node === this.#o.node ? this.#o.inc : this.#members.get(node)?.inc;
  }

  isUp(node: string): boolean {
    return node === this.#o.node || this.#members.has(node);
  }

  /** Calls `fn` on every change until the returned function is called. */
  listen(fn: (e: MemberEvent) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Announces the leave (when still connected) and stops. Idempotent. */
  async leave(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    for (const s of this.#subs) s.unsubscribe();
    if (!this.#nc.isClosed()) {
      this.#nc.publish(`${this.#o.prefix}.m.leave`, this.#beat());
      await this.#nc.flush().catch(() => undefined);
    }
    const gone = [...this.#members.keys()];
    this.#members.clear();
    for (const node of gone) this.#emit({ type: 'down', node });
    this.#listeners.clear();
  }
}
