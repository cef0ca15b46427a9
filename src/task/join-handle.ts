import { Outcome, TaskState, type Task } from './task.js';
import { currentTaskRecord } from '../core/context.js';
import { signalOf } from '../core/validate.js';
import { fastPath } from '../core/fast-path.js';
import { parkJoin } from './join-wait.js';

/** @internal The task behind a handle. */
export let taskOf: (handle: JoinHandle<unknown>) => Task;

/**
 * A handle to a spawned task. Await it (or call `join()`) for the task's
 * value; it rejects with a `JoinError` if the task failed or was aborted.
 * Dropping the handle does not cancel the task (as in Tokio); call `abort()`
 * for that.
 *
 * **Cancellation**: `await handle` inside a task is a weft wait (listed in the
 * task's waits as `join`): aborting the awaiting task rejects the await at once
 * with its `CancelledError`, and the awaited task runs on. `join({ signal })`
 * adds a signal.
 *
 * @example
 * ```ts
 * import { spawn } from 'weft';
 * const handle = spawn(async () => 6 * 7);
 * console.assert((await handle) === 42);
 * ```
 */
export class JoinHandle<T> implements PromiseLike<T> {
  readonly #task: Task;

  static {
    taskOf = (handle) => handle.#task;
  }

  /** @internal Handles come from `spawn()`. */
  constructor(task: Task) {
    this.#task = task;
  }

  get id(): number {
    return this.#task.id;
  }

  get name(): string | undefined {
    return this.#task.name;
  }

  /** True once the task has finished (returned, failed or been cancelled). */
  get isFinished(): boolean {
    return this.#task.isFinished;
  }

  /**
   * Aborts the task: its signal fires and its pending weft waits reject with
   * `CancelledError`; its `finally` blocks run before the handle settles. A
   * no-op once the task has finished.
   */
  abort(reason?: unknown): void {
    this.#task.abort(reason);
  }

  /**
   * Waits for the task and returns its value; rejects with its `JoinError` if
   * it failed or was aborted. `await handle` is the same wait without a signal.
   *
   * The wait is a weft wait: it is listed in the calling task's waits (site
   * `join`) and, like every wait, is cancelled by the caller's abort.
   *
   * @param options.signal aborting it rejects the join with `signal.reason`
   * @returns the task's value
   * @throws JoinError (as a rejection) if the task failed or was aborted
   * @throws TypeError if `options.signal` is not an AbortSignal
   *
   * **Cancellation**: aborting `options.signal` or the calling task rejects the
   * join at once (with `signal.reason` or the caller's `CancelledError`); the
   * joined task is not aborted and runs on (as dropping a `JoinHandle` future
   * in Tokio). Call `abort()` to stop it.
   *
   * @example
   * ```ts
   * import { spawn, sleep } from 'weft';
   * const slow = spawn(async () => { await sleep(50); return 'done'; });
   * const gaveUp = await slow.join({ signal: AbortSignal.timeout(5) }).catch((e: unknown) => e);
   * console.assert(gaveUp instanceof DOMException && !slow.isFinished); // still running
   * console.assert((await slow) === 'done');
   * ```
   */
  join(options?: { signal?: AbortSignal }): Promise<T> {
    const signal = signalOf(options, 'JoinHandle.join');
    const task = this.#task;
    task.observed = true;
    if (task.state === TaskState.Done) {
      const later = fastPath(signal, this, this.join, options);
      if (later !== undefined) return later;
      return (task.outcome === Outcome.Ok ? task.whenDone() : Promise.reject(task.joinError())) as Promise<T>;
    }
    return parkJoin(task, signal) as Promise<T>;
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const task = this.#task;
    task.observed = true;
    // A task that returned a value: whenDone() settles with it, no wrapper needed.
    if (task.outcome === Outcome.Ok) return task.whenDone().then(onFulfilled as (value: unknown) => R1, onRejected);
    // Awaited inside a task before it finished: a weft wait, so aborting the awaiting task reaches it.
    if (task.state !== TaskState.Done && currentTaskRecord() !== undefined)
      return parkJoin(task, undefined).then(onFulfilled as (value: unknown) => R1, onRejected);
    // Outside any task nothing can cancel the await: chain on the task's own settlement.
    return task.whenDone().then(() => {
      if (task.outcome === Outcome.Ok) {
        return onFulfilled ? onFulfilled(task.result as T) : (task.result as R1);
      }
      const error = task.joinError();
      if (onRejected) return onRejected(error);
      throw error;
    });
  }

  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<T> {
    return Promise.resolve(this).finally(onFinally);
  }

  get [Symbol.toStringTag](): string {
    return 'JoinHandle';
  }
}
