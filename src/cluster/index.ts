/**
 * weft/cluster: actors and channels across processes and machines, over NATS
 * (`nats-server` and the optional peer dependencies `@nats-io/transport-node`,
 * `@nats-io/kv`, `@nats-io/jetstream`). See docs/cluster.md.
 * @module
 */
export { Cluster, type ClusterOptions } from './cluster.js';
export type { MemberEvent } from './membership.js';
// A cluster channel's ends are weft/sync's mpsc fronts (over cluster backends).
export { Sender, Permit } from '../sync/mpsc/bounded.js';
export { Receiver } from '../sync/mpsc/receiver.js';
export { encode, decode, WIRE_VERSION, MIN_WIRE_VERSION, MAX_DEPTH } from './codec.js';
export * from './errors.js';
