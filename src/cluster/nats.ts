/**
 * The NATS client, loaded on first use: `@nats-io/transport-node` and
 * `@nats-io/kv` are optional peer dependencies, so weft installs and loads
 * without them and only `Cluster.join` asks for them.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { Kvm } from '@nats-io/kv';
import { ClusterDependencyError } from './errors.js';

/** The packages `Cluster.join` needs, as `npm install` takes them. */
export const NATS_PACKAGES = ['@nats-io/transport-node', '@nats-io/kv', '@nats-io/jetstream'] as const;

/** @internal What the cluster uses of the client. */
export interface NatsModules {
  connect: (opts: Record<string, unknown>) => Promise<NatsConnection>;
  Kvm: typeof Kvm;
}

let loaded: Promise<NatsModules> | undefined;

/** @internal Imports the client once; rejects with ClusterDependencyError naming the packages when missing. */
export function loadNats(): Promise<NatsModules> {
  loaded ??= (async () => {
    try {
      const [transport, kv] = await Promise.all([import('@nats-io/transport-node'), import('@nats-io/kv')]);
      return { connect: transport.connect as NatsModules['connect'], Kvm: kv.Kvm };
    } catch (cause) {
      loaded = undefined;
      throw new ClusterDependencyError(NATS_PACKAGES, cause);
    }
  })();
  return loaded;
}

/** What {@link closeNats} reaches into: the client's dial loop and the socket of its transport. */
interface DialInternals {
  protocol?: { connectPromise?: Promise<void> | null; transport?: { socket?: { destroy(): void } } };
}

/**
 * @internal Closes `nc` and returns once none of its sockets is left.
 *
 * `nc.close()` alone can leave one behind: closed while a reconnect dial is
 * in flight (during or just after a NATS outage), the client resolves the
 * close, but its transport ignores a close that comes before it is
 * connected, so the dial goes on: its socket connects, waits for the
 * server's INFO, and only then does the client notice it is closed and
 * destroy it (the client's dial loop settles then). So this waits for that
 * dial loop, for at most `ms`, and destroys the dialing socket if a server
 * that accepted the connection never answers. (A `flush()` is no way to
 * wait: on a closed or reconnecting connection it never settles.)
 */
export async function closeNats(nc: NatsConnection, ms = 2000): Promise<void> {
  await nc.close();
  const protocol = (nc as unknown as DialInternals).protocol;
  const dialing = protocol?.connectPromise;
  if (dialing === undefined || dialing === null) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settled = await Promise.race([
    dialing.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  if (!settled) protocol?.transport?.socket?.destroy();
}
