/**
 * The actors of one cluster handle: the ones it publishes (hosts) and the
 * refs it hands out, sharing one inbox subscription for credits, stop
 * notices and ask replies.
 * @internal
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { ActorRef } from '../actor/actor-ref.js';
import { decode, type CodecHooks } from './codec.js';
import type { InboxMsg } from './actor-wire.js';
import { HostedActor } from './actor-host.js';
import { ReplyTable, hostHooks } from './replies.js';
import { ClusterRef, RemoteActor, type RemoteContext } from './remote-actor.js';
import type { Membership } from './membership.js';
import { ClusterClosedError } from './errors.js';

export class ActorDirectory {
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #node: string;
  readonly #cx: RemoteContext;
  readonly #hosted = new Map<string, HostedActor>();
  readonly #hooks: CodecHooks;
  readonly #inboxSub: Subscription;
  readonly #offMembers: () => void;

  constructor(nc: NatsConnection, membership: Membership, prefix: string, node: string, incarnation: string) {
    this.#nc = nc;
    this.#prefix = prefix;
    this.#node = node;
    const inbox = `${prefix}.in.${node}.${incarnation}`;
    const replies = new ReplyTable(inbox);
    this.#cx = { nc, membership, prefix, node, inbox, replies, sessions: new Map() };
    // Messages for actors hosted here may carry reply handles (asks) from other nodes.
    this.#hooks = hostHooks(nc);
    this.#inboxSub = nc.subscribe(inbox, {
      callback: (_e, m) => {
        const msg = decode(m.data) as InboxMsg;
        if (msg.t === 'R') replies.settle(msg);
        else if (msg.t === 'C') this.#cx.sessions.get(msg.s)?.credit(msg.n);
        else if (msg.t === 'D') this.#cx.sessions.get(msg.s)?.down(msg.r);
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

  publish(name: string, ref: ActorRef<unknown>, onActivity?: () => void): void {
    if (this.#hosted.has(name))
      throw new TypeError(`Cluster.publish: this node already publishes an actor named ${JSON.stringify(name)}`);
    if (!ref.isAlive)
      throw new TypeError(`Cluster.publish: the actor to publish as ${JSON.stringify(name)} has stopped`);
    const hosted = new HostedActor(
      this.#nc,
      this.#prefix,
      this.#node,
      name,
      ref,
      this.#hooks,
      () => {
        if (this.#hosted.get(name) === hosted) this.#hosted.delete(name);
      },
      onActivity,
    );
    this.#hosted.set(name, hosted);
  }

  /** The ref of `name`: the same one while its actor is alive, so this node's messages to it stay in order. */
  ref<M>(name: string): ActorRef<M> {
    const known = this.#refs.get(name);
    if (known !== undefined && known.isAlive) return known as ActorRef<M>;
    const ref = new ClusterRef<M>(new RemoteActor<M>(this.#cx, name));
    this.#refs.set(name, ref as ActorRef<unknown>);
    return ref;
  }

  readonly #refs = new Map<string, ActorRef<unknown>>();

  /** Our NATS connection is back: every ref re-syncs its credits with its host. */
  reconnected(): void {
    for (const s of this.#cx.sessions.values()) s.resync();
  }

  /** The handle is leaving: stop hosting, and every ref handed out is dead. */
  shutdown(): void {
    for (const h of this.#hosted.values()) h.unpublish();
    this.#hosted.clear();
    const err = new ClusterClosedError('the cluster handle this ref belongs to has left the cluster');
    for (const s of [...this.#cx.sessions.values()]) s.shutdown(err);
    this.#refs.clear();
    this.#cx.replies.closeFor(undefined);
    this.#offMembers();
    this.#inboxSub.unsubscribe();
  }
}
