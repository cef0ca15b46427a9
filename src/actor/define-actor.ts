import { func } from '../core/validate.js';
import type { Behavior } from './behavior.js';

/**
 * A behavior with an address: the module that defines it and its name there,
 * so a worker thread can import the module and find it. Made by
 * `defineActor`; `spawnActor({ thread: 'worker' }, def)` needs one.
 *
 * @example
 * ```ts
 * import { ActorDef, defineActor } from 'weft/actor';
 * export const counter = defineActor(import.meta.url, 'counter', { init: () => 0, receive: (n: number, by: number) => n + by });
 * console.assert(counter instanceof ActorDef && counter.name === 'counter');
 * ```
 */
export class ActorDef<M, S, A extends unknown[] = []> {
  /** The defining module's `import.meta.url`. */
  readonly moduleUrl: string;
  /** The actor's name, unique in its module. */
  readonly name: string;
  /** The behavior, for running the actor on this thread. */
  readonly behavior: Behavior<M, S, A>;

  /** @internal use `defineActor`. */
  constructor(moduleUrl: string, name: string, behavior: Behavior<M, S, A>) {
    this.moduleUrl = moduleUrl;
    this.name = name;
    this.behavior = behavior;
    Object.freeze(this);
  }
}

/** One registry per process (shared by every copy of weft loaded in a thread). */
const registryKey = Symbol.for('weft.actor.defs');
const defs: Map<string, Map<string, ActorDef<any, any, any>>> = ((globalThis as any)[registryKey] ??= new Map());

/**
 * Registers a behavior under (`moduleUrl`, `name`) so that
 * `spawnActor({ thread: 'worker' }, def)` can start it on a worker thread
 * (the worker imports `moduleUrl`, which runs this call there, and finds the
 * behavior by name): `defineTask` for actors. Call it at the top level of a
 * module with that module's `import.meta.url`.
 *
 * @param moduleUrl the defining module's `import.meta.url`
 * @param name unique within the module
 * @param behavior the actor's behavior
 * @returns the definition to pass to `spawnActor`
 * @throws TypeError for a non-string url or name, or a behavior without
 *   `init`/`receive` functions (a second definition under the same name
 *   replaces the first: a module loaded twice defines again)
 *
 * @example
 * ```ts
 * import { defineActor, spawnActor } from 'weft/actor';
 * const doubler = defineActor(import.meta.url, 'doubler', {
 *   init: () => [] as number[],
 *   receive: (seen: number[], n: number) => [...seen, n * 2],
 * });
 * const ref = spawnActor(doubler); // on this thread; { thread: 'worker' } places it on a worker
 * ref.tell(21);
 * await ref.stop();
 * ```
 */
export function defineActor<M, S, A extends unknown[] = []>(
  moduleUrl: string,
  name: string,
  behavior: Behavior<M, S, A>,
): ActorDef<M, S, A> {
  if (typeof moduleUrl !== 'string' || moduleUrl === '')
    throw new TypeError('defineActor: moduleUrl must be a non-empty string (pass import.meta.url)');
  if (typeof name !== 'string' || name === '') throw new TypeError('defineActor: name must be a non-empty string');
  checkBehavior(behavior, 'defineActor');
  let byName = defs.get(moduleUrl);
  if (byName === undefined) defs.set(moduleUrl, (byName = new Map()));
  const known = byName.get(name);
  if (known !== undefined) {
    if (known.behavior === behavior) return known as ActorDef<M, S, A>;
    // Re-running a module (a second copy of weft, or a test re-import) re-registers: keep the newest.
  }
  const def = new ActorDef(moduleUrl, name, behavior);
  byName.set(name, def);
  return def;
}

/** @internal The definition registered under (moduleUrl, name) in this thread, if its module was loaded. */
export function findActorDef(moduleUrl: string, name: string): ActorDef<any, any, any> | undefined {
  return defs.get(moduleUrl)?.get(name);
}

/** @internal Checks the shape of a behavior. */
export function checkBehavior(behavior: unknown, fn: string): void {
  if (typeof behavior !== 'object' || behavior === null)
    throw new TypeError(`${fn}: behavior must be an object with init and receive`);
  const b = behavior as Behavior<unknown, unknown, unknown[]>;
  func(b.init, fn, 'behavior.init');
  func(b.receive, fn, 'behavior.receive');
  if (b.terminate !== undefined) func(b.terminate, fn, 'behavior.terminate');
}
