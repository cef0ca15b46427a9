import type { ActorRef } from './actor-ref.js';
import type { ActorDef } from './define-actor.js';

/** Starts `def` on a worker thread of the current multi-thread runtime. */
export function spawnOnWorker<M>(
  def: ActorDef<M, any, any>,
  _args: unknown[],
  _name: string | undefined,
  _mailbox: number,
): ActorRef<M> {
  throw new Error(`spawnActor({ thread: 'worker' }): placing actor ${def.name} on a worker is not available yet`);
}
