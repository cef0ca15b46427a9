/**
 * weft/worker: the blocking pool (`spawnBlocking`), the multi-thread flavor's
 * worker threads with work stealing (`spawnWorker`, `parMap`), named tasks
 * (`defineTask`) and moving buffers between threads (`transfer`).
 * @module
 */
export { defineTask, TaskDef } from './define-task.js';
export { spawnBlocking, spawnWorker } from './spawn.js';
export { parMap } from './par-map.js';
export { workersReady } from './ready.js';
export { transfer, type Movable } from './transfer.js';
export { throwIfCancelled } from './cancel-probe.js';
export { registerError } from './wire/error-codec.js';
export { workerMetrics, threadResourceLimits, type WorkerMetrics } from './metrics.js';
export type { WorkerStats } from './pool/worker-pool.js';
export { BLOCKING_QUEUE_CAPACITY, ABORT_GRACE_MS, type BlockingStats } from './blocking/blocking-pool.js';
export {
  WorkerCrashedError,
  BlockingQueueFullError,
  RuntimeFlavorError,
  TaskNotFoundError,
  type CrashInfo,
} from './errors.js';
