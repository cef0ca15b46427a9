import { ActorRef } from './actor-ref.js';
import { systemOf } from './system.js';

/** The name registry of a runtime (Erlang's `register`/`whereis`). */
export interface Registry {
  /**
   * Registers `ref` under `name`. A name is freed when its actor stops.
   * @throws TypeError for an empty/non-string name or a non-ref; RangeError if
   *   the name is taken by a live actor (Erlang's `already_registered`)
   */
  register(name: string, ref: ActorRef<any>): void;
  /** The live actor registered under `name`, or undefined. */
  whereis<M>(name: string): ActorRef<M> | undefined;
  /** Frees `name` (a no-op if it is not registered). */
  unregister(name: string): void;
}

/**
 * The name registry of the current runtime: register an actor under a name,
 * find it by that name anywhere in the program. A stopped actor's names are
 * removed when it stops.
 *
 * @returns the registry (one per runtime)
 *
 * @example
 * ```ts
 * import { spawnActor, registry } from 'weft/actor';
 * const ref = spawnActor({ init: () => 0, receive: (n: number, by: number) => n + by });
 * registry().register('counter', ref);
 * console.assert(registry().whereis<number>('counter') === ref);
 * await ref.stop();
 * console.assert(registry().whereis('counter') === undefined);
 * ```
 */
export function registry(): Registry {
  const names = systemOf().names;
  return {
    register(name: string, ref: ActorRef<any>): void {
      if (typeof name !== 'string' || name === '')
        throw new TypeError('registry().register: name must be a non-empty string');
      if (!(ref instanceof ActorRef)) throw new TypeError('registry().register: ref must be an ActorRef');
      const known = names.get(name);
      if (known !== undefined && known !== ref && known.isAlive)
        throw new RangeError(`registry().register: the name ${name} is already registered`);
      if (!ref.isAlive) return;
      names.set(name, ref);
    },
    whereis<M>(name: string): ActorRef<M> | undefined {
      const ref = names.get(name);
      if (ref === undefined) return undefined;
      if (!ref.isAlive) {
        names.delete(name);
        return undefined;
      }
      return ref as ActorRef<M>;
    },
    unregister(name: string): void {
      names.delete(name);
    },
  };
}
