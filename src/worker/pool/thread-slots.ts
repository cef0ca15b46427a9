/**
 * The pool's thread slots: one per worker index. A slot keeps its index (and
 * its run queue) across the threads that occupy it: a replacement starts in
 * the slot of a thread that died.
 */
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { startThread, type ThreadSettings } from '../threads.js';
import type { FromThread } from '../wire/messages.js';
import { RUNNING, type PoolMemory } from './shared-memory.js';

/** Per-worker figures (`workerMetrics().workers`). */
export interface WorkerStats {
  /** The worker's index, 0 to `workerThreads - 1`; a replacement keeps it. */
  readonly index: number;
  /** The thread's name. */
  readonly threadName: string;
  /** True while a thread runs at this index. */
  readonly alive: boolean;
  /** Calls waiting in this worker's run queue. */
  readonly queueDepth: number;
  /** Calls this worker holds and has not finished: claimed from the queues, or sent to it by message. */
  readonly running: number;
  /** Calls this worker ran to the end (its replacements included). */
  readonly tasksRun: number;
  /** Of those, calls it took from another worker's queue. */
  readonly tasksStolen: number;
  /** Times it ran out of work and parked (waited on its doorbell, after watching the queues). */
  readonly parks: number;
  /**
   * Milliseconds the thread's event loop was busy (running code, not waiting;
   * this includes the up to 50 µs an idle worker watches the queues before it parks).
   */
  readonly busyTime: number;
  /** Threads that died at this index and were replaced. */
  readonly restarts: number;
}

export class Slot {
  worker: Worker | undefined = undefined;
  port: MessagePort | undefined = undefined;
  ready = false;
  error: unknown = undefined;
  restarts = 0;
  failedStarts = 0;
  busyBefore = 0;
  readonly name: string;
  constructor(
    readonly index: number,
    prefix: string,
  ) {
    this.name = `${prefix}-${index}`;
  }

  /** Milliseconds of busy event loop, this slot's threads together. */
  get busyTime(): number {
    return this.busyBefore + busyOf(this.worker);
  }

  /** Starts a thread in this slot; `onMessage` and `onExit` hear from it. */
  start(
    mem: PoolMemory,
    settings: ThreadSettings,
    refed: boolean,
    onMessage: (slot: Slot, message: FromThread) => void,
    onExit: (slot: Slot, worker: Worker, code: number) => void,
  ): void {
    const { port1, port2 } = new MessageChannel();
    mem.perWorker.setState(this.index, RUNNING);
    mem.perWorker.resetActive(this.index);
    const worker = startThread(
      this.name,
      { mode: 'pool', index: this.index, shared: mem.shared, port: port2, observe: settings.observe },
      [port2],
      settings,
    );
    this.worker = worker;
    this.port = port1;
    this.ready = false;
    this.error = undefined;
    port1.on('message', (message: FromThread) => onMessage(this, message));
    port1.unref();
    worker.on('error', (err) => {
      this.error = err;
    });
    worker.once('exit', (code) => onExit(this, worker, code));
    if (!refed) worker.unref();
  }

  /** The thread has gone: keeps its busy time, and lets go of it. */
  detach(): void {
    this.busyBefore += busyOf(this.worker); // not readable once it has exited
    this.worker = undefined;
  }
}

function busyOf(worker: Worker | undefined): number {
  if (worker === undefined) return 0;
  try {
    return worker.performance.eventLoopUtilization().active;
  } catch {
    return 0;
  }
}
