/**
 * weft/actor: actors on weft's own parts (a bounded mpsc mailbox, a weft
 * task per actor) with OTP supervision, monitors and links, a name registry
 * and dead letters.
 * @module
 */
export * from './errors.js';
export { ActorRef, ASK_TIMEOUT } from './actor-ref.js';
export type { Behavior, ActorContext, Reply, Down } from './behavior.js';
export { spawnActor, MAILBOX_CAPACITY, type SpawnActorOptions } from './spawn-actor.js';
export { defineActor, ActorDef } from './define-actor.js';
export { registry, type Registry } from './registry.js';
export { deadLetters, DEAD_LETTER_BUFFER, type DeadLetters } from './dead-letters.js';
export type { DeadLetter } from './system.js';
export { supervisor, type Supervisor } from './supervisor.js';
export { SHUTDOWN_TIMEOUT, type ChildSpec, type Backoff } from './child-spec.js';
