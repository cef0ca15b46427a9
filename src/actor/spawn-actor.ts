import { integer } from '../core/validate.js';
import { MAX_CAPACITY } from '../sync/mpsc/chan.js';
import type { ActorRef } from './actor-ref.js';
import type { Behavior } from './behavior.js';
import { ActorDef, checkBehavior } from './define-actor.js';
import { LocalActor } from './local-actor.js';
import { systemOf } from './system.js';
import { spawnOnWorker } from './remote-actor.js';

/** The default mailbox capacity. */
export const MAILBOX_CAPACITY = 1024;

/** Options of `spawnActor`. */
export interface SpawnActorOptions {
  /** A label shown in errors, reports and introspection (not registered: see `registry()`). */
  name?: string;
  /** Mailbox capacity, an integer from 1 to 2^30, default 1,024. */
  mailbox?: number;
  /** Where the actor runs: this thread (default) or a worker of a multi-thread runtime (needs an `ActorDef`). */
  thread?: 'local' | 'worker';
}

/**
 * Starts an actor and returns its ref. The actor is a weft task: it runs
 * `init(ctx, ...args)`, then `receive(state, msg, ctx)` for one message at a
 * time (the returned value is the next state), and `terminate(state, reason,
 * ctx)` on the way out. Its mailbox is a bounded weft mpsc channel. `init`
 * runs on a later microtask: messages told before it finishes wait in the
 * mailbox.
 *
 * An actor that fails (init or receive throws) without a supervisor stops
 * with the error as its reason; the failure is reported through the
 * runtime's `onTaskError` policy. Under a `supervisor` it is restarted
 * according to its child spec, keeping its mailbox.
 *
 * @param options name, mailbox capacity (default 1,024), thread
 * @param behavior a `Behavior`, or an `ActorDef` from `defineActor`
 * @param args passed to `init` after the context (cloned when the actor runs on a worker)
 * @returns the actor's ref
 * @throws TypeError for a malformed behavior or options; RangeError for a
 *   bad mailbox capacity; RuntimeFlavorError (from weft/worker) for
 *   `thread: 'worker'` outside a multi-thread runtime
 *
 * @example
 * ```ts
 * import { spawnActor, type Reply } from 'weft/actor';
 * type Msg = { type: 'push'; item: string } | { type: 'list'; reply: Reply<string[]> };
 * const list = spawnActor({ name: 'list', mailbox: 64 }, {
 *   init: (_ctx, first: string) => [first],
 *   receive: (items: string[], msg: Msg) => {
 *     if (msg.type === 'push') return [...items, msg.item];
 *     msg.reply.send(items);
 *     return items;
 *   },
 * }, 'a');
 * list.tell({ type: 'push', item: 'b' });
 * console.assert((await list.ask<string[]>((reply) => ({ type: 'list', reply }))).join() === 'a,b');
 * await list.stop();
 * ```
 */
export function spawnActor<M, S, A extends unknown[]>(
  behavior: Behavior<M, S, A> | ActorDef<M, S, A>,
  ...args: A
): ActorRef<M>;
export function spawnActor<M, S, A extends unknown[]>(
  options: SpawnActorOptions,
  behavior: Behavior<M, S, A> | ActorDef<M, S, A>,
  ...args: A
): ActorRef<M>;
export function spawnActor(first: unknown, ...rest: unknown[]): ActorRef<unknown> {
  let options: SpawnActorOptions;
  let behavior: unknown;
  let args: unknown[];
  if (first instanceof ActorDef || isBehavior(first)) {
    options = {};
    behavior = first;
    args = rest;
  } else {
    if (typeof first !== 'object' || first === null)
      throw new TypeError('spawnActor: expected a behavior, an ActorDef or options');
    options = first as SpawnActorOptions;
    behavior = rest[0];
    args = rest.slice(1);
  }
  const name = options.name;
  if (name !== undefined && typeof name !== 'string') throw new TypeError('spawnActor: options.name must be a string');
  const mailbox =
    options.mailbox === undefined
      ? MAILBOX_CAPACITY
      : integer(options.mailbox, 'spawnActor', 'options.mailbox', 1, MAX_CAPACITY);
  const thread = options.thread ?? 'local';
  if (thread !== 'local' && thread !== 'worker')
    throw new TypeError("spawnActor: options.thread must be 'local' or 'worker'");
  if (thread === 'worker') {
    if (!(behavior instanceof ActorDef))
      throw new TypeError("spawnActor: thread 'worker' needs an ActorDef (from defineActor), not a plain behavior");
    return spawnOnWorker(behavior, args, name, mailbox);
  }
  const b = behavior instanceof ActorDef ? (behavior.behavior as Behavior<unknown, unknown, unknown[]>) : behavior;
  checkBehavior(b, 'spawnActor');
  return new LocalActor(systemOf(), b as Behavior<unknown, unknown, unknown[]>, args, name, mailbox).ref;
}

function isBehavior(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { receive?: unknown }).receive === 'function';
}
