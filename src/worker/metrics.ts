import type { ResourceLimits } from 'node:worker_threads';
import { currentRuntime, type Runtime } from '../runtime/runtime.js';
import { existingHub, setResourceLimits } from './hub.js';
import { liveThreads } from './threads.js';
import type { WorkerStats } from './pool/worker-pool.js';
import type { BlockingStats } from './blocking/blocking-pool.js';

/** A snapshot of a runtime's threads (`workerMetrics()`). */
export interface WorkerMetrics {
  flavor: 'current-thread' | 'multi-thread';
  /** One entry per worker of the multi-thread flavor (empty until the pool starts, and for current-thread). */
  workers: WorkerStats[];
  /** The blocking pool. */
  blocking: BlockingStats;
  /** weft threads alive in this process, all runtimes together. */
  liveThreads: number;
}

const noBlocking: BlockingStats = {
  threads: 0,
  idleThreads: 0,
  queueDepth: 0,
  tasksRun: 0,
  threadsStarted: 0,
  busyTime: 0,
};

/**
 * Per-thread figures of a runtime: for each worker of the multi-thread flavor
 * its queue depth, running tasks, tasks run, tasks stolen and busy time; for
 * the blocking pool its size, idle threads and queue depth. `Runtime.metrics()`
 * carries the blocking pool's totals too.
 *
 * @param runtime the runtime; default the current one
 * @returns a snapshot (not live)
 *
 * @example
 * ```ts
 * import { Runtime } from 'weft';
 * import { workerMetrics } from 'weft/worker';
 * const rt = Runtime.builder().multiThread().workerThreads(2).build();
 * const m = workerMetrics(rt);
 * console.assert(m.flavor === 'multi-thread' && m.workers.length === 0); // no worker started yet
 * await rt.shutdown();
 * ```
 */
export function workerMetrics(runtime?: Runtime): WorkerMetrics {
  const rt = runtime ?? currentRuntime();
  const hub = existingHub(rt);
  return {
    flavor: rt.options.flavor,
    workers: hub?.workerPool?.stats() ?? [],
    blocking: hub?.blockingPool?.stats() ?? noBlocking,
    liveThreads: liveThreads.count,
  };
}

/**
 * Sets the V8 resource limits (heap sizes, stack size) of the threads a
 * runtime starts from now on, worker and blocking threads alike; threads
 * already running keep theirs. A thread that exceeds its heap limit dies,
 * and the task it ran settles with `WorkerCrashedError`.
 *
 * @param runtime the runtime
 * @param limits Node's `ResourceLimits`, or undefined for Node's defaults
 * @throws TypeError if `limits` is not an object
 *
 * @example
 * ```ts
 * import { Runtime } from 'weft';
 * import { threadResourceLimits } from 'weft/worker';
 * const rt = Runtime.builder().multiThread().build();
 * threadResourceLimits(rt, { maxOldGenerationSizeMb: 256 });
 * await rt.shutdown();
 * ```
 */
export function threadResourceLimits(runtime: Runtime, limits: ResourceLimits | undefined): void {
  if (limits !== undefined && (typeof limits !== 'object' || limits === null)) {
    throw new TypeError('threadResourceLimits: limits must be an object');
  }
  setResourceLimits(runtime, limits === undefined ? undefined : { ...limits });
}
