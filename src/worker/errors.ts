import { WeftError, registerWeftErrors } from '../core/errors.js';
/**
 * Errors of `weft/worker`. Each has a `name` and a stable `code`; the ones a
 * worker thread can raise are rebuilt as the same class on the main thread.
 */

/** What a `WorkerCrashedError` says about the thread and the task it lost. */
export interface CrashInfo {
  /** The name of the task (its `defineTask` name) the thread was holding. */
  readonly taskName: string;
  /** The id of the task's `JoinHandle` on the calling thread. */
  readonly taskId: number;
  /** The thread's name (`threadName` prefix plus an index). */
  readonly threadName: string;
  /** The thread's exit code, when it exited (undefined when it was terminated by weft). */
  readonly exitCode: number | undefined;
}

/**
 * The thread running a task died before the task finished: an uncaught
 * exception on the worker, `process.exit()`, running out of memory under
 * `resourceLimits`, or `worker.terminate()`. `cause` is the thread's error,
 * when it reported one. Tasks still queued for that thread are not lost: they
 * run on the other threads (and on the replacement the pool starts).
 *
 * @example
 * ```ts
 * import { WorkerCrashedError } from 'weft/worker';
 * const e = new WorkerCrashedError({ taskName: 'hash', taskId: 7, threadName: 'weft-worker-0', exitCode: 1 });
 * console.assert(e.code === 'ERR_WORKER_CRASHED' && e.message.includes("'hash'"));
 * ```
 */
export class WorkerCrashedError extends WeftError {
  override readonly name = 'WorkerCrashedError';
  readonly code = 'ERR_WORKER_CRASHED';
  readonly taskName: string;
  readonly taskId: number;
  readonly threadName: string;
  readonly exitCode: number | undefined;

  constructor(info: CrashInfo, options?: { cause?: unknown }) {
    const how = info.exitCode === undefined ? 'was terminated' : `exited with code ${info.exitCode}`;
    super(
      `worker thread ${info.threadName} ${how} while running task '${info.taskName}' (task ${info.taskId})`,
      options,
    );
    this.taskName = info.taskName;
    this.taskId = info.taskId;
    this.threadName = info.threadName;
    this.exitCode = info.exitCode;
  }
}

/**
 * `spawnBlocking` found the blocking pool's queue full: every thread is busy,
 * the pool is at `maxBlockingThreads`, and `capacity` calls already wait.
 * Nothing was queued; retry later or shed the work.
 *
 * @example
 * ```ts
 * import { BlockingQueueFullError } from 'weft/worker';
 * const e = new BlockingQueueFullError(4096);
 * console.assert(e.code === 'ERR_BLOCKING_QUEUE_FULL' && e.capacity === 4096);
 * ```
 */
export class BlockingQueueFullError extends WeftError {
  override readonly name = 'BlockingQueueFullError';
  readonly code = 'ERR_BLOCKING_QUEUE_FULL';
  /** How many calls the queue holds. */
  readonly capacity: number;

  constructor(capacity: number) {
    super(`spawnBlocking: the blocking pool's queue is full (${capacity} calls wait for a thread)`);
    this.capacity = capacity;
  }
}

/**
 * `spawnWorker` or `parMap` was called on a current-thread runtime. Worker
 * threads belong to a multi-thread runtime:
 * `Runtime.builder().multiThread().build()`, then call them inside `rt.run()`.
 *
 * @example
 * ```ts
 * import { RuntimeFlavorError } from 'weft/worker';
 * const e = new RuntimeFlavorError('spawnWorker');
 * console.assert(e.code === 'ERR_NOT_MULTI_THREAD');
 * ```
 */
export class RuntimeFlavorError extends WeftError {
  override readonly name = 'RuntimeFlavorError';
  readonly code = 'ERR_NOT_MULTI_THREAD';

  constructor(fn: string) {
    super(
      `${fn}: the current runtime is current-thread; worker threads need a multi-thread runtime ` +
        '(Runtime.builder().multiThread().build(), then call it inside rt.run())',
    );
  }
}

/**
 * A worker thread imported a task's module but found no `defineTask` call
 * with that name in it (the call must run at the module's top level).
 *
 * @example
 * ```ts
 * import { TaskNotFoundError } from 'weft/worker';
 * const e = new TaskNotFoundError('file:///app/tasks.js', 'hash');
 * console.assert(e.code === 'ERR_TASK_NOT_FOUND');
 * ```
 */
export class TaskNotFoundError extends WeftError {
  override readonly name = 'TaskNotFoundError';
  readonly code = 'ERR_TASK_NOT_FOUND';

  constructor(moduleUrl: string, taskName: string) {
    super(
      `task '${taskName}' is not defined in ${moduleUrl}: call defineTask(import.meta.url, '${taskName}', fn) ` +
        "at that module's top level",
    );
  }
}

registerWeftErrors({ WorkerCrashedError, BlockingQueueFullError, RuntimeFlavorError, TaskNotFoundError });
