import { currentRuntime, takeTaskId, type Runtime } from '../runtime/runtime.js';
import type { JoinHandle } from '../task/join-handle.js';
import { taskDefArg, type TaskDef } from './define-task.js';
import { RemoteJob } from './remote-job.js';
import { hubFor } from './hub.js';
import { takeArgTransfers } from './transfer.js';
import { wireArgs } from './channels/channel-wire.js';
import { KIND_CALL } from './pool/shared-memory.js';
import type { WorkerPool } from './pool/worker-pool.js';
import { callTraceParent } from './trace-context.js';

const blockingSite = { op: 'blocking' };
const workerSite = { op: 'worker' };

/**
 * Runs `task(...args)` on a thread of the current runtime's blocking pool,
 * one call per thread, and returns a normal `JoinHandle` (Tokio's
 * `spawn_blocking`). Use it for synchronous, CPU-heavy or blocking code that
 * would otherwise stall the event loop. Threads start on demand up to the
 * runtime's `maxBlockingThreads` and retire after `threadKeepAlive` ms idle;
 * further calls wait in a bounded queue.
 *
 * Arguments are structured-cloned when the call is made (`transfer` moves
 * buffers instead); the result and any error come back the same way, errors
 * with their class, message, stack and `cause`. Channel ends among the
 * arguments are moved to the thread, as with `spawnWorker`.
 *
 * **Cancellation**: aborting the handle of a call still queued removes it; the
 * handle rejects with a cancelled `JoinError`. A running call cannot be
 * interrupted mid-computation: its task's `signal` fires (when its thread's
 * event loop is free), `throwIfCancelled()` throws in it at once, and the
 * handle settles as cancelled when the call ends, its result discarded. A call
 * still running 1 s (`ABORT_GRACE_MS`) after the abort has its thread
 * terminated; the handle then settles as cancelled, and a new thread starts
 * when one is needed.
 *
 * @param task a `TaskDef` from `defineTask`
 * @param args the arguments, structured-cloned to the thread
 * @returns a `JoinHandle` for the call, on the current runtime
 * @throws TypeError if `task` is not a `TaskDef` or an argument cannot be cloned
 * @throws BlockingQueueFullError if every thread is busy and the queue is full
 *
 * @example
 * ```ts
 * import { defineTask, spawnBlocking } from 'weft/worker';
 * import { Runtime } from 'weft';
 * import { isMainThread } from 'node:worker_threads';
 * export const sum = defineTask(import.meta.url, 'sum', (n: number) => {
 *   let s = 0;
 *   for (let i = 1; i <= n; i++) s += i;
 *   return s;
 * });
 * // A thread imports this module to find 'sum': only the main thread runs the rest.
 * if (isMainThread) {
 *   const rt = Runtime.builder().maxBlockingThreads(2).build();
 *   const total = await rt.run(() => spawnBlocking(sum, 1_000_000));
 *   console.assert(total === 500000500000);
 *   await rt.shutdown(); // stops the pool's threads
 * }
 * ```
 */
export function spawnBlocking<A extends unknown[], R>(task: TaskDef<A, R>, ...args: A): JoinHandle<R> {
  const def = taskDefArg(task, 'spawnBlocking');
  const rt = currentRuntime();
  if (rt.isShutdown) return rt.spawn(() => undefined as R, { name: def.name }); // cancelled at once
  const job = newJob(def, args);
  job.carryTrace(callTraceParent(rt));
  // The call may go out before its proxy exists (the proxy is made once placing cannot throw):
  // the proxy's id is taken now, for an observing thread to name as the parent of the call's task.
  const id = takeTaskId();
  try {
    hubFor(rt).blocking().place(job, id);
  } catch (err) {
    job.dropPorts();
    throw err;
  }
  const proxy = rt.spawnProxy(def.name, 'blocking', id);
  job.attach(proxy, blockingSite);
  return proxy.handle as JoinHandle<R>;
}

/**
 * Runs `task(...args)` as an async task on one of the worker threads of the
 * current multi-thread runtime, and returns a normal `JoinHandle`. Each worker
 * runs a weft current-thread runtime and many such tasks at once (they can
 * sleep and use weft's primitives); calls are placed on per-worker queues in
 * shared memory, and an idle worker steals calls queued for a busy one.
 *
 * Arguments are structured-cloned when the call is made (`transfer` moves
 * buffers instead); the result and any error come back the same way, errors
 * with their class, message, stack and `cause`. mpsc and oneshot channel ends
 * among the arguments (or in arrays and plain objects among them) are moved
 * to the worker: closed here, usable there with the channel's capacity,
 * order and backpressure, and closed when the call settles. If the worker dies while
 * running the call, the handle rejects with a failed `JoinError` whose cause
 * is a `WorkerCrashedError`; calls still queued run on the other workers.
 *
 * **Cancellation**: aborting the handle of a call still queued removes it
 * from its queue. Aborting a running call aborts its task on the worker: its
 * `signal` fires and its weft waits reject with `CancelledError` (a
 * synchronous loop sees it through `throwIfCancelled()`); the handle settles
 * once the task has finished, as cancelled.
 *
 * @param task a `TaskDef` from `defineTask`
 * @param args the arguments, structured-cloned to the worker
 * @returns a `JoinHandle` for the call, on the current runtime
 * @throws TypeError if `task` is not a `TaskDef`, an argument cannot be cloned,
 *   or a channel end among them cannot be moved (closed, or from another thread)
 * @throws RuntimeFlavorError if the current runtime is current-thread
 *
 * @example
 * ```ts
 * import { defineTask, spawnWorker } from 'weft/worker';
 * import { Runtime, sleep } from 'weft';
 * import { isMainThread } from 'node:worker_threads';
 * export const greet = defineTask(import.meta.url, 'greet', async (name: string) => {
 *   await sleep(5); // a worker runs async tasks, with weft's timers
 *   return `hello, ${name}`;
 * });
 * if (isMainThread) {
 *   const rt = Runtime.builder().multiThread().workerThreads(2).build();
 *   const words = await rt.run(() => Promise.all(['a', 'b'].map((n) => spawnWorker(greet, n))));
 *   console.assert(words.join() === 'hello, a,hello, b');
 *   await rt.shutdown(); // stops the worker threads
 * }
 * ```
 */
export function spawnWorker<A extends unknown[], R>(task: TaskDef<A, R>, ...args: A): JoinHandle<R> {
  const def = taskDefArg(task, 'spawnWorker');
  const rt = currentRuntime();
  if (rt.isShutdown) return rt.spawn(() => undefined as R, { name: def.name }); // cancelled at once
  const pool = hubFor(rt).pool('spawnWorker');
  return spawnJob(rt, pool, newJob(def, args)) as JoinHandle<R>;
}

/**
 * A call of `def` with `args`: buffers marked by `transfer` and channel ends
 * among the arguments move with it.
 */
function newJob(def: TaskDef<any, any>, args: unknown[]): RemoteJob {
  const moved = takeArgTransfers(args);
  const wired = wireArgs(args);
  if (wired === undefined) return new RemoteJob(def, KIND_CALL, args, moved);
  const job = new RemoteJob(def, KIND_CALL, wired.args, [...(moved ?? []), ...wired.ports]);
  job.wired = true;
  return job;
}

/** Submits one call to the worker pool as a task of `rt`. */
export function spawnJob(rt: Runtime, pool: WorkerPool, job: RemoteJob): JoinHandle<unknown> {
  job.carryTrace(callTraceParent(rt));
  try {
    pool.prepare(job);
  } catch (err) {
    job.dropPorts();
    throw err;
  }
  const proxy = rt.spawnProxy(job.def.name);
  job.attach(proxy, workerSite);
  pool.submit(job);
  return proxy.handle!;
}
