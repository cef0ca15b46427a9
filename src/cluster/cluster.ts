import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Runtime } from '../runtime/runtime.js';
import { unboundedChannel } from '../sync/mpsc/unbounded.js';
import type { Receiver } from '../sync/mpsc/receiver.js';
import { duration, integer } from '../core/validate.js';
import { Sender } from './channel-sender.js';
import { Receiver as ClusterReceiver } from './channel-receiver.js';
import { ClusterClosedError } from './errors.js';
import { loadNats } from './nats.js';
import { Membership, type MemberEvent } from './membership.js';

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
  /** The runtime virtual actors and hosted work run on. Default: the current runtime. */
  runtime?: Runtime;
  /** Subject prefix: clusters with different prefixes share a NATS server without seeing each other. Default `'weft'`. */
  prefix?: string;
  /** Heartbeat period in ms. Default 1,000; at least 10. */
  heartbeatInterval?: number;
  /** A node not heard from for this many ms is down. Default 5,000; more than `heartbeatInterval`. */
  downAfter?: number;
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
  #left: Promise<void> | undefined;

  private constructor(nc: NatsConnection, node: string, prefix: string, membership: Membership) {
    this.#nc = nc;
    this.node = node;
    this.#prefix = prefix;
    this.#membership = membership;
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
    const membership = new Membership(nc, {
      prefix,
      node,
      inc: randomUUID(),
      heartbeatInterval,
      downAfter,
      helloWait: Math.min(150, heartbeatInterval),
    });
    const cluster = new Cluster(nc, node, prefix, membership);
    void cluster.#watchStatus();
    await membership.start();
    return cluster;
  }

  async #watchStatus(): Promise<void> {
    for await (const s of this.#nc.status()) {
      if (s.type === 'disconnect') this.#membership.disconnected();
      else if (s.type === 'reconnect') this.#membership.reconnected();
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
   *   const first = await events.recv();
   *   console.assert(first?.type === 'up' && first.node === 'doc-ev-b');
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

  readonly #onLeave: Array<() => void | Promise<void>> = [];

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
   * @returns `[sender, receiver]`; close the ones this node does not use
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
  channel<T>(name: string, options: { capacity: number }): [Sender<T>, ClusterReceiver<T>] {
    this.assertOpen('Cluster.channel');
    subjectName(name, 'Cluster.channel', 'name');
    if (typeof options !== 'object' || options === null)
      throw new TypeError('Cluster.channel: options must be an object');
    const capacity = integer(options.capacity, 'Cluster.channel', 'capacity', 1, 1 << 20);
    const tx = new Sender<T>(this.#nc, this.#membership, this.node, this.#prefix, name, capacity);
    const rx = new ClusterReceiver<T>(this.#nc, this.#membership, this.node, this.#prefix, name, capacity);
    this.#onLeave.push(() => {
      tx.shutdown();
      rx.close();
    });
    return [tx, rx];
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
      await this.#nc.drain().catch(() => this.#nc.close());
      await this.#nc.closed();
    })();
    return this.#left;
  }

  /** Same as {@link Cluster.leave}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.leave();
  }
}
