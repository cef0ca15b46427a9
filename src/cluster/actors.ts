/**
 * The actors of one cluster handle: the ones it publishes (hosts) and the
 * refs it hands out, sharing one inbox subscription for credits, stop
 * notices and ask replies; and the codec hooks through which reply handles
 * and actor refs cross inside messages.
 *
 * An `ActorRef` inside a message (a tell/ask payload, an ask reply, a
 * cluster channel value) crosses as the `ref` tag of wire version 2:
 * - a cluster ref (`cluster.ref(name)`) or an actor published here as
 *   `name`: `{ n: name }`, looked up by name on the other side;
 * - an entity ref, or the `self` of an entity activation: `{ k: kind, i: id }`,
 *   which reaches the entity (re-activating it) wherever it lives;
 * - any other local actor (or one on a worker thread of this process): it is
 *   published here under a name of its own, `_r.<node>.<incarnation>.<n>`,
 *   until it stops or this handle leaves, and crosses as that name.
 * On the receiving node the wire form becomes a cluster ref (the same one
 * for the same name, so that node's messages to it stay in order); a ref
 * that comes back to the node hosting its actor is the local ref again.
 * @internal
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { ActorRef } from '../actor/actor-ref.js';
import type { ActorBackend } from '../actor/backend.js';
import { decodeWith, type CodecHooks } from './codec.js';
import { AUTO_PREFIX, type InboxMsg } from './actor-wire.js';
import { HostedActor } from './actor-host.js';
import { ReplyTable, RemoteReply, type ReplyWire } from './replies.js';
import { ClusterRef, RemoteActor, type RemoteContext } from './remote-actor.js';
import { EntityBackend, REF_CACHE } from './entity.js';
import { leaseKey } from './lease.js';
import type { Membership } from './membership.js';
import { ClusterClosedError } from './errors.js';

/** An actor ref on the wire: a published name, or an entity's kind and id. */
export type RefWire = { n: string } | { k: string; i: string };

/** The entity kinds declared on this handle, as the directory needs them. */
export interface EntityKinds {
  get(kind: string): { ref(id: string): ActorRef<any> } | undefined;
}

export class ActorDirectory {
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #node: string;
  readonly #inc: string;
  readonly #cx: RemoteContext;
  readonly #hosted = new Map<string, HostedActor>();
  /** How each actor hosted here crosses in a message. */
  readonly #wires = new WeakMap<ActorBackend<unknown>, RefWire>();
  readonly #kinds: EntityKinds;
  readonly #inboxSub: Subscription;
  readonly #offMembers: () => void;
  #nextAuto = 1;

  /** The codec hooks of every message this handle sends or receives: reply handles and actor refs cross. */
  readonly hooks: CodecHooks;

  constructor(
    nc: NatsConnection,
    membership: Membership,
    prefix: string,
    node: string,
    incarnation: string,
    kinds: EntityKinds,
  ) {
    this.#nc = nc;
    this.#prefix = prefix;
    this.#node = node;
    this.#inc = incarnation;
    this.#kinds = kinds;
    const inbox = `${prefix}.in.${node}.${incarnation}`;
    const replies = new ReplyTable(inbox);
    const hooks: CodecHooks = {
      encode: (value) => replies.toWire(value) ?? this.#refToWire(value),
      decode: (tag, data) => {
        if (tag === 'reply') return new RemoteReply(nc, hooks, data as ReplyWire);
        if (tag === 'ref') return this.#refFromWire(data as RefWire);
        throw new TypeError(`unknown tag ${tag}`);
      },
    };
    this.hooks = hooks;
    this.#cx = {
      nc,
      membership,
      prefix,
      node,
      inbox,
      replies,
      hooks,
      sessions: new Map(),
      closed: undefined,
    };
    this.#inboxSub = nc.subscribe(inbox, {
      callback: (_e, m) => {
        const msg = decodeWith(m.data, hooks) as InboxMsg;
        if (msg.t === 'R') replies.settle(msg);
        else if (msg.t === 'C') this.#cx.sessions.get(msg.s)?.credit(msg.n, msg.q);
        else if (msg.t === 'D') this.#cx.sessions.get(msg.s)?.down(msg.r, msg.q);
      },
    });
    this.#offMembers = membership.listen((e) => {
      if (e.type === 'down') for (const h of this.#hosted.values()) h.nodeDown(e.node);
    });
  }

  /** The shared context of the refs this handle hands out. */
  get context(): RemoteContext {
    return this.#cx;
  }

  /** Stops hosting `name` here (the actor keeps running). */
  unpublish(name: string): void {
    this.#hosted.get(name)?.unpublish();
    this.#hosted.delete(name);
  }

  /**
   * Hosts `ref` as `name`. `wire` is how the actor crosses in messages
   * from now on (default: by this name); `onActivity` runs on each message.
   */
  publish(name: string, ref: ActorRef<unknown>, onActivity?: () => void, wire: RefWire = { n: name }): void {
    if (this.#hosted.has(name))
      throw new TypeError(`Cluster.publish: this node already publishes an actor named ${JSON.stringify(name)}`);
    if (!ref.isAlive)
      throw new TypeError(`Cluster.publish: the actor to publish as ${JSON.stringify(name)} has stopped`);
    const backend = ActorRef.backendOf(ref);
    const hosted = new HostedActor(
      this.#nc,
      this.#prefix,
      this.#node,
      name,
      ref,
      this.hooks,
      () => {
        if (this.#hosted.get(name) !== hosted) return;
        this.#hosted.delete(name);
        // An entity's self keeps crossing as the entity; a name stops standing for a stopped actor.
        const w = this.#wires.get(backend);
        if (w !== undefined && 'n' in w && w.n === name) this.#wires.delete(backend);
      },
      onActivity,
    );
    this.#hosted.set(name, hosted);
    this.#wires.set(backend, wire);
  }

  /** The ref of `name`: the same one while its actor is alive, so this node's messages to it stay in order. */
  ref<M>(name: string): ActorRef<M> {
    const known = this.#refs.get(name);
    if (known !== undefined && known.isAlive) return known as ActorRef<M>;
    const ref = new ClusterRef<M>(new RemoteActor<M>(this.#cx, name), this.#cx.replies);
    this.#refs.delete(name);
    this.#refs.set(name, ref as ActorRef<unknown>);
    if (this.#refs.size > REF_CACHE) this.#refs.delete(this.#refs.keys().next().value!);
    return ref;
  }

  readonly #refs = new Map<string, ActorRef<unknown>>();

  /** The codec hook for an actor ref met in a message (undefined for other values). */
  #refToWire(value: object): { tag: string; data: RefWire } | undefined {
    if (!(value instanceof ActorRef)) return undefined;
    const backend = ActorRef.backendOf(value as ActorRef<unknown>);
    if (backend instanceof RemoteActor) return { tag: 'ref', data: { n: backend.name } };
    if (backend instanceof EntityBackend) return { tag: 'ref', data: { k: backend.kind, i: backend.entityId } };
    let wire = this.#wires.get(backend);
    if (wire === undefined) {
      const name = `${AUTO_PREFIX}.${this.#node}.${this.#inc}.${this.#nextAuto++}`;
      wire = { n: name };
      // A stopped actor is not hosted: the other side finds nobody under its name and sees it stopped.
      if (backend.isAlive) this.publish(name, value as ActorRef<unknown>);
    }
    return { tag: 'ref', data: wire };
  }

  /** The codec hook for a `ref` tag: a cluster ref, or the local ref when the actor lives here. */
  #refFromWire(wire: RefWire): ActorRef<unknown> {
    if ('k' in wire) {
      return this.#kinds.get(wire.k)?.ref(wire.i) ?? this.ref(`e.${leaseKey(wire.k, wire.i)}`);
    }
    const hosted = this.#hosted.get(wire.n);
    if (hosted !== undefined && hosted.ref.isAlive) return hosted.ref;
    return this.ref(wire.n);
  }

  /** Our NATS connection is back: every ref re-syncs its credits with its host. */
  reconnected(): void {
    for (const s of this.#cx.sessions.values()) s.resync();
  }

  /** The handle is leaving: stop hosting, and every ref handed out is dead. */
  shutdown(): void {
    for (const h of this.#hosted.values()) h.unpublish();
    this.#hosted.clear();
    const err = new ClusterClosedError('the cluster handle this ref belongs to has left the cluster');
    // Refs in use die now; the others (made, never used) die on their next call.
    this.#cx.closed = err;
    for (const s of [...this.#cx.sessions.values()]) s.shutdown(err);
    this.#refs.clear();
    this.#cx.replies.closeFor(undefined);
    this.#offMembers();
    this.#inboxSub.unsubscribe();
  }
}
