/**
 * The asking side of `Cluster.ref(name)`: an `ActorBackend` whose actor
 * runs on another node (or on this one, through NATS all the same). The
 * `ActorRef` front builds `ask` on `tell` and a oneshot; this backend sends
 * the message with a credit (actor-wire.ts), learns the host node on first
 * use, and turns the host's stop notice or the host node's death into the
 * actor's stop. See docs/cluster.md for the semantics.
 * @internal
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { ActorRef } from '../actor/actor-ref.js';
import type { ActorBackend } from '../actor/backend.js';
import { ActorStoppedError, MailboxFullError } from '../actor/errors.js';
import type { Reply } from '../actor/behavior.js';
import { RingBuffer } from '../core/ring-buffer.js';
import { CreditGate, type CreditWait } from './credit-gate.js';
import { encode, decode, encodeJson, frameJson, type CodecHooks, type EncodedJson } from './codec.js';
import { NodeDownError } from './errors.js';
import type { Membership } from './membership.js';
import type { ReplyTable } from './replies.js';
import {
  AUTO_PREFIX,
  INITIAL_CREDIT,
  actorSubject,
  findSubject,
  type FindOp,
  type Found,
  type HostOp,
} from './actor-wire.js';

const sendSite = { op: 'cluster.ActorRef.send' } as const;
const FIND_RETRY = 200;
/**
 * Lookups answered "no responders" after which a ref to an actor published
 * only because its ref crossed in a message (`_r.` names) counts it as
 * stopped: nobody else can ever publish that name.
 */
const NOPROC_AFTER = 5;

/** @internal What a remote backend needs from its cluster handle. */
export interface RemoteContext {
  nc: NatsConnection;
  membership: Membership;
  prefix: string;
  node: string;
  inbox: string;
  replies: ReplyTable;
  /** The codec hooks of the handle (reply handles and actor refs cross). */
  hooks: CodecHooks;
  /** The refs that have looked their host up (they get credits, stop notices, re-syncs). */
  sessions: Map<string, RemoteActor<any>>;
  /** Set when the handle left: every ref is dead. */
  closed: Error | undefined;
}

/** A message on its way: its JSON, and what a ref that hands messages on needs to know of it. */
export interface Outgoing extends EncodedJson {
  /** Its sequence number in the session, once flushed. */
  seq?: number;
  /** The reply numbers of the asks it carries (kept only by refs that hand messages on). */
  replies?: number[];
}

/**
 * What a ref whose actor stopped had not delivered (`RemoteActor`'s
 * `onHandOver`): the messages that did not get into the mailbox, in order,
 * and the sends still waiting for a credit.
 */
export interface Leftover {
  messages: Outgoing[];
  waiting: CreditGate<Outgoing>;
}

/** The node and incarnation in an `_r.<node>.<incarnation>.<n>` name, if it is one. */
function autoOrigin(name: string): { node: string; inc: string } | undefined {
  const parts = name.split('.');
  if (parts.length !== 4 || parts[0] !== AUTO_PREFIX) return undefined;
  return { node: parts[1]!, inc: parts[2]! };
}

export class RemoteActor<M> implements ActorBackend<M> {
  readonly id: string;
  readonly name: string;
  readonly #cx: RemoteContext;
  readonly #sid = randomUUID().slice(0, 18);
  readonly #gate: CreditGate<Outgoing>;
  #host: string | undefined;
  /** For an `_r.` name: the node (and incarnation) that published it, known before any lookup. */
  readonly #origin: { node: string; inc: string } | undefined;
  #noResponders = 0;
  /** Encoded messages not sent yet: before the host is known, or until the end of this turn. */
  #batch: Outgoing[] = [];
  /** With `onHandOver`: the messages sent and not yet known to be in the mailbox, oldest first. */
  readonly #unacked: RingBuffer<Outgoing> | undefined;
  #flushScheduled = false;
  #finding = false;
  #dead = false;
  #reason: unknown = undefined;
  #downError: NodeDownError | undefined;
  #sent = 0;
  /** Credits the host has returned, in all (for the re-sync after a reconnect). */
  #credited = 0;
  readonly #monitors = new Map<object, (reason: unknown) => void>();
  #stopped: Promise<unknown> | undefined;
  #resolveStopped: ((r: unknown) => void) | undefined;
  #offMembers: (() => void) | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #resyncTimer: ReturnType<typeof setTimeout> | undefined;

  readonly #onNotFound: (() => Promise<boolean>) | undefined;
  readonly #onHandOver: ((left: Leftover) => void) | undefined;

  /**
   * `onNotFound` runs each time a lookup finds no host (virtual actors
   * activate then); when it resolves true the lookup is repeated at once.
   * `onHandOver` (entity refs) gets, when the actor stops or its node dies,
   * what never reached the mailbox, to send to the next activation: with it
   * the ref keeps every message until the host says it got in.
   */
  constructor(
    cx: RemoteContext,
    name: string,
    onNotFound?: () => Promise<boolean>,
    onHandOver?: (left: Leftover) => void,
  ) {
    this.#cx = cx;
    this.#onNotFound = onNotFound;
    this.#onHandOver = onHandOver;
    this.#unacked = onHandOver === undefined ? undefined : new RingBuffer<Outgoing>(4);
    this.name = name;
    this.id = `cluster:${name}`;
    this.#gate = new CreditGate<Outgoing>(INITIAL_CREDIT, (out) => this.#transmit(out));
    this.#origin = autoOrigin(name);
  }

  get isAlive(): boolean {
    return this.#live();
  }

  /** False once dead; a ref made before its cluster handle left dies on its first call after. */
  #live(): boolean {
    if (!this.#dead && this.#cx.closed !== undefined) this.#die(this.#cx.closed, false);
    return !this.#dead;
  }

  /** The error a call on a dead ref gets. */
  #deadError(msg: M | undefined): Error {
    return this.#downError ?? new ActorStoppedError(this.id, msg);
  }

  /** @internal The node-down error, when the host node died (asks map to it). */
  get downError(): NodeDownError | undefined {
    return this.#downError;
  }

  #encode(msg: M): Outgoing {
    const replies = this.#cx.replies;
    replies.owner = this;
    replies.collecting = this.#onHandOver !== undefined;
    try {
      const out: Outgoing = encodeJson(msg, this.#cx.hooks);
      if (replies.collected !== undefined) out.replies = replies.collected;
      return out;
    } finally {
      replies.owner = undefined;
      replies.collecting = false;
      replies.collected = undefined;
    }
  }

  tell(msg: M): void {
    if (!this.#live()) throw this.#deadError(msg);
    if (msg === undefined) throw new TypeError('ActorRef.tell: undefined is not a valid message');
    if (!this.#gate.tryTake()) throw new MailboxFullError(this.id, msg);
    let out: Outgoing;
    try {
      out = this.#encode(msg);
    } catch (e) {
      this.#gate.grant(1);
      throw e;
    }
    this.#transmit(out);
  }

  send(msg: M, signal: AbortSignal | undefined): Promise<void> {
    if (!this.#live()) return Promise.reject(this.#deadError(msg));
    if (msg === undefined) return Promise.reject(new TypeError('ActorRef.send: undefined is not a valid message'));
    let out: Outgoing;
    try {
      out = this.#encode(msg);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#gate.take(out, signal, sendSite);
  }

  #transmit(out: Outgoing): void {
    this.#batch.push(out);
    if (this.#host === undefined) {
      this.#find();
      return;
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(this.#flush);
    }
  }

  /** Sends the messages of this turn as one batch (order kept). */
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#host === undefined || this.#batch.length === 0 || this.#dead) return;
    const parts = this.#batch;
    this.#batch = [];
    const first = this.#sent;
    this.#sent += parts.length;
    let version = 1;
    let ms = '';
    for (const p of parts) {
      ms += ms === '' ? p.json : `,${p.json}`;
      if (p.version > version) version = p.version;
    }
    const kept = this.#unacked;
    if (kept !== undefined) {
      for (let i = 0; i < parts.length; i++) {
        parts[i]!.seq = first + i;
        kept.push(parts[i]!);
      }
    }
    const body = `{"t":"B","s":${JSON.stringify(this.#sid)},"q":${first},"ms":[${ms}]}`;
    try {
      this.#cx.nc.publish(actorSubject(this.#cx.prefix, this.#host, this.name), frameJson(body, version));
    } catch {
      // Connection closed: the handle is leaving, the asks time out.
    }
  };

  /** Looks the host up (once at a time), retrying while someone waits on this ref. */
  #find(): void {
    if (this.#finding || !this.#live() || this.#host !== undefined) return;
    const origin = this.#origin;
    if (origin !== undefined && this.#cx.membership.incarnation(origin.node) !== origin.inc) {
      // The process that published it is gone (a node that came back under its name is a new incarnation).
      this.#die(new NodeDownError(origin.node), true);
      return;
    }
    this.#finding = true;
    // From the first lookup on (not before: a ref that is never used costs nothing), the host
    // may send this session credits and stop notices, and its node's death kills the ref.
    this.#cx.sessions.set(this.#sid, this);
    this.#offMembers ??= this.#cx.membership.listen((e) => {
      if (e.type === 'down' && e.node === (this.#host ?? origin?.node))
        this.#die(new NodeDownError(e.node), true, true);
    });
    const op: FindOp = { t: 'F', s: this.#sid, c: this.#cx.inbox, n: this.#cx.node };
    this.#cx.nc.request(findSubject(this.#cx.prefix, this.name), encode(op), { timeout: 1000 }).then(
      (m) => {
        this.#finding = false;
        const found = decode(m.data) as Found;
        if (this.#dead) return;
        if (!this.#cx.membership.isUp(found.node)) return this.#retry();
        this.#host = found.node;
        this.#flush();
      },
      (e: unknown) => {
        if (origin !== undefined && (e as { isNoResponders?: () => boolean }).isNoResponders?.() === true) {
          // Only its own node ever publishes an `_r.` name, and only while the actor lives.
          this.#finding = false;
          if (++this.#noResponders >= NOPROC_AFTER) this.#die('noproc', false);
          else this.#retry();
          return;
        }
        if (this.#onNotFound === undefined) {
          this.#finding = false;
          this.#retry();
          return;
        }
        this.#onNotFound().then(
          (again) => {
            this.#finding = false;
            if (again) this.#find();
            else this.#retry();
          },
          () => {
            this.#finding = false;
            this.#retry();
          },
        );
      },
    );
  }

  #retry(): void {
    if (this.#dead || this.#retryTimer !== undefined) return;
    if (this.#batch.length === 0 && this.#monitors.size === 0 && this.#gate.waiters.isEmpty) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#find();
    }, FIND_RETRY);
  }

  /** @internal Credits from the host; the messages before `placed` are in the mailbox. */
  credit(n: number, placed: number | undefined): void {
    this.#credited += n;
    const kept = this.#unacked;
    if (kept !== undefined) this.#acked(kept, placed ?? (kept.peek()?.seq ?? 0) + n);
    this.#gate.grant(n);
  }

  /** Forgets the kept messages before sequence number `placed`. */
  #acked(kept: RingBuffer<Outgoing>, placed: number): void {
    while (kept.length > 0 && kept.peek()!.seq! < placed) kept.shift();
  }

  /** @internal The host says the actor stopped; the messages before `placed` got into its mailbox. */
  down(reason: unknown, placed: number | undefined): void {
    // A host of an older build does not say how far it got: what was sent may have arrived, so only the unsent move on.
    if (this.#unacked !== undefined) this.#acked(this.#unacked, placed ?? Infinity);
    this.#die(reason, false, true);
  }

  /**
   * `handOn`: the actor stopped or its node died, so what did not get into
   * the mailbox (messages after the host's last `placed`, the batch not sent,
   * the sends still waiting for a credit) goes to `onHandOver`. On a node
   * death the messages sent are in doubt (they may have been handled): only
   * the unsent move on, the asks of the others fail with NodeDownError.
   */
  #die(reason: unknown, nodeDown: boolean, handOn = false): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#reason = reason;
    if (nodeDown) this.#downError = reason as NodeDownError;
    const handOver = this.#onHandOver;
    if (handOn && handOver !== undefined) {
      const kept = this.#unacked!; // (made with onHandOver)
      const messages: Outgoing[] = [];
      if (!nodeDown) kept.moveInto(messages, kept.length);
      kept.clear();
      messages.push(...this.#batch);
      this.#batch = [];
      handOver({ messages, waiting: this.#gate });
    }
    this.#offMembers?.();
    this.#cx.sessions.delete(this.#sid);
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    if (this.#resyncTimer !== undefined) clearTimeout(this.#resyncTimer);
    this.#retryTimer = this.#resyncTimer = undefined;
    this.#batch = [];
    this.#gate.fail(this.#deadError(undefined));
    this.#cx.replies.closeFor(this, this.#downError);
    const monitors = [...this.#monitors.values()];
    this.#monitors.clear();
    for (const fn of monitors) fn(reason);
    this.#resolveStopped?.(reason);
  }

  /**
   * @internal Takes on what the ref of the previous activation did not
   * deliver, ahead of anything sent after: its messages (they spent that
   * session's credits and spend this one's, which may go below zero: the
   * host queues what the mailbox cannot take yet), then its waiting sends.
   */
  adopt(left: Leftover): void {
    const replies = this.#cx.replies;
    this.#gate.credits -= left.messages.length;
    for (const m of left.messages) {
      if (m.replies !== undefined) replies.reown(m.replies, this);
      this.#transmit(m);
    }
    this.#gate.adopt(left.waiting, (w: CreditWait<Outgoing>) => {
      if (w.payload.replies !== undefined) replies.reown(w.payload.replies, this);
    });
  }

  /** @internal The cluster handle left: this ref is dead. */
  shutdown(reason: unknown): void {
    this.#die(reason, false);
  }

  stop(reason: unknown): Promise<void> {
    if (!this.#live()) return Promise.resolve();
    const stopped = this.stopped();
    const op: HostOp = { t: 'S', s: this.#sid, r: reason };
    const go = (): void => {
      if (this.#dead) return;
      if (this.#host === undefined) {
        // stopped() registered a monitor, which keeps the lookup going.
        setTimeout(go, FIND_RETRY);
        return;
      }
      this.#cx.nc
        .request(actorSubject(this.#cx.prefix, this.#host, this.name), encode(op), { timeout: 30_000 })
        .catch(() => undefined);
    };
    go();
    return stopped.then(() => undefined);
  }

  stopped(): Promise<unknown> {
    if (this.#stopped === undefined) {
      if (!this.#live()) this.#stopped = Promise.resolve(this.#reason);
      else {
        this.#stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
        this.monitor(() => {});
      }
    }
    return this.#stopped;
  }

  monitor(fn: (reason: unknown) => void): object {
    const token = {};
    if (!this.#live()) {
      const reason = this.#reason;
      queueMicrotask(() => fn(reason));
      return token;
    }
    this.#monitors.set(token, fn);
    this.#find();
    return token;
  }

  demonitor(token: object): void {
    this.#monitors.delete(token);
  }

  exit(reason: unknown): void {
    if (this.#dead || this.#host === undefined) return;
    const op: HostOp = { t: 'E', s: this.#sid, r: reason };
    try {
      this.#cx.nc.publish(actorSubject(this.#cx.prefix, this.#host, this.name), encode(op));
    } catch {
      // Leaving.
    }
  }

  /**
   * @internal After a reconnect: asks the host how many of our messages it
   * got and how many credits it returned, and takes back the credits lost
   * on the way: those of messages that never arrived, and those the host
   * returned in notices that never arrived. The client flushes what it
   * buffered while disconnected before this request, the host reads one
   * connection in order and answers after the credit notices it sent
   * before, so both counts are exact.
   */
  resync(): void {
    if (this.#dead || this.#host === undefined) return;
    const sentBefore = this.#sent;
    const op: FindOp = { t: 'F', s: this.#sid, c: this.#cx.inbox, n: this.#cx.node };
    this.#cx.nc.request(findSubject(this.#cx.prefix, this.name), encode(op), { timeout: 2000 }).then(
      (m) => {
        const found = decode(m.data) as Found;
        if (this.#dead || found.node !== this.#host) return;
        const credited = found.c ?? this.#credited; // a host of an older build does not say
        const lost = sentBefore - found.r + (credited - this.#credited);
        if (credited > this.#credited) this.#credited = credited;
        if (lost > 0) this.#gate.grant(lost);
      },
      () => {
        // The server may still be settling after the restart: ask again, or the lost credits stay lost.
        if (this.#dead || this.#resyncTimer !== undefined) return;
        this.#resyncTimer = setTimeout(() => {
          this.#resyncTimer = undefined;
          this.resync();
        }, FIND_RETRY);
      },
    );
  }
}

/**
 * The `ActorRef` of a cluster actor: the same front, except that an ask
 * whose host node died rejects with `NodeDownError` (the front alone would
 * say `ActorStoppedError`, as for an actor that stopped).
 * @internal
 */
export class ClusterRef<M> extends ActorRef<M> {
  readonly #backend: ActorBackend<M> & { readonly downError: NodeDownError | undefined };
  readonly #replies: ReplyTable;

  constructor(backend: ActorBackend<M> & { readonly downError: NodeDownError | undefined }, replies: ReplyTable) {
    super(backend);
    this.#backend = backend;
    this.#replies = replies;
  }

  override ask<R>(make: (reply: Reply<R>) => M, options?: { timeout?: number; signal?: AbortSignal }): Promise<R> {
    if (typeof make !== 'function') return super.ask(make, options); // its own TypeError
    let reply: Reply<R> | undefined;
    const made = (r: Reply<R>): M => make((reply = r));
    return super.ask(made, options).catch((e: unknown) => {
      const down = (reply === undefined ? undefined : this.#replies.downFor(reply)) ?? this.#backend.downError;
      if (down !== undefined && !(e instanceof NodeDownError)) throw down;
      throw e;
    });
  }
}
