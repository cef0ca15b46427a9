import { currentTaskRecord, type Frame } from '../core/context.js';
import { RESOLVED, newPromise } from '../core/promise.js';
import { WaitQueue, type Cancellable, type WaitNode } from '../core/wait-queue.js';
import { CancellationToken, onTokenCancel } from './cancellation-token.js';
import { CancelledError, JoinError } from './errors.js';
import type { TaskHost } from './host.js';
import type { JoinHandle } from './join-handle.js';
import { beginPoll, endLastPoll, endPoll, taskWoken, type TaskObs } from './observation.js';

/** What a task body receives: its identity and its cancellation. */
export interface TaskContext {
  readonly id: number;
  readonly name: string | undefined;
  /** Aborts when the task is aborted. Created on first use. */
  readonly signal: AbortSignal;
  /** The task's token: cancelling it aborts the task. Created on first use. */
  readonly token: CancellationToken;
}

export type TaskBody<T> = (task: TaskContext) => T | PromiseLike<T>;

/**
 * @internal What a body returns to leave its task running after it returns:
 * the task's owner ends it with `finish()`. An actor does, so that an idle
 * actor keeps no promise for the end of its life (`actor/local-actor.ts`).
 */
export const OWNER_FINISHES: unique symbol = Symbol('weft.ownerFinishes');

/** Told when a task it owns has finished (JoinSet, scope). */
export interface TaskOwner {
  taskDone(task: Task): void;
}

/** Where a task is in its life; kept cheap to read for introspection. */
export const enum TaskState {
  Scheduled = 0,
  Running = 1,
  Done = 2,
}

export const enum Outcome {
  Pending = 0,
  Ok = 1,
  Failed = 2,
  Cancelled = 3,
}

/**
 * The runtime's record of one task. It is also the task's async-context frame
 * and the `TaskContext` its body receives; `JoinHandle` is the public face.
 *
 * The record keeps, cheaply, what introspection will want: the state, the
 * list of weft waits the task is parked in (each says what it waits on), and
 * when it was spawned.
 */
export class Task implements Frame, TaskContext {
  readonly id: number;
  readonly name: string | undefined;
  readonly runtime: TaskHost;
  body: TaskBody<unknown> | undefined;
  result: unknown = undefined;
  // Four plain fields, not one packed word behind accessors: the packed form
  // saved 24 B per task but made spawn + join 4–10% slower on Node 24
  // (bench/ab-processes.ts, RESULTS.md session 21).
  state = TaskState.Scheduled;
  outcome = Outcome.Pending;
  /** `abort()` was called (or the runtime had shut down when it was spawned). */
  cancelRequested = false;
  /** Someone will see a failure (the handle was awaited, or a JoinSet or scope owns the task). */
  observed = false;
  owner: TaskOwner | undefined = undefined;
  handle: JoinHandle<unknown> | undefined = undefined;
  /** Neighbours in the runtime's list of alive tasks. */
  rtPrev: Task | undefined = undefined;
  rtNext: Task | undefined = undefined;
  /** Head of the intrusive list of weft waits this task is parked in. */
  waits: Cancellable | undefined = undefined;
  /** Joiners parked on this task (`await handle` in a task, `handle.join()`), made on first need. */
  joiners: WaitQueue<WaitNode<unknown>> | undefined = undefined;
  /** Introspection's record of it: set only when its runtime observes. */
  obs: TaskObs | undefined = undefined;
  /** What `whenDone()` returns; made on first demand (most tasks are never waited for before they finish). */
  #done: Promise<unknown> | undefined = undefined;
  /** What few tasks need; allocated on first need, so a plain task stays small. */
  #rare: RareFields | undefined = undefined;

  constructor(runtime: TaskHost, id: number, name: string | undefined, body: TaskBody<unknown> | undefined) {
    this.runtime = runtime;
    this.id = id;
    this.name = name;
    this.body = body;
  }

  get task(): Task {
    return this;
  }

  /** Task-local values visible in this task (set only for a scope body, which shares its caller's). */
  get locals(): ReadonlyMap<object, unknown> | undefined {
    return this.#rare?.locals;
  }

  set locals(locals: ReadonlyMap<object, unknown> | undefined) {
    if (locals !== undefined || this.#rare !== undefined) this.#more().locals = locals;
  }

  /** What `abort()` was given, if anything. */
  get abortReason(): unknown {
    return this.#rare?.abortReason;
  }

  #more(): RareFields {
    return (this.#rare ??= new RareFields());
  }

  get token(): CancellationToken {
    const rare = this.#more();
    if (rare.token === undefined) {
      const token = new CancellationToken();
      rare.token = token;
      if (this.cancelRequested) token.cancel(this.signalReason());
      else onTokenCancel(token, (reason) => this.abort(reason));
    }
    return rare.token;
  }

  get signal(): AbortSignal {
    return this.token.signal;
  }

  get isFinished(): boolean {
    return this.state === TaskState.Done;
  }

  /** The error a weft wait in this task rejects with once the task is aborted. */
  cancelError(): CancelledError {
    const rare = this.#more();
    return (rare.cancelError ??= new CancelledError(
      `task ${this.id}${this.name === undefined ? '' : ` (${this.name})`} was cancelled`,
      rare.abortReason === undefined ? undefined : { cause: rare.abortReason },
    ));
  }

  /** What the task's signal aborts with: the abort reason, or the task's CancelledError. */
  signalReason(): unknown {
    return this.abortReason === undefined ? this.cancelError() : this.abortReason;
  }

  /**
   * Requests cancellation: the token and signal fire, then every weft wait the
   * task is parked in rejects with `CancelledError`. A no-op once finished.
   */
  abort(reason?: unknown): void {
    if (this.cancelRequested || this.state === TaskState.Done) return;
    this.cancelRequested = true;
    if (reason !== undefined) this.#more().abortReason = reason;
    this.#rare?.token?.cancel(this.signalReason());
    const error = this.cancelError();
    // Cancelling one wait can settle others of this task (a join/select hook aborts
    // its branches' signals), unlinking them and breaking a walk of the live list:
    // take a snapshot first. Cancelling a settled wait is a no-op.
    const head = this.waits;
    if (head === undefined) return;
    if (head.tNext === undefined) {
      head.cancel(error);
      return;
    }
    const waits: Cancellable[] = [];
    for (let w: Cancellable | undefined = head; w !== undefined; w = w.tNext) waits.push(w);
    for (const w of waits) w.cancel(error);
  }

  linkWait(w: Cancellable): void {
    // Parking ends the running poll (task times only).
    if (this.obs?.times !== undefined) endPoll(this, this.obs.times);
    w.task = this;
    w.tPrev = undefined;
    w.tNext = this.waits;
    if (this.waits !== undefined) this.waits.tPrev = w;
    this.waits = w;
  }

  unlinkWait(w: Cancellable): void {
    const { tPrev, tNext } = w;
    if (tPrev === undefined) {
      if (this.waits === w) this.waits = tNext;
    } else tPrev.tNext = tNext;
    if (tNext !== undefined) tNext.tPrev = tPrev;
    w.task = w.tPrev = w.tNext = undefined;
    // A settled wait wakes the task (task times only).
    const obs = this.obs;
    if (obs?.times !== undefined) taskWoken(this, obs.times);
  }

  /** Records how the body ended. A body that ends after an abort was cancelled, unless its cleanup threw something else. */
  finish(threw: boolean, value: unknown): void {
    if (this.state === TaskState.Done) return;
    this.state = TaskState.Done;
    this.body = undefined;
    const times = this.obs?.times;
    if (times !== undefined) endLastPoll(times);
    if (!threw) {
      this.outcome = this.cancelRequested ? Outcome.Cancelled : Outcome.Ok;
      this.result = this.cancelRequested ? undefined : value;
    } else if (this.cancelRequested && this.isCancellation(value)) {
      this.outcome = Outcome.Cancelled;
    } else {
      this.outcome = Outcome.Failed;
      this.result = value;
    }
    this.runtime.taskFinished(this);
    this.owner?.taskDone(this);
    const joiners = this.joiners;
    if (joiners !== undefined) {
      this.joiners = undefined;
      // A loop, not drain() with a closure: most finished tasks that had a
      // joiner pass here, and the closure was a tenth of what a worker call
      // allocates on the calling thread.
      const ok = this.outcome === Outcome.Ok;
      for (let w = joiners.shift(); w !== undefined; w = joiners.shift()) {
        if (ok) w.complete(this.result);
        else w.fail(this.joinError());
      }
    }
    this.#rare?.resolve?.(this.outcome === Outcome.Ok ? this.result : undefined);
  }

  /** Parks a joiner until the task finishes (the caller has checked it has not). */
  addJoiner(w: WaitNode<unknown>): void {
    (this.joiners ??= new WaitQueue()).push(w);
  }

  /**
   * Settles (never rejects) once the task has finished: with its value if it
   * returned one, else with undefined. Handed out by `JoinHandle.then`, so a
   * joiner of a finished task chains on it directly.
   */
  whenDone(): Promise<unknown> {
    if (this.#done === undefined) {
      if (this.state === TaskState.Done) {
        this.#done = this.outcome === Outcome.Ok ? Promise.resolve(this.result) : RESOLVED;
      } else {
        this.#done = newPromise(this.#more());
      }
    }
    return this.#done;
  }

  /** Runs the body. Called in the task's own microtask job, inside its async-context frame. */
  run(): void {
    if (this.cancelRequested) {
      this.finish(true, this.cancelError());
      return;
    }
    this.state = TaskState.Running;
    const times = this.obs?.times;
    if (times !== undefined) beginPoll(times);
    let result: unknown;
    try {
      result = this.body!(this);
    } catch (err) {
      this.finish(true, err);
      return;
    }
    if (result === OWNER_FINISHES) return;
    if (
      result !== null &&
      (typeof result === 'object' || typeof result === 'function') &&
      typeof (result as PromiseLike<unknown>).then === 'function'
    ) {
      // The reaction's promise doubles as the task's `#done` (unless a joiner asked
      // for one earlier): a spawn makes no promise, resolver or closure of its own.
      const settled = Promise.resolve(result).then(bodyReturned, bodyThrew);
      this.#done ??= settled;
    } else {
      this.finish(false, result);
    }
  }

  isCancellation(err: unknown): boolean {
    if (err instanceof CancelledError || this.#isAbortReason(err)) return true;
    // Node's own APIs (timers/promises, events.once, streams) reject an aborted
    // call with an AbortError whose cause is the signal's reason.
    return err instanceof Error && err.name === 'AbortError' && this.#isAbortReason(err.cause);
  }

  #isAbortReason(value: unknown): boolean {
    const rare = this.#rare;
    return (
      value !== undefined &&
      rare !== undefined &&
      (value === rare.abortReason ||
        value === rare.cancelError ||
        (rare.token !== undefined && value === rare.token.reason))
    );
  }

  /** The JoinError for a task that did not return a value. */
  joinError(): JoinError {
    // One error per task, however many times the handle is awaited.
    return (this.#more().joinError ??=
      this.outcome === Outcome.Cancelled
        ? new JoinError('ERR_TASK_CANCELLED', this.id, this.name, this.abortReason)
        : new JoinError('ERR_TASK_FAILED', this.id, this.name, this.result));
  }
}

/** The fields of a `Task` that most tasks never use. */
class RareFields {
  locals: ReadonlyMap<object, unknown> | undefined = undefined;
  abortReason: unknown = undefined;
  token: CancellationToken | undefined = undefined;
  cancelError: CancelledError | undefined = undefined;
  joinError: JoinError | undefined = undefined;
  /** Resolves a `whenDone()` promise made before the task finished (filled by newPromise). */
  resolve: ((value: unknown) => void) | undefined = undefined;
  reject: ((reason: unknown) => void) | undefined = undefined;
}

/**
 * The task the calling code runs in, if any (the core's `currentTaskRecord()`,
 * typed as the task layer's record).
 * @internal
 */
export function runningTask(): Task | undefined {
  return currentTaskRecord() as Task | undefined;
}

// Shared by every task: a reaction job runs in the async-context frame it was
// created in, which for these is the task's own, so they need no closure.
function bodyReturned(value: unknown): unknown {
  const task = runningTask()!;
  task.finish(false, value);
  return task.outcome === Outcome.Ok ? value : undefined;
}

function bodyThrew(err: unknown): void {
  runningTask()!.finish(true, err);
}
