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
}

/** Filled in by a runtime's blocking pool and worker threads, when it has them. */
export interface ThreadMetricsSource {
  blockingThreads: number;
  idleBlockingThreads: number;
  blockingQueueDepth: number;
}
