/**
 * The blocking pool (Tokio's `spawn_blocking`), main-thread side: one call at
 * a time per thread; threads start on demand up to `maxBlockingThreads` and
 * retire after `threadKeepAlive` ms idle; calls beyond that wait in a bounded
 * queue (full: `BlockingQueueFullError`).
 *
 * Abort: a queued call is removed at once. A running call gets its abort flag
 * set (seen by `throwIfCancelled()`) and an abort message (its task's signal
 * fires when the thread's event loop gets to it); it settles as cancelled when
 * it ends. If it has not ended `ABORT_GRACE_MS` later, the thread is
 * terminated (a new one starts when needed) and the call settles as
 * cancelled. So a handle settles only once the work has stopped.
 *
 * When the runtime observes, each thread reports its tasks (`task-report.ts`)
 * as thread number `firstThread`, `firstThread + 1`, ... (one number per
 * thread started, above the worker pool's), and a retiring thread sends its
 * last report before it exits.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { FAILED, type RemoteJob, type JobHost } from '../remote-job.js';
import { decodeThrown, type EncodedThrown } from '../wire/error-codec.js';
import { startThread, type ThreadSettings } from '../threads.js';
import { Op, type AbortMessage, type FromThread, type RetireMessage, type RunMessage } from '../wire/messages.js';
import { BlockingQueueFullError } from '../errors.js';
import { MAX_THREAD_NUMBER } from '../task-report.js';

/** Calls that may wait for a blocking thread before `spawnBlocking` throws `BlockingQueueFullError`. */
export const BLOCKING_QUEUE_CAPACITY = 16_384;
/** How long an aborted blocking call may keep running before its thread is terminated. */
export const ABORT_GRACE_MS = 1000;

/** Blocking pool figures (`workerMetrics().blocking`). */
export interface BlockingStats {
  /** Threads in the pool, busy or idle. */
  readonly threads: number;
  readonly idleThreads: number;
  /** Calls waiting for a thread. */
  readonly queueDepth: number;
  /** Calls finished (returned, threw or were cancelled) on the pool's threads. */
  readonly tasksRun: number;
  /** Threads started since the pool was created (retired and crashed ones included). */
  readonly threadsStarted: number;
  /** Milliseconds the live threads' event loops were busy. */
  readonly busyTime: number;
}

class Thread {
  job: RemoteJob | undefined = undefined;
  idleTimer: NodeJS.Timeout | undefined = undefined;
  graceTimer: NodeJS.Timeout | undefined = undefined;
  error: unknown = undefined;
  /**
   * Decided to retire (set in the same step as `terminate()`): it takes no
   * more calls, though it stays in the pool (and counts toward the maximum)
   * until it has exited.
   */
  retiring = false;
  constructor(
    readonly name: string,
    /** What its task reports are numbered as (`TaskInfo.thread`). */
    readonly number: number,
    readonly worker: Worker,
    readonly port: MessagePort,
    readonly flags: Int32Array,
  ) {}
}

export interface BlockingOptions {
  readonly max: number;
  readonly keepAlive: number;
  readonly prefix: string;
  readonly settings: ThreadSettings;
  /** The number the first thread reports as: one above the worker pool's threads. */
  readonly firstThread: number;
}

export class BlockingPool implements JobHost {
  readonly #options: BlockingOptions;
  readonly #threads = new Set<Thread>();
  #head: RemoteJob | undefined = undefined;
  #tail: RemoteJob | undefined = undefined;
  #queued = 0;
  #nextId = 1;
  #started = 0;
  #ran = 0;
  #closed = false;
  #nextNumber: number;

  constructor(options: BlockingOptions) {
    this.#options = options;
    this.#nextNumber = options.firstThread;
  }

  get threads(): number {
    return this.#threads.size;
  }

  get idleThreads(): number {
    let idle = 0;
    for (const t of this.#threads) if (t.job === undefined && !t.retiring) idle++;
    return idle;
  }

  get queueDepth(): number {
    return this.#queued;
  }

  stats(): BlockingStats {
    let busy = 0;
    for (const t of this.#threads) busy += busyOf(t.worker);
    return {
      threads: this.#threads.size,
      idleThreads: this.idleThreads,
      queueDepth: this.#queued,
      tasksRun: this.#ran,
      threadsStarted: this.#started,
      busyTime: busy,
    };
  }

  /**
   * Sends `job` to an idle thread (starting one if the pool may grow), or
   * queues it with a copy of its arguments taken now. `parent` is the id its
   * proxy task will have (it is made once this returns).
   * @throws BlockingQueueFullError when the queue is full; TypeError when the arguments cannot be cloned
   */
  place(job: RemoteJob, parent: number): void {
    if (this.#closed) throw new Error('spawnBlocking: the blocking pool is closed');
    const thread = this.#idleThread() ?? (this.#threads.size < this.#options.max ? this.#startThread() : undefined);
    if (thread !== undefined) {
      this.#dispatch(thread, job, parent);
    } else {
      if (this.#queued >= BLOCKING_QUEUE_CAPACITY) throw new BlockingQueueFullError(BLOCKING_QUEUE_CAPACITY);
      try {
        // A copy taken now (the caller may change its objects); moved buffers move into the copy.
        const list = job.transferList;
        const copy = structuredClone({ args: job.args, list }, list === undefined ? undefined : { transfer: list });
        job.args = copy.args;
        job.transferList = copy.list;
      } catch (err) {
        throw cloneError(job, err);
      }
      job.link = undefined;
      if (this.#tail === undefined) this.#head = job;
      else this.#tail.link = job;
      this.#tail = job;
      this.#queued++;
    }
    job.host = this;
  }

  abort(job: RemoteJob): void {
    if (job.settled) return;
    if (job.worker < 0) {
      this.#queued--; // stays linked; #next() skips settled jobs
      job.cancelled();
      return;
    }
    for (const thread of this.#threads) {
      if (thread.job !== job) continue;
      Atomics.store(thread.flags, 0, 1);
      const message: AbortMessage = { op: Op.Abort, j: job.index, gen: 0, reason: job.proxy.abortReason };
      try {
        thread.port.postMessage(message);
      } catch {
        message.reason = undefined;
        thread.port.postMessage(message);
      }
      thread.graceTimer = setTimeout(() => {
        if (thread.job !== job) return;
        thread.retiring = true; // its result may still arrive before it exits: it takes no next call
        void thread.worker.terminate();
      }, ABORT_GRACE_MS);
      return;
    }
  }

  /** Settles queued calls, stops every thread (running calls settle as cancelled or crashed) and waits for them to exit. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (let job = this.#head; job !== undefined; job = job.link) {
      if (job.settled) continue;
      if (job.aborting) job.cancelled();
      else job.crash(`${this.#options.prefix}-blocking`, undefined, new Error('the runtime shut down'));
    }
    this.#head = this.#tail = undefined;
    this.#queued = 0;
    const exits: Promise<unknown>[] = [];
    for (const thread of this.#threads) {
      exits.push(new Promise((resolve) => thread.worker.once('exit', resolve)));
      void thread.worker.terminate();
    }
    await Promise.all(exits);
  }

  /** A thread that can take a call now: idle and not retiring. */
  #idleThread(): Thread | undefined {
    for (const thread of this.#threads) if (thread.job === undefined && !thread.retiring) return thread;
    return undefined;
  }

  /**
   * @internal Test hook: retires every idle thread now, as its keep-alive
   * timer would (so a test can hand a call over in the same step).
   */
  retireIdle(): void {
    for (const thread of this.#threads) if (thread.job === undefined) this.#retire(thread);
  }

  /**
   * Retires an idle thread. The decision and the hand-off of calls both run on
   * this thread, and `#idleThread()` skips a retiring thread, so a call is
   * never handed to a thread that is exiting (its `terminate()` completes
   * later, and a call posted to it in between would be lost with it).
   */
  #retire(thread: Thread): void {
    if (thread.job !== undefined || thread.retiring) return;
    thread.retiring = true;
    if (thread.idleTimer !== undefined) clearTimeout(thread.idleTimer);
    thread.idleTimer = undefined;
    if (this.#options.settings.observe === undefined) {
      void thread.worker.terminate();
      return;
    }
    // Its last report may still be pending (tasks that ended within REPORT_MS):
    // it sends it and exits; it is terminated if it has not exited by the grace period.
    thread.port.postMessage({ op: Op.Retire } satisfies RetireMessage);
    thread.graceTimer = setTimeout(() => void thread.worker.terminate(), ABORT_GRACE_MS);
    thread.graceTimer.unref();
  }

  #dispatch(thread: Thread, job: RemoteJob, parent: number): void {
    if (thread.retiring) throw new Error('weft: a call was handed to a retiring blocking thread'); // a bug, not a user error
    const id = this.#nextId;
    const message: RunMessage = {
      op: Op.Run,
      j: id,
      gen: 0,
      task: -1,
      url: job.def.moduleUrl,
      name: job.def.name,
      kind: job.kind,
      args: job.args!,
      ch: job.wired,
    };
    if (this.#options.settings.observe !== undefined) message.parent = parent;
    Atomics.store(thread.flags, 0, 0);
    try {
      thread.port.postMessage(message, job.transferList ?? []);
    } catch (err) {
      throw cloneError(job, err);
    }
    this.#nextId = (id % 0x7fffffff) + 1;
    if (thread.idleTimer !== undefined) {
      clearTimeout(thread.idleTimer);
      thread.idleTimer = undefined;
    }
    thread.job = job;
    job.index = id;
    job.worker = 1;
    job.args = undefined;
    thread.worker.ref();
  }

  #startThread(): Thread {
    const { port1, port2 } = new MessageChannel();
    const name = `${this.#options.prefix}-blocking-${this.#started++}`;
    const flags = new Int32Array(new SharedArrayBuffer(4));
    const number = this.#threadNumber();
    const settings = this.#options.settings;
    const data = { mode: 'blocking', port: port2, flags, thread: number, observe: settings.observe };
    const worker = startThread(name, data, [port2], settings);
    const thread = new Thread(name, number, worker, port1, flags);
    this.#threads.add(thread);
    port1.on('message', (message: FromThread) => this.#onMessage(thread, message));
    port1.unref();
    worker.unref();
    worker.on('error', (err) => {
      thread.error = err;
    });
    worker.once('exit', (code) => this.#onExit(thread, code));
    return thread;
  }

  /**
   * The number a new thread reports as: the next of a count from
   * `firstThread`, so a new thread's tasks never share their thread (nor
   * their ids, from `thread × 2^40`) with those of a thread that has gone,
   * which stay retained a while. Past `MAX_THREAD_NUMBER` (ids must stay exact
   * doubles) the count starts again, skipping the numbers of running threads.
   */
  #threadNumber(): number {
    for (;;) {
      const n = this.#nextNumber;
      this.#nextNumber = n >= MAX_THREAD_NUMBER ? this.#options.firstThread : n + 1;
      let running = false;
      for (const t of this.#threads) if (t.number === n) running = true;
      if (!running) return n;
    }
  }

  #onMessage(thread: Thread, message: FromThread): void {
    if (message.op === Op.Tasks) {
      this.#options.settings.onTasks?.(thread.number, message);
      return;
    }
    if (message.op !== Op.Results) return; // Ready
    const r = message.r; // one call at a time: one result
    const job = thread.job;
    if (job === undefined || r[0] !== job.index) return;
    if (thread.graceTimer !== undefined) clearTimeout(thread.graceTimer);
    thread.graceTimer = undefined;
    thread.job = undefined;
    this.#ran++;
    const status = r[2] as number;
    const value = r[3];
    job.finish(status, status === FAILED ? decodeThrown(value as EncodedThrown) : value);
    this.#next(thread);
  }

  /** Gives a free thread the next queued call, or lets it idle (and retire after keepAlive). */
  #next(thread: Thread): void {
    if (this.#closed || thread.retiring) return; // queued calls wait for the thread #onExit starts
    for (let job = this.#head; job !== undefined; job = this.#head) {
      this.#head = job.link;
      if (this.#head === undefined) this.#tail = undefined;
      if (job.settled) continue;
      this.#queued--;
      try {
        this.#dispatch(thread, job, job.proxy.id);
        return;
      } catch (err) {
        job.finish(FAILED, err);
      }
    }
    thread.worker.unref();
    const keepAlive = this.#options.keepAlive;
    if (keepAlive !== Infinity) {
      thread.idleTimer = setTimeout(() => this.#retire(thread), keepAlive);
      thread.idleTimer.unref();
    }
  }

  #onExit(thread: Thread, code: number): void {
    for (let m = receiveMessageOnPort(thread.port); m !== undefined; m = receiveMessageOnPort(thread.port)) {
      this.#onMessage(thread, m.message as FromThread);
    }
    this.#options.settings.onTasks?.(thread.number, undefined); // its tasks went with it
    thread.port.close();
    if (thread.idleTimer !== undefined) clearTimeout(thread.idleTimer);
    if (thread.graceTimer !== undefined) clearTimeout(thread.graceTimer);
    this.#threads.delete(thread);
    const job = thread.job;
    thread.job = undefined;
    if (job !== undefined) {
      this.#ran++;
      if (job.aborting) job.cancelled();
      else job.crash(thread.name, this.#closed ? undefined : code, thread.error);
    }
    if (this.#closed) return;
    // Calls still queued need a thread.
    while (this.#queued > 0 && this.#threads.size < this.#options.max) {
      const fresh = this.#startThread();
      this.#next(fresh);
      if (fresh.job === undefined) break;
    }
  }
}

function cloneError(job: RemoteJob, err: unknown): TypeError {
  return new TypeError(`spawnBlocking: the arguments of '${job.def.name}' cannot be sent to a thread`, { cause: err });
}

function busyOf(worker: Worker): number {
  try {
    return worker.performance.eventLoopUtilization().active;
  } catch {
    return 0;
  }
}
