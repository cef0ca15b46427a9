/**
 * Virtual actors (`Cluster.entity(kind, behavior, { idleTimeout })`), after
 * Orleans grains: an entity `id` of `kind` exists logically forever; it is
 * activated on first message, on the node that first needs it, under a
 * lease in JetStream KV (lease.ts), published on NATS under
 * `e.<kind>.<id>` like any published actor, and passivated (stopped, lease
 * released) after `idleTimeout` ms without messages. A ref reaches it
 * wherever it is active; after it passivates or its node dies, the next
 * message activates it again (on a node whose lease claim wins, once the
 * dead node's lease expired).
 * @internal
 */
import { ActorRef } from '../actor/actor-ref.js';
import type { ActorBackend } from '../actor/backend.js';
import type { Behavior } from '../actor/behavior.js';
import { spawnActor } from '../actor/spawn-actor.js';
import { LocalActor } from '../actor/local-actor.js';
import type { ActorDirectory } from './actors.js';
import { leaseKey, type HeldLease, type Leases } from './lease.js';
import { ClusterRef, RemoteActor, type Leftover } from './remote-actor.js';
import type { NodeDownError } from './errors.js';
import type { Runtime } from '../runtime/runtime.js';

/** How many entity refs a kind keeps per node (least recently made are dropped first). */
export const REF_CACHE = 10_000;

interface Activation {
  ref: ActorRef<unknown>;
  lease: HeldLease;
  lastActive: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** @internal One entity kind on one cluster handle: its activations here and its refs. */
export class EntityKind<M, S> {
  readonly #kind: string;
  readonly #behavior: Behavior<M, S, [id: string]>;
  readonly #idleTimeout: number;
  readonly #directory: ActorDirectory;
  readonly #leases: () => Promise<Leases>;
  readonly #active = new Map<string, Activation>();
  readonly #activating = new Map<string, Promise<boolean>>();
  /** Activations here that stopped and are releasing their lease: the next one here waits for it. */
  readonly #releasing = new Map<string, Promise<void>>();
  readonly #backends = new Set<EntityBackend<M>>();
  readonly #runtime: Runtime | undefined;
  #closed = false;

  constructor(
    kind: string,
    behavior: Behavior<M, S, [id: string]>,
    idleTimeout: number,
    directory: ActorDirectory,
    leases: () => Promise<Leases>,
    runtime: Runtime | undefined,
  ) {
    this.#runtime = runtime;
    this.#kind = kind;
    this.#behavior = behavior;
    this.#idleTimeout = idleTimeout;
    this.#directory = directory;
    this.#leases = leases;
  }

  get kind(): string {
    return this.#kind;
  }

  /** The name an activation is published under. */
  actorName(id: string): string {
    return `e.${leaseKey(this.#kind, id)}`;
  }

  /**
   * The ref of `id`: the same one for every call while it is cached, so the
   * messages this node sends to an entity stay in order (one session). The
   * cache holds the last {@link REF_CACHE} ids touched.
   */
  ref(id: string): ActorRef<M> {
    let ref = this.#refs.get(id);
    if (ref !== undefined) return ref;
    const backend = new EntityBackend<M>(this, id, this.#directory);
    this.#backends.add(backend);
    ref = new ClusterRef<M>(backend, this.#directory.context.replies);
    this.#refs.set(id, ref);
    if (this.#refs.size > REF_CACHE) {
      const [oldId, old] = this.#refs.entries().next().value!;
      this.#refs.delete(oldId);
      this.#backends.delete(ActorRef.backendOf(old) as EntityBackend<M>);
    }
    return ref;
  }

  readonly #refs = new Map<string, ActorRef<M>>();

  /** How many activations run on this node (for tests and metrics). */
  get activeCount(): number {
    return this.#active.size;
  }

  /** Activates `id` here if nobody holds its lease. True when a lookup is worth repeating now. */
  activate(id: string): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#active.has(id)) return Promise.resolve(true);
    let p = this.#activating.get(id);
    if (p === undefined) {
      p = this.#tryActivate(id).finally(() => this.#activating.delete(id));
      this.#activating.set(id, p);
    }
    return p;
  }

  async #tryActivate(id: string): Promise<boolean> {
    // Re-activating here right after passivating: wait for our own release rather than find it held.
    await this.#releasing.get(id);
    const leases = await this.#leases();
    const key = leaseKey(this.#kind, id);
    const holder = await leases.holder(key);
    if (holder !== undefined) return false; // held elsewhere (activating, or a dead node's lease not expired yet)
    const lease = await leases.claim(key, () => void act.ref.stop('lease lost'));
    if (lease === undefined) return false;
    if (this.#closed) {
      await lease.release();
      return false;
    }
    const spawn = (): ActorRef<unknown> =>
      spawnActor<M, S, [string]>({ name: `${this.#kind}/${id}` }, this.#behavior, id) as ActorRef<unknown>;
    // On the cluster's runtime when one was given, else on the runtime of the code that sent the first message.
    const ref = this.#runtime === undefined ? spawn() : await this.#runtime.spawn(spawn);
    const act: Activation = { ref, lease, lastActive: Date.now(), timer: undefined };
    this.#active.set(id, act);
    const name = this.actorName(id);
    // Its `self` crosses in messages as the entity, not as this activation.
    this.#directory.publish(name, ref, () => (act.lastActive = Date.now()), { k: this.#kind, i: id });
    this.#armIdle(id, act);
    void ref.stopped().then(() => {
      if (act.timer !== undefined) clearTimeout(act.timer);
      this.#directory.unpublish(name);
      if (this.#active.get(id) === act) this.#active.delete(id);
      const released = lease.release().finally(() => {
        if (this.#releasing.get(id) === released) this.#releasing.delete(id);
      });
      this.#releasing.set(id, released);
    });
    return true;
  }

  /**
   * Passivates the activation once no message arrived for `idleTimeout` ms
   * and it has nothing left to do (`LocalActor.quiescent`); one still busy
   * counts as active now. Messages that reach the host after this, or were
   * on their way, do not get in: the stop notice tells each sender how far
   * its messages got, and the sender hands the rest to the next activation.
   */
  #armIdle(id: string, act: Activation): void {
    if (this.#idleTimeout === Infinity) return;
    const due = act.lastActive + this.#idleTimeout - Date.now();
    act.timer = setTimeout(
      () => {
        act.timer = undefined;
        if (this.#active.get(id) !== act) return;
        if (Date.now() - act.lastActive < this.#idleTimeout) return this.#armIdle(id, act);
        const backend = ActorRef.backendOf(act.ref);
        if (backend instanceof LocalActor && !backend.quiescent) {
          act.lastActive = Date.now();
          return this.#armIdle(id, act);
        }
        void act.ref.stop('passivated');
      },
      Math.max(1, due),
    );
  }

  /** The handle is leaving: passivate every activation here (releasing the leases), end every ref. */
  async shutdown(reason: unknown): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#activating.values()].map((p) => p.catch(() => false)));
    await Promise.all(
      [...this.#active.values()].map(async (act) => {
        await act.ref.stop('shutdown');
        await act.lease.release();
      }),
    );
    for (const b of this.#backends) b.end(reason);
    this.#backends.clear();
  }
}

/**
 * The backend of an entity ref: the current activation's remote ref, made
 * again after the activation passivated or its node died. The entity itself
 * never stops: `stopped()` and watchers fire only when the cluster handle
 * leaves; `stop()` passivates the current activation.
 * @internal
 */
export class EntityBackend<M> implements ActorBackend<M> {
  readonly id: string;
  readonly name: string;
  readonly #kind: EntityKind<M, any>;
  readonly #entityId: string;
  readonly #directory: ActorDirectory;
  #current: RemoteActor<M> | undefined;
  #ended = false;
  #endReason: unknown = undefined;
  readonly #monitors = new Map<object, (reason: unknown) => void>();
  #stopped: Promise<unknown> | undefined;
  #resolveStopped: ((r: unknown) => void) | undefined;

  constructor(kind: EntityKind<M, any>, id: string, directory: ActorDirectory) {
    this.#kind = kind;
    this.#entityId = id;
    this.#directory = directory;
    this.id = `entity:${kind.kind}/${id}`;
    this.name = `${kind.kind}/${id}`;
  }

  get isAlive(): boolean {
    return !this.#ended;
  }

  /** The entity's kind (how the ref crosses in a message). */
  get kind(): string {
    return this.#kind.kind;
  }

  /** The entity's id. */
  get entityId(): string {
    return this.#entityId;
  }

  get downError(): NodeDownError | undefined {
    return this.#current?.downError;
  }

  #target(): RemoteActor<M> {
    if (this.#current === undefined || !this.#current.isAlive) this.#current = this.#fresh();
    return this.#current;
  }

  /** A ref to the entity's next activation, which takes on what the last one did not deliver. */
  #fresh(): RemoteActor<M> {
    return new RemoteActor<M>(
      this.#directory.context,
      this.#kind.actorName(this.#entityId),
      () => this.#kind.activate(this.#entityId),
      (left) => this.#handOver(left),
    );
  }

  /**
   * The activation stopped or its node died: what it did not get goes, in
   * order, to the next one. (The asks in doubt that a node's death closed
   * still reject with NodeDownError: the reply table remembers why it closed them.)
   */
  #handOver(left: Leftover): void {
    this.#current = this.#fresh();
    this.#current.adopt(left);
  }

  tell(msg: M): void {
    if (this.#ended) throw this.#endReason;
    this.#target().tell(msg);
  }

  send(msg: M, signal: AbortSignal | undefined): Promise<void> {
    if (this.#ended) return Promise.reject(this.#endReason);
    return this.#target().send(msg, signal);
  }

  /** Passivates the current activation (the next message activates the entity again). */
  stop(reason: unknown): Promise<void> {
    const cur = this.#current;
    if (cur === undefined || !cur.isAlive) return Promise.resolve();
    return cur.stop(reason);
  }

  stopped(): Promise<unknown> {
    if (this.#stopped === undefined) {
      this.#stopped = this.#ended
        ? Promise.resolve(this.#endReason)
        : new Promise((resolve) => (this.#resolveStopped = resolve));
    }
    return this.#stopped;
  }

  monitor(fn: (reason: unknown) => void): object {
    const token = {};
    if (this.#ended) {
      const r = this.#endReason;
      queueMicrotask(() => fn(r));
    } else this.#monitors.set(token, fn);
    return token;
  }

  demonitor(token: object): void {
    this.#monitors.delete(token);
  }

  exit(reason: unknown): void {
    this.#current?.exit(reason);
  }

  /** The cluster handle left. */
  end(reason: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endReason = reason;
    const fns = [...this.#monitors.values()];
    this.#monitors.clear();
    for (const fn of fns) fn(reason);
    this.#resolveStopped?.(reason);
  }
}
