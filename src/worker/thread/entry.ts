/**
 * The entry of every weft thread (`threads.ts` boots it): one class per kind
 * of thread, chosen by the data the thread was started with.
 *
 * - `pool`: a worker of the multi-thread flavor (`pool-worker.ts`);
 * - `blocking`: a blocking-pool thread (`blocking-worker.ts`).
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import type { SharedPool } from '../pool/shared-memory.js';
import { PoolWorker } from './pool-worker.js';
import { BlockingWorker } from './blocking-worker.js';
import type { ObserveSettings } from '../../runtime/introspection.js';
import { reportTasks } from '../task-report.js';

/** What a weft thread is started with (`workerData`). */
export type ThreadData =
  | {
      readonly mode: 'pool';
      readonly port: MessagePort;
      readonly index: number;
      readonly shared: SharedPool;
      /** Set when the owning runtime observes: this thread reports its tasks. */
      readonly observe: ObserveSettings | undefined;
    }
  | { readonly mode: 'blocking'; readonly port: MessagePort; readonly flags: Int32Array };

const data = workerData as ThreadData;
if (data.mode === 'pool') {
  // Before the worker makes the thread's runtime: it must be made observing.
  if (data.observe !== undefined) reportTasks(data.port, data.index + 1, data.observe);
  new PoolWorker(data.port, data.index, data.shared).start();
} else new BlockingWorker(data.port, data.flags).start();
