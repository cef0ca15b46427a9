import { runningTask, type Task } from '../task/task.js';

/**
 * Abort flags in shared memory: on a worker or blocking thread, the calling
 * thread sets a job's flag when it aborts the job, before the abort message
 * (which a thread busy in synchronous code would read only when it is done).
 */
let flags: Int32Array | undefined;

/**
 * The owner of a call's task on a worker or blocking thread carries the word
 * of its abort flag (the owner is made per call slot and reused, so finding
 * the flag costs no per-task table).
 */
export interface FlaggedOwner {
  flag: number;
}

/** Worker side: where this thread's abort flags live. */
export function useAbortFlags(array: Int32Array): void {
  flags = array;
}

/** True if `task` was aborted, here or (through its flag) by the thread that spawned it. Aborts it locally then. */
export function isAborted(task: Task): boolean {
  if (task.cancelRequested) return true;
  if (flags === undefined) return false;
  const word = (task.owner as Partial<FlaggedOwner> | undefined)?.flag;
  if (word === undefined || Atomics.load(flags, word) === 0) return false;
  task.abort();
  return true;
}

/**
 * Throws the current task's `CancelledError` if the task has been aborted.
 * Meant for long synchronous loops in worker and blocking tasks, which never
 * reach a weft wait and whose event loop is not free to receive the abort
 * message: there the abort is seen through shared memory, the moment the
 * caller calls `handle.abort()`. Anywhere else it checks the calling weft
 * task; outside any task it does nothing.
 *
 * @throws CancelledError (the task's) once the task has been aborted
 *
 * **Cancellation**: this is a cancellation point: once it throws, the task
 * ends as cancelled (unless the code catches the error).
 *
 * @example
 * ```ts
 * import { JoinError, spawn } from 'weft';
 * import { throwIfCancelled } from 'weft/worker';
 * const handle = spawn(async () => {
 *   for (let i = 0; ; i++) {
 *     if (i % 1024 === 0) throwIfCancelled(); // what a CPU-bound loop on a worker would do
 *     await new Promise((resolve) => setImmediate(resolve));
 *   }
 * });
 * handle.abort();
 * const err = await handle.catch((e: unknown) => e);
 * console.assert(err instanceof JoinError && err.isCancelled());
 * ```
 */
export function throwIfCancelled(): void {
  const task = runningTask();
  if (task !== undefined && isAborted(task)) throw task.cancelError();
}
