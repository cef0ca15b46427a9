import { currentRuntime, type Runtime } from '../runtime/runtime.js';
import { JoinError, formatCauseChain } from '../task/errors.js';
import { OneshotSender } from '../sync/oneshot.js';
import type { ActorRef } from './actor-ref.js';

/** One dead letter: a message that reached no `receive` (the actor stopped, or it failed handling it). */
export interface DeadLetter {
  readonly ref: ActorRef<unknown>;
  readonly msg: unknown;
}

/** A `deadLetters()` subscriber: told every dead letter of its runtime. */
export interface DeadLetterSink {
  push(letter: DeadLetter): void;
}

/**
 * What the actors of one runtime share: the name registry, the dead-letter
 * subscribers and the id counter. One per runtime (a WeakMap), so tests
 * that build their own runtime see their own names and letters.
 */
export class ActorSystem {
  readonly names = new Map<string, ActorRef<any>>();
  readonly sinks = new Set<DeadLetterSink>();
  /** Dead letters published so far (also when nobody subscribed). */
  deadLetterCount = 0;

  constructor(readonly runtime: Runtime) {}

  /**
   * A message that will never be received: publish it, and close any reply
   * end it carries at the top level (an ask waiting on it then rejects at
   * once instead of timing out).
   */
  deadLetter(ref: ActorRef<any>, msg: unknown): void {
    this.deadLetterCount++;
    if (typeof msg === 'object' && msg !== null) {
      if (msg instanceof OneshotSender) msg.close();
      else
        for (const key in msg) {
          const v = (msg as Record<string, unknown>)[key];
          if (v instanceof OneshotSender) v.close();
        }
    }
    if (this.sinks.size === 0) return;
    const letter: DeadLetter = { ref, msg };
    for (const sink of this.sinks) sink.push(letter);
  }

  /**
   * Reports an actor failure through the runtime's `onTaskError` policy (as
   * a `JoinError` of the actor's task, cause = the failure). `handled` means
   * a supervisor deals with it (a restart): 'shutdown' then only warns.
   */
  report(taskId: number, label: string, error: unknown, handled: string | undefined): void {
    const policy = this.runtime.options.onTaskError;
    if (policy === 'ignore') return;
    if (policy === 'warn' || (policy === 'shutdown' && handled !== undefined)) {
      console.warn(
        `weft: actor ${label} failed${handled === undefined ? '' : ` (${handled})`}: ${formatCauseChain(error)}`,
      );
      return;
    }
    if (policy === 'shutdown') {
      void this.runtime.shutdown();
      return;
    }
    try {
      const result: unknown = policy(new JoinError('ERR_TASK_FAILED', taskId, label, error));
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
        Promise.resolve(result).then(undefined, handlerFailed);
      }
    } catch (err) {
      handlerFailed(err);
    }
  }
}

function handlerFailed(err: unknown): void {
  console.error(`weft: the onTaskError handler threw: ${formatCauseChain(err)}`);
}

const systems = new WeakMap<Runtime, ActorSystem>();

/** The actor system of `runtime` (default: the calling code's runtime). */
export function systemOf(runtime: Runtime = currentRuntime()): ActorSystem {
  let system = systems.get(runtime);
  if (system === undefined) systems.set(runtime, (system = new ActorSystem(runtime)));
  return system;
}
