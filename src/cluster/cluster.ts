import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Runtime } from '../runtime/runtime.js';
import { unboundedChannel } from '../sync/mpsc/unbounded.js';
import { Receiver } from '../sync/mpsc/receiver.js';
import { Sender } from '../sync/mpsc/bounded.js';
import { duration, integer } from '../core/validate.js';
import { ChannelSender } from './channel-sender.js';
import { ChannelReceiver } from './channel-receiver.js';
import type { ChannelContext } from './channel-wire.js';
import { ClusterClosedError } from './errors.js';
import { loadNats, closeNats } from './nats.js';
import { Membership, type MemberEvent } from './membership.js';
import { ActorDirectory } from './actors.js';
import type { ActorRef } from '../actor/actor-ref.js';
import type { Behavior } from '../actor/behavior.js';
import { EntityKind } from './entity.js';
import { Leases } from './lease.js';

/** Checks a name that becomes part of a NATS subject. */
function subjectName(name: unknown, fn: string, what: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(name)) {
    throw new TypeError(
      `${fn}: ${what} must be letters, digits, _ and -, with dots between tokens (it is a NATS subject), got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/** Options of {@link Cluster.join}. */
export interface ClusterOptions {
  /** NATS server URL(s), e.g. `'nats://127.0.0.1:4222'`. */
  servers: string | string[];
  /** This node's name, unique in the cluster. Default: `<hostname>-<pid>-<random>`. */
  node?: string;
  /** The runtime virtual actors are activated on. Default: the runtime of the code whose message activates them. */
  runtime?: Runtime;
  /** Subject prefix: clusters with different prefixes share a NATS server without seeing each other. Default `'weft'`. */
  prefix?: string;
  /** Heartbeat period in ms. Default 1,000; at least 10. */
  heartbeatInterval?: number;
  /** A node not heard from for this many ms is down. Default 5,000; more than `heartbeatInterval`. */
  downAfter?: number;
  /**
   * The lease time of virtual actors, in ms (the JetStream KV bucket's
   * `max_age`): an entity whose node died can be activated elsewhere this
   * long after that node's last lease renewal. Default 10,000; at least 400.
   * Every node of a cluster must use the same value (the bucket is created
   * with the first one).
   */
  leaseTtl?: number;
}

/**
 * One node's handle on a weft cluster over NATS: membership with heartbeats,
 * actors reachable by name, virtual actors, cluster channels.
 *
 * @example
 * ```ts
 * import { Cluster } from 'weft/cluster';
 * const url = process.env['WEFT_EXAMPLE_NATS'];
 * if (url !== undefined) {
 *   await using cluster = await Cluster.join({ servers: url, node: 'doc-a' });
 *   console.assert(cluster.members().includes('doc-a'));
 * }
 * ```
 */
export class Cluster implements AsyncDisposable {
  /** This node's name. */
  readonly node: string;
  readonly #nc: NatsConnection;
  readonly #membership: Membership;
  readonly #prefix: string;
  readonly #inc: string;
  readonly #actors: ActorDirectory;
  readonly #channels: ChannelContext;
  #left: Promise<void> | undefined;

  readonly #leaseTtl: number;
  readonly #runtime: Runtime | undefined;
  readonly #kinds = new Map<string, EntityKind<any, any>>();
  #leases: Promise<Leases> | undefined;

  private constructor(
    nc: NatsConnection,
    node: string,
    prefix: string,
    inc: string,
    membership: Membership,
    leaseTtl: number,
    runtime: Runtime | undefined,
  ) {
    this.#runtime = runtime;
    this.#nc = nc;
    this.#leaseTtl = leaseTtl;
    this.node = node;
    this.#prefix = prefix;
    this.#inc = inc;
    this.#membership = membership;
    this.#actors = new ActorDirectory(nc, membership, prefix, node, inc, this.#kinds);
    this.#channels = { nc, membership, node, prefix, hooks: this.#actors.hooks, ends: new Set() };
    this.#onLeave.push(() => this.#actors.shutdown());
    this.#onLeave.push(() => {
      for (const end of [...this.#channels.ends]) end.shutdown();
    });
  }

  /**
   * Connects to NATS and joins the cluster: resolves once this node is
   * announced and the members that answered its hello are known.
   *
   * @param options servers, node name, runtime, timing (see {@link ClusterOptions})
   * @returns the cluster handle; call `leave()` (or `await using`) when done
   * @throws ClusterDependencyError when the NATS client packages are not installed
   *   (the message names them); the NATS client's connection error when no server answers;
   *   TypeError/RangeError for bad options
   *
   * **Cancellation**: none; the connection attempt gives up after the NATS client's
   * connect timeout (20 s) when no server answers.
   *
   * @example
   * ```ts
   * import { Cluster } from 'weft/cluster';
   * const url = process.env['WEFT_EXAMPLE_NATS'];
   * if (url !== undefined) {
   *   const cluster = await Cluster.join({ servers: url, heartbeatInterval: 500, downAfter: 2_000 });
   *   await cluster.leave();
   * }
   * ```
   */
  static async join(options: ClusterOptions): Promise<Cluster> {
    if (typeof options !== 'object' || options === null) throw new TypeError('Cluster.join: options must be an object');
    const servers = options.servers;
    if (!(typeof servers === 'string' || (Array.isArray(servers) && servers.every((s) => typeof s === 'string')))) {
      throw new TypeError('Cluster.join: servers must be a URL string or an array of them');
    }
    const heartbeatInterval = duration(options.heartbeatInterval ?? 1000, 'Cluster.join', 'heartbeatInterval');
    const downAfter = duration(options.downAfter ?? 5000, 'Cluster.join', 'downAfter');
    if (heartbeatInterval < 10 || !Number.isFinite(heartbeatInterval)) {
      throw new RangeError('Cluster.join: heartbeatInterval must be a finite number of ms, at least 10');
    }
    if (!(downAfter > heartbeatInterval) || !Number.isFinite(downAfter)) {
      throw new RangeError('Cluster.join: downAfter must be finite and greater than heartbeatInterval');
    }
    const leaseTtl = duration(options.leaseTtl ?? 10_000, 'Cluster.join', 'leaseTtl');
    if (leaseTtl < 400 || !Number.isFinite(leaseTtl))
      throw new RangeError('Cluster.join: leaseTtl must be finite and at least 400 ms');
    const node = options.node ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    if (typeof node !== 'string' || !/^[A-Za-z0-9_-]+$/.test(node)) {
      throw new TypeError(
        'Cluster.join: node must be a non-empty string of letters, digits, _ and - (it is a NATS subject token)',
      );
    }
    const prefix = options.prefix ?? 'weft';
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(prefix))
      throw new TypeError('Cluster.join: prefix must be a NATS subject prefix');
    const nats = await loadNats();
    const nc = await nats.connect({
      servers,
      name: `weft:${node}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 50,
      pingInterval: 10_000,
    });
    const inc = randomUUID();
    const membership = new Membership(nc, {
      prefix,
      node,
      inc,
      heartbeatInterval,
      downAfter,
      helloWait: Math.min(150, heartbeatInterval),
    });
    const cluster = new Cluster(nc, node, prefix, inc, membership, leaseTtl, options.runtime);
    void cluster.#watchStatus();
    await membership.start();
    return cluster;
  }

  async #watchStatus(): Promise<void> {
    for await (const s of this.#nc.status()) {
      if (s.type === 'disconnect') this.#membership.disconnected();
      else if (s.type === 'reconnect') {
        this.#membership.reconnected();
        this.#actors.reconnected();
      }
    }
  }

  /**
   * The nodes that are up, this one included, sorted by name.
   * @returns a fresh array
   * @example
   * ```ts
   * import { Cluster } from 'weft/cluster';
   * const url = process.env['WEFT_EXAMPLE_NATS'];
   * if (url !== undefined) {
   *   await using c = await Cluster.join({ servers: url, node: 'doc-members' });
   *   console.assert(c.members().includes('doc-members'));
   * }
   * ```
   */
  members(): string[] {
    return this.#membership.members();
  }

  /**
   * A stream of membership changes from now on (`up` when a node joins or
   * comes back with a new incarnation, `down` when it leaves or misses
   * heartbeats for `downAfter`). Close it (or `using`) to stop listening.
   *
   * @returns a receiver of `{ type, node }` events; it ends (yields `undefined`) when this node leaves
   *
   * **Cancellation**: `recv(options)` of the returned receiver takes a signal;
   * an aborted receive consumes no event.
   *
   * @example
   * ```ts
   * import { Cluster } from 'weft/cluster';
   * const url = process.env['WEFT_EXAMPLE_NATS'];
   * if (url !== undefined) {
   *   await using a = await Cluster.join({ servers: url, node: 'doc-ev-a' });
   *   using events = a.memberEvents();
   *   const b = await Cluster.join({ servers: url, node: 'doc-ev-b' });
   *   await b.leave();
   *   let e = await events.recv();
   *   while (e !== undefined && e.node !== 'doc-ev-b') e = await events.recv(); // other nodes may come and go
   *   console.assert(e?.type === 'up');
   * }
   * ```
   */
  memberEvents(): Receiver<MemberEvent> {
    const [tx, rx] = unboundedChannel<MemberEvent>();
    if (this.#left !== undefined) {
      tx.close();
      return rx;
    }
    const off = this.#membership.listen((e) => {
      try {
        tx.send(e);
      } catch {
        off();
      }
    });
    this.#onLeave.push(() => {
      off();
      tx.close();
    });
    return rx;
  }

  /**
   * Makes the local actor `ref` reachable cluster-wide as `name`: any node's
   * `ref(name)` reaches it with tell/send/ask/watch. Publishing stops when
   * the actor stops (its remote refs see it `down`) or this node leaves.
   *
   * @param name the actor's cluster name (a NATS subject token; unique per node)
   * @param ref a local actor
   * @throws TypeError for a bad name, a name this node already publishes, or
   *   a stopped actor; ClusterClosedError after `leave()`
   *
   * Publishing the same name on two nodes makes each lookup find one of
   * them (whichever answers first): use distinct names for distinct actors.
   *
   * @example
   * ```ts
   * import { Cluster } from 'weft/cluster';
   * import { spawnActor, type Reply } from 'weft/actor';
   * const url = process.env['WEFT_EXAMPLE_NATS'];
   * if (url !== undefined) {
   *   await using c = await Cluster.join({ servers: url });
   *   const echo = spawnActor({ init: () => 0, receive: (s: number, m: { text: string; reply: Reply<string> }) => {
   *     m.reply.send(m.text);
   *     return s;
   *   } });
   *   c.publish('doc-echo', echo);
   *   const remote = c.ref<{ text: string; reply: Reply<string> }>('doc-echo');
   *   console.assert((await remote.ask<string>((reply) => ({ text: 'hi', reply }))) === 'hi');
   *   await echo.stop();
   * }
   * ```
   */
  publish<M>(name: string, ref: ActorRef<M>): void {
    this.assertOpen('Cluster.publish');
    subjectName(name, 'Cluster.publish', 'name');
    this.#actors.publish(name, ref as ActorRef<unknown>);
  }

  /**
   * A location-transparent ref to the actor published as `name` on any
   * node: `tell`/`send`/`ask`/`stop`/`stopped`, and `ctx.watch(ref)` in an
   * actor, behave as for a local actor. It looks the host up on first use
   * (messages sent before that wait, within the credit window); a name that
   * nobody publishes yet keeps being looked up while messages wait, so asks
   * time out (`AskTimeoutError`) rather than fail.
   *
   * - `tell` throws `MailboxFullError` when the ref has no credit left
   *   (INITIAL_CREDIT, 256, messages in flight beyond the remote mailbox);
   *   `send` waits for a credit (backpressure from the remote mailbox).
   * - When the actor stops, the ref is `down` with its reason; when its node
   *   dies or leaves, with a `NodeDownError`, and asks in flight or made
   *   afterwards reject with `NodeDownError`.
   *
   * @param name the published name
   * @returns the ref: the same object for every call while the actor is
   *   alive, so the messages this node sends it arrive in order
   * @throws TypeError for a bad name; ClusterClosedError after `leave()`
   *
   * @example
   * ```ts
   * import { Cluster } from 'weft/cluster';
   * const url = process.env['WEFT_EXAMPLE_NATS'];
   * if (url !== undefined) {
   *   await using c = await Cluster.join({ servers: url });
   *   const nobody = c.ref<string>('doc-nobody');
   *   nobody.tell('waits for a publisher'); // within the credit window
   * }
   * ```
   */
  ref<M>(name: string): ActorRef<M> {
    this.assertOpen('Cluster.ref');
    subjectName(name, 'Cluster.ref', 'name');
    return this.#actors.ref<M>(name);
  }

  readonly #onLeave: Array<() => void | Promise<void>> = [];

  #openLeases(): Promise<Leases> {
    this.#leases ??= loadNats().then((m) =>
      Leases.open(this.#nc, m.Kvm, `${this.#prefix.replace(/\./g, '_')}-leases`, this.#leaseTtl, this.node),
    );
    return this.#leases;
  }

  /**
   * Declares the virtual actor kind `kind` on this node: `entity(kind, ...)(id)`
   * is a ref to entity `id`, which is activated on first message (on this
   * node, when nobody holds its lease), with `behavior.init(ctx, id)`; at
   * most one activation per id runs cluster-wide at any time (a lease in
   * JetStream KV, see docs/cluster.md for the precise guarantee); it is
   * passivated (stopped with reason `'passivated'`, lease released) after
   * `idleTimeout` ms without messages, and activated again by the next
   * message, wherever that comes from. When its node dies, the next message
   * activates it elsewhere once the lease expired (`leaseTtl`).
   *
   * Every node that should be able to host the kind declares it with the
   * same behavior. State lives in the activation: persist it yourself in
   * `init`/`terminate` if it must outlive a passivation.
   *
   * @param kind the kind's name (a NATS subject token)
   * @param behavior the actor behavior; `init` gets the entity id
   * @param options.idleTimeout ms without messages before passivation, default 60,000 (Infinity: never)
   * @returns the ref factory: one call per id (refs to the same id reach the same activation)
   * @throws TypeError for a bad kind, behavior, or a kind already declared on this node; ClusterClosedError after `leave()`
   *
   * @example
   * ```ts
   * import { Cluster } from 'weft/cluster';
   * import type { Reply } from 'weft/actor';
   * const url = process.env['WEFT_EXAMPLE_NATS'];
   * if (url !== undefined) {
   *   await using c = await Cluster.join({ servers: url });
   *   type CartMsg = { type: 'add'; item: string } | { type: 'items'; reply: Reply<string[]> };
   *   const cart = c.entity<CartMsg, string[]>('doc-cart', {
   *     init: () => [],
   *     receive: (items, msg) => {
   *       if (msg.type === 'add') return [...items, msg.item];
   *       msg.reply.send(items);
   *       return items;
   *     },
   *   }, { idleTimeout: 30_000 });
   *   cart('alice').tell({ type: 'add', item: 'tea' });
   *   // The same ref for the same id: this node's messages to alice's cart stay in order.
   *   console.assert((await cart('alice').ask<string[]>((reply) => ({ type: 'items', reply }))).includes('tea'));
   * }
   * ```
   */
  entity<M, S>(
    kind: string,
    behavior: Behavior<M, S, [id: string]>,
    options?: { idleTimeout?: number },
  ): (id: string) => ActorRef<M> {
    this.assertOpen('Cluster.entity');
    if (typeof kind !== 'string' || !/^[A-Za-z0-9_-]+$/.test(kind)) {
      throw new TypeError(
        `Cluster.entity: kind must be letters, digits, _ and - (a NATS subject token), got ${JSON.stringify(kind)}`,
      );
    }
    if (
      typeof behavior !== 'object' ||
      behavior === null ||
      typeof behavior.receive !== 'function' ||
      typeof behavior.init !== 'function'
    ) {
      throw new TypeError('Cluster.entity: behavior must have init and receive functions');
    }
    if (this.#kinds.has(kind))
      throw new TypeError(`Cluster.entity: kind ${JSON.stringify(kind)} is already declared on this node`);
    const idleTimeout = duration(options?.idleTimeout ?? 60_000, 'Cluster.entity', 'idleTimeout');
    const k = new EntityKind<M, S>(kind, behavior, idleTimeout, this.#actors, () => this.#openLeases(), this.#runtime);
    this.#kinds.set(kind, k);
    this.#onLeave.push(() =>
      k.shutdown(new ClusterClosedError('the cluster handle this entity ref belongs to has left the cluster')),
    );
    return (id: string) => {
      if (typeof id !== 'string' || id === '') throw new TypeError('Cluster.entity: the id must be a non-empty string');
      this.assertOpen('Cluster.entity ref');
      return k.ref(id);
    };
  }

  /** @internal How many activations of `kind` run on this node. */
  activeEntities(kind: string): number {
    return this.#kinds.get(kind)?.activeCount ?? 0;
  }

  /**
   * Opens both ends of the cluster channel `name`: an mpsc across processes
   * with credit-based backpressure. Any node may send; the receiver joins on
   * its first receive (a node that only sends never takes values), and with
   * receivers on several nodes each value goes to one of them. Values are
   * FIFO per sender (per receiver) and exactly-once while both ends live;
   * see docs/cluster.md for what a node death does.
   *
   * @param name the channel's name, a NATS subject token (letters, digits, `_`, `-`, dots between tokens)
   * @param options.capacity how many values a receiver buffers (and so grants credits for), 1 to 1,048,576
   * @returns `[sender, receiver]`: `weft/sync` mpsc ends (`reserve`, `clone`, `select` on
   *   the receiver and the rest work as on a local channel, see docs/cluster.md for the
   *   differences); close the ones this node does not use
   * @throws TypeError for a bad name; RangeError for a bad capacity; ClusterClosedError after `leave()`
   *
   * @example
   * ```ts
   * import { Cluster } from 'weft/cluster';
   * const url = process.env['WEFT_EXAMPLE_NATS'];
   * if (url !== undefined) {
   *   await using c = await Cluster.join({ servers: url });
   *   const [tx, rx] = c.channel<string>('doc-channel', { capacity: 16 });
   *   const next = rx.recv();
   *   await tx.send('hello');
   *   console.assert((await next) === 'hello');
   * }
   * ```
   */
  channel<T>(name: string, options: { capacity: number }): [Sender<T>, Receiver<T>] {
    this.assertOpen('Cluster.channel');
    subjectName(name, 'Cluster.channel', 'name');
    if (typeof options !== 'object' || options === null)
      throw new TypeError('Cluster.channel: options must be an object');
    const capacity = integer(options.capacity, 'Cluster.channel', 'capacity', 1, 1 << 20);
    return [
      new Sender<T>(new ChannelSender<T>(this.#channels, name, capacity)),
      new Receiver<T>(new ChannelReceiver<T>(this.#channels, name, capacity)),
    ];
  }

  /** @internal */
  get nats(): NatsConnection {
    return this.#nc;
  }

  /** @internal */
  get prefix(): string {
    return this.#prefix;
  }

  /** @internal */
  get membership(): Membership {
    return this.#membership;
  }

  /** @internal Throws ClusterClosedError once the handle has left. */
  assertOpen(what: string): void {
    if (this.#left !== undefined) throw new ClusterClosedError(`${what}: the cluster handle has left the cluster`);
  }

  /**
   * Leaves the cluster: announces it (the others see this node `down` at
   * once), stops hosting published actors, entities and channel ends, and
   * closes the NATS connection. Idempotent.
   *
   * @returns when the connection is closed
   *
   * **Cancellation**: none; it waits for at most one NATS flush.
   *
   * @example
   * ```ts
   * import { Cluster } from 'weft/cluster';
   * const url = process.env['WEFT_EXAMPLE_NATS'];
   * if (url !== undefined) {
   *   const c = await Cluster.join({ servers: url });
   *   await c.leave();
   *   await c.leave(); // idempotent
   * }
   * ```
   */
  leave(): Promise<void> {
    this.#left ??= (async () => {
      for (const fn of this.#onLeave.splice(0).reverse()) {
        try {
          await fn();
        } catch {
          // Teardown of one part must not stop the others.
        }
      }
      await this.#membership.leave();
      await this.#nc.drain().catch(() => undefined);
      // Not just close(): a reconnect dial in flight would outlive it (see closeNats).
      await closeNats(this.#nc);
    })();
    return this.#left;
  }

  /** Same as {@link Cluster.leave}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.leave();
  }
}
