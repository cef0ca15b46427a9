import type { OneshotSender } from '../sync/oneshot.js';
import type { ActorRef } from './actor-ref.js';

/** The reply end an `ask` puts in its message: send the answer through it once. */
export type Reply<R> = OneshotSender<R>;

/**
 * What an actor does: `init` makes its first state, `receive` handles one
 * message at a time and returns the next state, `terminate` runs on the way
 * out (a stop, a failure, or a restart of this incarnation by its supervisor).
 * `receive` is never called again before the previous call has settled.
 */
export interface Behavior<M, S, A extends unknown[] = []> {
  init(ctx: ActorContext<M>, ...args: A): S | PromiseLike<S>;
  receive(state: S, msg: M, ctx: ActorContext<M>): S | PromiseLike<S>;
  terminate?(state: S, reason: unknown, ctx: ActorContext<M>): unknown;
}

/** What a watcher receives when a watched actor stops for good. */
export interface Down {
  readonly type: 'down';
  readonly ref: ActorRef<any>;
  readonly reason: unknown;
}

/** What `init`, `receive` and `terminate` are given besides the state and message. */
export interface ActorContext<M> {
  /** This actor's own ref (tell yourself, hand it to others). */
  readonly self: ActorRef<M>;
  /** Aborted when the actor stops for good (after `terminate` ran), or is killed. */
  readonly signal: AbortSignal;
  /** When `ref` stops, this actor receives `{ type: 'down', ref, reason }` (a monitor). Idempotent per ref. */
  watch(ref: ActorRef<any>): void;
  /** Cancels a `watch`; a `down` already in the mailbox stays there. */
  unwatch(ref: ActorRef<any>): void;
  /** A failure of either actor stops the other with the same reason (both ways). */
  link(ref: ActorRef<any>): void;
  /** Sets `msg` aside; `unstashAll()` puts the stashed messages back before the mailbox, in order. */
  stash(msg: M): void;
  unstashAll(): void;
}

/** Whether a stop reason counts as normal (OTP: `normal`, `shutdown`): links do not propagate it, transient children are not restarted. */
export function isNormalReason(reason: unknown): boolean {
  return reason === undefined || reason === 'normal' || reason === 'shutdown';
}
