import type { ResourceLimits } from 'node:worker_threads';
import { setMultiThreadRunHook, type Runtime } from '../runtime/runtime.js';
import type { ThreadMetricsSource, WorkerMetrics as RuntimeWorkerMetrics } from '../runtime/metrics.js';
import { BlockingPool } from './blocking/blocking-pool.js';
import { WorkerPool } from './pool/worker-pool.js';
import { RuntimeFlavorError } from './errors.js';
import type { ThreadSettings } from './threads.js';
import { receiveTaskReport } from './task-report.js';

/**
 * A runtime's threads: its blocking pool and (multi-thread flavor) its worker
 * pool, both started on first use. Registered once with the runtime, which
 * reads its counters for `metrics()` and calls `shutdown()` when it shuts down.
 */
export class ThreadHub implements ThreadMetricsSource {
  readonly settings: ThreadSettings = { resourceLimits: undefined };
  #blocking: BlockingPool | undefined = undefined;
  #pool: WorkerPool | undefined = undefined;

  constructor(readonly runtime: Runtime) {
    const observe = runtime.observeSettings;
    if (observe !== undefined) {
      // Worker threads observe with the owner and report their tasks to it.
      this.settings.observe = observe;
      this.settings.onTasks = (thread, report) => receiveTaskReport(runtime, thread, report);
    }
  }

  get blockingThreads(): number {
    return this.#blocking?.threads ?? 0;
  }

  get idleBlockingThreads(): number {
    return this.#blocking?.idleThreads ?? 0;
  }

  get blockingQueueDepth(): number {
    return this.#blocking?.queueDepth ?? 0;
  }

  /** `RuntimeMetrics.perWorker`: the pool's figures (empty until the pool is made). */
  perWorker(): RuntimeWorkerMetrics[] {
    const pool = this.#pool;
    if (pool === undefined) return [];
    return pool.stats().map((s) => ({
      index: s.index,
      busyMs: s.busyTime,
      parks: s.parks,
      steals: s.tasksStolen,
      queueDepth: s.queueDepth,
      polls: s.tasksRun,
    }));
  }

  get blockingPool(): BlockingPool | undefined {
    return this.#blocking;
  }

  get workerPool(): WorkerPool | undefined {
    return this.#pool;
  }

  blocking(): BlockingPool {
    const o = this.runtime.options;
    return (this.#blocking ??= new BlockingPool({
      max: o.maxBlockingThreads,
      keepAlive: o.threadKeepAlive,
      prefix: o.threadName,
      settings: this.settings,
      firstThread: o.flavor === 'multi-thread' ? o.workerThreads + 1 : 1,
    }));
  }

  /** The worker pool; throws `RuntimeFlavorError` (on behalf of `fn`) on a current-thread runtime. */
  pool(fn: string): WorkerPool {
    if (this.#pool !== undefined) return this.#pool;
    const o = this.runtime.options;
    if (o.flavor !== 'multi-thread') throw new RuntimeFlavorError(fn);
    return (this.#pool = new WorkerPool(o.workerThreads, o.threadName, this.settings));
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.#blocking?.close(), this.#pool?.close()]);
  }
}

const hubs = new WeakMap<Runtime, ThreadHub>();

/** The hub of `runtime`, created (and attached to it) on first use. */
export function hubFor(runtime: Runtime): ThreadHub {
  let hub = hubs.get(runtime);
  if (hub === undefined) {
    const created = new ThreadHub(runtime);
    hubs.set(runtime, created);
    runtime.attachThreads(created, () => created.shutdown());
    hub = created;
  }
  return hub;
}

/** The hub of `runtime` if it has one. */
export function existingHub(runtime: Runtime): ThreadHub | undefined {
  return hubs.get(runtime);
}

/** Sets the V8 resource limits of threads the runtime starts from now on. */
export function setResourceLimits(runtime: Runtime, limits: ResourceLimits | undefined): void {
  (hubFor(runtime).settings as { resourceLimits: ResourceLimits | undefined }).resourceLimits = limits;
}

// `run()` of a multi-thread runtime starts its worker threads at once, so the
// first `spawnWorker`/`parMap` finds them booting rather than starting them.
setMultiThreadRunHook((runtime) => {
  if (!runtime.isShutdown) hubFor(runtime).pool('run').start();
});
