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
      /** Task modules to import while booting (`preloadModules`). */
      readonly preload: readonly string[];
      /** Set when the owning runtime observes: this thread reports its tasks. */
      readonly observe: ObserveSettings | undefined;
    }
  | {
      readonly mode: 'blocking';
      readonly port: MessagePort;
      readonly flags: Int32Array;
      /** The number its task reports carry (above the worker pool's threads). */
      readonly thread: number;
      readonly observe: ObserveSettings | undefined;
    };

const data = workerData as ThreadData;
// Before the worker makes the thread's runtime: it must be made observing.
const flushTasks =
  data.observe === undefined
    ? undefined
    : reportTasks(data.port, data.mode === 'pool' ? data.index + 1 : data.thread, data.observe);
if (data.mode === 'pool') new PoolWorker(data.port, data.index, data.shared).start(data.preload);
else new BlockingWorker(data.port, data.flags, flushTasks).start();
