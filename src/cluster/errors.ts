import { WeftError, registerWeftErrors } from '../core/errors.js';

/**
 * A value cannot cross the cluster: it is (or contains) a function, a symbol,
 * a class instance the codec does not know, a cycle, or nesting deeper than
 * the codec allows. `path` says where in the value (`value.items[2]`).
 *
 * It extends `TypeError` (a message that cannot be sent is a bad argument,
 * as `ActorRef.tell` states) and counts as a `WeftError` through the registry.
 */
export class CodecError extends TypeError {
  override readonly name = 'CodecError';
  readonly code = 'ERR_CLUSTER_CODEC';
  /** Where in the value the problem is, e.g. `value.items[2].fn`. */
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`cannot send ${path} across the cluster: ${problem}`);
    this.path = path;
  }
}

/** The bytes are not a weft wire message of a version this build can read. */
export class WireFormatError extends WeftError {
  override readonly name = 'WireFormatError';
  readonly code = 'ERR_CLUSTER_WIRE_FORMAT';
}

/**
 * `Cluster.join` needs the NATS client, an optional peer dependency of weft
 * that is not installed. The message names the packages to install.
 */
export class ClusterDependencyError extends WeftError {
  override readonly name = 'ClusterDependencyError';
  readonly code = 'ERR_CLUSTER_DEPENDENCY';
  /** The npm packages to install. */
  readonly packages: readonly string[];
  constructor(packages: readonly string[], cause: unknown) {
    super(
      `weft/cluster needs the NATS client, which is an optional peer dependency: npm install ${packages.join(' ')}`,
      { cause },
    );
    this.packages = packages;
  }
}

/**
 * The node that hosts the actor (or the other end of a channel) is down: it
 * left, or it missed heartbeats past the detection bound. `node` names it.
 */
export class NodeDownError extends WeftError {
  override readonly name = 'NodeDownError';
  readonly code = 'ERR_NODE_DOWN';
  /** The node that is down. */
  readonly node: string;
  constructor(node: string, message = `node ${node} is down`) {
    super(message);
    this.node = node;
  }
}

/** This cluster handle has left (or never reached) the cluster: the call cannot proceed. */
export class ClusterClosedError extends WeftError {
  override readonly name = 'ClusterClosedError';
  readonly code = 'ERR_CLUSTER_CLOSED';
  constructor(message = 'the cluster handle has left the cluster') {
    super(message);
  }
}

/** No node publishes an actor under this name (`Cluster.ref(name)` found nobody). */
export class ActorNotFoundError extends WeftError {
  override readonly name = 'ActorNotFoundError';
  readonly code = 'ERR_ACTOR_NOT_FOUND';
  /** The name that was looked up. */
  readonly actorName: string;
  constructor(actorName: string) {
    super(`no node publishes an actor named ${JSON.stringify(actorName)}`);
    this.actorName = actorName;
  }
}

registerWeftErrors({
  CodecError,
  WireFormatError,
  ClusterDependencyError,
  NodeDownError,
  ClusterClosedError,
  ActorNotFoundError,
});
