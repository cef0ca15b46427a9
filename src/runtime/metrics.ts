/** A snapshot of a runtime's counters (`runtime.metrics()`). */
export interface RuntimeMetrics {
  flavor: 'current-thread' | 'multi-thread';
  /** Worker threads of the multi-thread flavor (0 for current-thread: tasks run on the calling thread). */
  workers: number;
  /** Tasks spawned and not yet finished. */
  aliveTasks: number;
  spawnedTasks: number;
  /** Tasks that returned a value. */
  completedTasks: number;
  /** Tasks that threw (including cleanup that threw during an abort). */
  failedTasks: number;
  /** Tasks that ended because they were aborted. */
  cancelledTasks: number;
  /** Threads in the blocking pool, busy or idle. */
  blockingThreads: number;
  idleBlockingThreads: number;
  /** `spawnBlocking` calls waiting for a thread. */
  blockingQueueDepth: number;
  /** Polls counted with `observe({ taskTimes: true })` (else 0). */
  pollCount: number;
  /** Polls that ran past `observe({ longPoll })` (task times only). */
  longPollCount: number;
  /** Times the cooperative budget ran out and an immediately-ready operation yielded to the macrotask queue. */
  budgetForcedYields: number;
  /** Event-loop delay in ms (`perf_hooks.monitorEventLoopDelay`, 10 ms resolution), for an observing runtime (else 0). */
  eventLoopDelay: { p50: number; p99: number; max: number };
  /** Share of time the event loop was busy since `build()`, 0–1 (`performance.eventLoopUtilization`). */
  eventLoopUtilization: number;
  /** Poll durations in ms (task times only): `counts[i]` polls took at most `bounds[i]`; the last count is the rest. */
  pollTimeHistogram: HistogramSnapshot;
  /** Time from wake to resumption in ms (task times only), same buckets. */
  scheduledDelayHistogram: HistogramSnapshot;
  /** Multi-thread flavor: one entry per worker thread (empty otherwise). */
  perWorker: WorkerMetrics[];
}

/** A histogram of durations in ms: `counts[i]` values were <= `bounds[i]`, the last count is the rest; `sum` totals them all. */
export interface HistogramSnapshot {
  bounds: number[];
  counts: number[];
  sum: number;
}

/** One worker thread's figures (`RuntimeMetrics.perWorker`). */
export interface WorkerMetrics {
  index: number;
  /** Ms the worker spent running calls. */
  busyMs: number;
  /** Times it ran out of work and waited. */
  parks: number;
  /** Calls it took from another worker's queue. */
  steals: number;
  /** Calls queued on it now. */
  queueDepth: number;
  /** Calls it ran. */
  polls: number;
}

/** Filled in by a runtime's blocking pool and worker threads, when it has them. */
export interface ThreadMetricsSource {
  blockingThreads: number;
  idleBlockingThreads: number;
  blockingQueueDepth: number;
  /** Per-worker figures of the multi-thread flavor, when the pool keeps them. */
  perWorker?: () => WorkerMetrics[];
}
