/**
 * The hosting side of `Cluster.publish(name, ref)`: answers lookups, feeds
 * remote messages into the local actor's mailbox in order per session,
 * returns credits as they get in, and tells every session when the actor
 * stops. See actor-wire.ts for the protocol.
 * @internal
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { ActorRef } from '../actor/actor-ref.js';
import type { ActorBackend } from '../actor/backend.js';
import { MailboxFullError } from '../actor/errors.js';
import { encode, decode, decodeWith, type CodecHooks } from './codec.js';
import {
  CREDIT_BATCH,
  CREDIT_DELAY,
  actorSubject,
  findSubject,
  type FindOp,
  type Found,
  type HostOp,
  type InboxMsg,
} from './actor-wire.js';

interface Session {
  inbox: string;
  node: string;
  /** Messages waiting for mailbox room (only while the mailbox is full), in order, with their sequence numbers. */
  queue: { msg: unknown; seq: number }[] | undefined;
  /** The sequence number of the first message not in the mailbox yet (the `q` of credit and stop notices). */
  placed: number;
  /** Credits earned and not yet returned (sent once per turn). */
  owed: number;
  /** Messages received from this session (for the credit re-sync after a reconnect). */
  received: number;
  /** Credits returned to this session, in all (for the same re-sync). */
  credited: number;
}

export class HostedActor {
  readonly #nc: NatsConnection;
  readonly #backend: ActorBackend<unknown>;
  /** The local actor hosted. */
  readonly ref: ActorRef<unknown>;
  readonly #hooks: CodecHooks;
  readonly #name: string;
  readonly #node: string;
  readonly #sessions = new Map<string, Session>();
  readonly #subs: Subscription[];
  #stopped = false;
  #stopReason: unknown = undefined;
  #flushScheduled = false;
  readonly #onGone: () => void;
  readonly #onActivity: (() => void) | undefined;

  constructor(
    nc: NatsConnection,
    prefix: string,
    node: string,
    name: string,
    ref: ActorRef<unknown>,
    hooks: CodecHooks,
    onGone: () => void,
    onActivity?: () => void,
  ) {
    this.#onActivity = onActivity;
    this.#nc = nc;
    this.ref = ref;
    this.#backend = ActorRef.backendOf(ref);
    this.#hooks = hooks;
    this.#name = name;
    this.#node = node;
    this.#onGone = onGone;
    this.#subs = [
      nc.subscribe(findSubject(prefix, name), {
        queue: `${prefix}.a.find`,
        callback: (_e, m) => {
          const op = decode(m.data) as FindOp;
          if (this.#stopped) return; // let another host (or the timeout) answer
          const s = this.#session(op.s, op.c, op.n);
          m.respond(encode({ node: this.#node, id: this.#backend.id, r: s.received, c: s.credited } satisfies Found));
        },
      }),
      nc.subscribe(actorSubject(prefix, node, name), {
        callback: (_e, m) => {
          const op = decodeWith(m.data, this.#hooks) as HostOp;
          this.#onActivity?.();
          if (op.t === 'B') {
            const s = this.#sessions.get(op.s);
            if (s === undefined) return;
            const first = op.q ?? s.received;
            s.received += op.ms.length;
            if (this.#stopped) {
              // A batch that crossed the stop notice: say again how far this session got in.
              this.#toSession(s, op.s, { t: 'D', s: op.s, r: this.#stopReason, q: s.placed });
              return;
            }
            for (let i = 0; i < op.ms.length; i++) this.#tell(op.s, s, op.ms[i], first + i);
          } else if (op.t === 'S') {
            void this.#backend.stop(op.r).then(() => {
              if (m.reply) m.respond(encode(true));
            });
          } else if (op.t === 'E') this.#backend.exit(op.r);
        },
      }),
    ];
    void this.#backend.stopped().then((reason) => this.#gone(reason));
  }

  get name(): string {
    return this.#name;
  }

  #session(sid: string, inbox: string, node: string): Session {
    let s = this.#sessions.get(sid);
    if (s === undefined) {
      s = { inbox, node, queue: undefined, placed: 0, owed: 0, received: 0, credited: 0 };
      this.#sessions.set(sid, s);
    }
    return s;
  }

  #tell(sid: string, s: Session, msg: unknown, seq: number): void {
    if (s.queue !== undefined) {
      s.queue.push({ msg, seq });
      return;
    }
    try {
      this.#backend.tell(msg);
      s.placed = seq + 1;
      this.#credit(s);
    } catch (e) {
      if (e instanceof MailboxFullError) {
        s.queue = [{ msg, seq }];
        void this.#pump(sid, s);
      }
      // Stopping: not placed; the stop notice's `q` tells the session it did not get in.
    }
  }

  /** Feeds a session's queued messages with `send` (waits for room), in order. */
  async #pump(sid: string, s: Session): Promise<void> {
    const q = s.queue!;
    while (q.length > 0) {
      const { msg, seq } = q[0]!;
      try {
        await this.#backend.send(msg, undefined);
      } catch {
        s.queue = undefined;
        return;
      }
      s.placed = seq + 1;
      q.shift();
      if (this.#sessions.get(sid) !== s) return;
      this.#credit(s);
    }
    s.queue = undefined;
  }

  /**
   * Credits go back in batches: at once (end of turn) when a session is owed
   * a quarter of its window, else within {@link CREDIT_DELAY} ms. A sender
   * keeps at least three quarters of its window meanwhile, and a steady ask
   * costs two NATS messages (request, reply), not three.
   */
  #credit(s: Session): void {
    s.owed++;
    if (this.#flushScheduled) return;
    if (s.owed >= CREDIT_BATCH) {
      this.#flushScheduled = true;
      setImmediate(this.#flushCredits);
    } else if (this.#creditTimer === undefined) {
      this.#creditTimer = setTimeout(this.#flushCredits, CREDIT_DELAY);
    }
  }

  #creditTimer: ReturnType<typeof setTimeout> | undefined = undefined;

  readonly #flushCredits = (): void => {
    this.#flushScheduled = false;
    if (this.#creditTimer !== undefined) clearTimeout(this.#creditTimer);
    this.#creditTimer = undefined;
    for (const [sid, s] of this.#sessions) {
      if (s.owed === 0) continue;
      const n = s.owed;
      s.owed = 0;
      s.credited += n;
      this.#toSession(s, sid, { t: 'C', s: sid, n, q: s.placed });
    }
  };

  #toSession(s: Session, _sid: string, msg: InboxMsg): void {
    try {
      this.#nc.publish(s.inbox, encode(msg));
    } catch {
      // Connection closing.
    }
  }

  /** A node went down: forget its sessions. */
  nodeDown(node: string): void {
    for (const [sid, s] of this.#sessions) if (s.node === node) this.#sessions.delete(sid);
  }

  #gone(reason: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopReason = reason;
    let safe: unknown = reason;
    try {
      encode(reason);
    } catch {
      safe = String(reason);
    }
    for (const [sid, s] of this.#sessions) this.#toSession(s, sid, { t: 'D', s: sid, r: safe, q: s.placed });
    this.#stopReason = safe;
    this.unpublish();
    this.#onGone();
  }

  /** Stops answering for the actor (it keeps running locally). */
  unpublish(): void {
    if (this.#creditTimer !== undefined) clearTimeout(this.#creditTimer);
    this.#creditTimer = undefined;
    for (const sub of this.#subs) sub.unsubscribe();
    this.#subs.length = 0;
  }
}
