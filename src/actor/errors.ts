import { WeftError, registerWeftErrors } from '../core/errors.js';

/**
 * `tell` found the actor's mailbox full. The message was not delivered; it
 * comes back in `.value`. Use `send` to wait for room instead.
 *
 * @example
 * ```ts
 * import { spawnActor, MailboxFullError } from 'weft/actor';
 * const ref = spawnActor({ mailbox: 1 }, { init: () => 0, receive: (n: number) => n });
 * ref.tell(1);
 * try { ref.tell(2); } catch (e) { console.assert(e instanceof MailboxFullError && e.value === 2); }
 * await ref.stop();
 * ```
 */
export class MailboxFullError<M = unknown> extends WeftError {
  override readonly name = 'MailboxFullError';
  readonly code = 'ERR_MAILBOX_FULL';
  /** The message that was not delivered. */
  readonly value: M;
  /** The id of the actor whose mailbox was full. */
  readonly actorId: string;
  constructor(actorId: string, value: M) {
    super(`the mailbox of actor ${actorId} is full`);
    this.actorId = actorId;
    this.value = value;
  }
}

/**
 * The actor has stopped (or is stopping): it takes no more messages. A
 * message that was refused comes back in `.value`; `.reason` is why the actor
 * stopped, when known.
 *
 * @example
 * ```ts
 * import { spawnActor, ActorStoppedError } from 'weft/actor';
 * const ref = spawnActor({ init: () => 0, receive: (n: number) => n });
 * await ref.stop();
 * try { ref.tell(1); } catch (e) { console.assert(e instanceof ActorStoppedError && e.code === 'ERR_ACTOR_STOPPED'); }
 * ```
 */
export class ActorStoppedError<M = unknown> extends WeftError {
  override readonly name = 'ActorStoppedError';
  readonly code = 'ERR_ACTOR_STOPPED';
  /** The message that was refused (undefined when none was involved). */
  readonly value: M | undefined;
  /** The id of the stopped actor. */
  readonly actorId: string;
  constructor(actorId: string, value?: M, message = `actor ${actorId} has stopped`, options?: { cause?: unknown }) {
    super(message, options);
    this.actorId = actorId;
    this.value = value;
  }
}

/**
 * No reply to an `ask` arrived within its `timeout`.
 *
 * @example
 * ```ts
 * import { spawnActor, AskTimeoutError, type Reply } from 'weft/actor';
 * const silent = spawnActor({ init: () => 0, receive: (s: number, _m: { reply: Reply<number> }) => s });
 * const err = await silent.ask<number>((reply) => ({ reply }), { timeout: 5 }).catch((e: unknown) => e);
 * console.assert(err instanceof AskTimeoutError && err.timeout === 5);
 * await silent.stop();
 * ```
 */
export class AskTimeoutError extends WeftError {
  override readonly name = 'AskTimeoutError';
  readonly code = 'ERR_ASK_TIMEOUT';
  /** The timeout that passed, in ms. */
  readonly timeout: number;
  /** The id of the actor that was asked. */
  readonly actorId: string;
  constructor(actorId: string, timeout: number) {
    super(`actor ${actorId} did not reply within ${timeout} ms`);
    this.actorId = actorId;
    this.timeout = timeout;
  }
}

/**
 * A supervisor saw more than `intensity` restarts within `period` ms, stopped
 * its children (in reverse start order) and gave up. Its own supervisor sees
 * this error as the failure of that child; a top-level supervisor's
 * `stopped()` resolves with it. `cause` is the failure that broke the limit.
 *
 * @example
 * ```ts
 * import { supervisor, spawnActor, SupervisorGaveUpError } from 'weft/actor';
 * const sup = supervisor({
 *   strategy: 'one-for-one', intensity: 0, period: 1_000,
 *   children: [{ id: 'bad', start: () => spawnActor({ init: () => { throw new Error('no'); }, receive: (s: number) => s }) }],
 * });
 * const reason = await sup.stopped();
 * console.assert(reason instanceof SupervisorGaveUpError && reason.code === 'ERR_SUPERVISOR_GAVE_UP');
 * ```
 */
export class SupervisorGaveUpError extends WeftError {
  override readonly name = 'SupervisorGaveUpError';
  readonly code = 'ERR_SUPERVISOR_GAVE_UP';
  /** The supervisor's name, when it has one. */
  readonly supervisor: string | undefined;
  /** The id of the child whose failure broke the limit. */
  readonly childId: string;
  /** Restarts allowed in the period, and the period in ms. */
  readonly intensity: number;
  readonly period: number;
  constructor(supervisor: string | undefined, childId: string, intensity: number, period: number, cause: unknown) {
    super(
      `supervisor${supervisor === undefined ? '' : ` ${supervisor}`} gave up: more than ${intensity} restart(s) in ${period} ms (last: child ${childId})`,
      { cause },
    );
    this.supervisor = supervisor;
    this.childId = childId;
    this.intensity = intensity;
    this.period = period;
  }
}

registerWeftErrors({ MailboxFullError, ActorStoppedError, AskTimeoutError, SupervisorGaveUpError });
