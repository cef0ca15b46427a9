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
