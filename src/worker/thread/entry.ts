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

/** What a weft thread is started with (`workerData`). */
export type ThreadData =
  | {
      readonly mode: 'pool';
      readonly port: MessagePort;
      readonly index: number;
      readonly shared: SharedPool;
      /** Task modules to import while booting (`preloadModules`). */
      readonly preload: readonly string[];
    }
  | { readonly mode: 'blocking'; readonly port: MessagePort; readonly flags: Int32Array };

const data = workerData as ThreadData;
if (data.mode === 'pool') new PoolWorker(data.port, data.index, data.shared).start(data.preload);
else new BlockingWorker(data.port, data.flags).start();
