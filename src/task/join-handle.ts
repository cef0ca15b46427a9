import { Outcome, TaskState, runningTask, type Task } from './task.js';
import { JoinWait } from './join-wait.js';

/** @internal The task behind a handle. */
export let taskOf: (handle: JoinHandle<unknown>) => Task;

/**
 * A handle to a spawned task. Await it for the task's value; it rejects with a
 * `JoinError` if the task failed or was aborted. Dropping the handle does not
 * cancel the task (as in Tokio); call `abort()` for that.
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

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const task = this.#task;
    task.observed = true;
    // Observing: the awaiting task shows a 'join' wait until this task finishes.
    if (task.obs !== undefined && task.state !== TaskState.Done && runningTask()?.obs !== undefined) new JoinWait(task);
    // A task that returned a value: whenDone() settles with it, no wrapper needed.
    if (task.outcome === Outcome.Ok) return task.whenDone().then(onFulfilled as (value: unknown) => R1, onRejected);
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
