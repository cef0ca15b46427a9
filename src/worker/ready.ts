import { currentRuntime, type Runtime } from '../runtime/runtime.js';
import { hubFor } from './hub.js';

/**
 * Resolves once every worker thread of a multi-thread runtime has booted and
 * can take calls at once. `run()` of a multi-thread runtime starts its worker
 * threads (as Tokio's builder starts its workers), so the first `spawnWorker`
 * or `parMap` already finds them booting; booting costs a fresh V8 isolate and
 * weft's worker entry per thread (measured on a shared 2-core machine with
 * the compiled `dist/` build: 110–125 ms for one thread, 145–235 ms for two;
 * several times that under `tsx`, which compiles the sources in each
 * thread), so a call made early in `run()` waits for a thread. Await this when a measurement or a latency-sensitive first
 * call must not include that start-up. While it boots, each worker also
 * imports the task modules defined on this thread so far (every module that
 * has called `defineTask`, as a pool that is given its worker file loads it at
 * start), and is ready once they are loaded, so the first call of their tasks
 * runs at once; a module that fails to load is skipped (its tasks' calls fail
 * with its error). A task module loaded after the threads started is imported
 * by the first call of one of its tasks on each thread.
 *
 * On a current-thread runtime (no worker threads) it resolves at once. It
 * starts the worker threads if they are not running yet (a runtime that has
 * not been `run()`); on a runtime that has shut down it resolves at once.
 *
 * **Cancellation**: the promise is not tied to a task; abandoning it leaves
 * nothing behind, and the threads keep booting.
 *
 * @param runtime the runtime; default the current one
 * @returns a promise that resolves (never rejects) when every worker thread has
 *   booted, or its slot gave up starting after repeated failures
 *
 * @example
 * ```ts
 * import { Runtime } from 'weft';
 * import { workersReady, workerMetrics } from 'weft/worker';
 * const rt = Runtime.builder().multiThread().workerThreads(2).build();
 * await rt.run(async () => {
 *   await workersReady(); // booted by run(): the next call starts at once
 *   console.assert(workerMetrics().workers.every((w) => w.alive));
 * });
 * await rt.shutdown();
 * ```
 */
export function workersReady(runtime?: Runtime): Promise<void> {
  const rt = runtime ?? currentRuntime();
  if (rt.options.flavor !== 'multi-thread' || rt.isShutdown) return Promise.resolve();
  return hubFor(rt).pool('workersReady').whenReady();
}
