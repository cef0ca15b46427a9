import { frames, enableFrames } from '../core/context.js';
import { func, duration } from '../core/validate.js';
import { scheduler } from '../core/scheduler.js';
import { RESOLVED } from '../core/promise.js';
import { Clock } from '../core/clock.js';
import { Task, Outcome, TaskState, type TaskBody, type TaskContext, type TaskOwner } from '../task/task.js';
import { JoinHandle } from '../task/join-handle.js';
import { currentHost, setDefaultHost, spawnName, type SpawnOptions } from '../task/host.js';
import { RuntimeShutdownError, formatCauseChain } from '../task/errors.js';
import { RuntimeBuilder, defaultOptions, type Builder, type RuntimeOptions } from './builder.js';
import type { RuntimeMetrics, ThreadMetricsSource } from './metrics.js';
import { RuntimeObserver, taskInfo, callerLocation } from './observer.js';
import { observeSettings, type ObserveSettings, type ResourceInfo, type TaskInfo } from './introspection.js';
import { liveResources, observation } from '../core/resources.js';
import { runningTask } from '../task/task.js';
import type { TaskKind } from '../task/observation.js';
import { renderDump } from './dump.js';
import { Histogram } from './histogram.js';
import { LoopMonitor } from './loop-monitor.js';

let nextTaskId = 1;

/** Called by `run()` of a multi-thread runtime: set by weft/worker when it loads (it starts the worker threads). */
let onMultiThreadRun: ((runtime: Runtime) => void) | undefined;

/**
 * @internal Sets what `run()` of a multi-thread runtime does first (weft/worker
 * starts the runtime's worker threads, as Tokio's builder does). The runtime
 * layer cannot import the worker layer, so the worker layer registers itself.
 */
export function setMultiThreadRunHook(hook: ((runtime: Runtime) => void) | undefined): void {
  onMultiThreadRun = hook;
}

/** @internal Told of every runtime made in this thread (the `weft doctor` preload watches them all). */
export const runtimeCreated = new Set<(runtime: Runtime) => void>();

/**
 * @internal Observation for runtimes built without `observe()`: the `weft
 * doctor` preload sets it so a program observes with no change to its code.
 */
export const observeDefaults: { settings: ObserveSettings | undefined } = { settings: undefined };

/**
 * @internal Makes this thread number its tasks from `base` on: a worker
 * thread of an observing runtime uses `thread * 2^40`, so the tasks it
 * reports never share an id with the owning runtime's.
 */
export function setTaskIdBase(base: number): void {
  if (nextTaskId < base) nextTaskId = base;
}

/**
 * @internal Takes the id of a task made later (`Runtime.spawnProxy(name, kind, id)`):
 * a call sent to another thread before its proxy exists names the proxy as its task's parent.
 */
export function takeTaskId(): number {
  return nextTaskId++;
}

/**
 * A weft runtime: its clock and timers, the tasks spawned in it, its error
 * policy and (multi-thread flavor) its worker threads. Code that never builds
 * one uses the default runtime, created on first use.
 *
 * @example
 * ```ts
 * import { Runtime, spawn, sleep } from 'weft';
 * const rt = Runtime.builder().currentThread().startPaused(true).build();
 * const value = await rt.run(async () => {
 *   const child = spawn(async () => { await sleep(60_000); return 'done'; });
 *   return await child; // the paused clock jumps the minute at once
 * });
 * console.assert(value === 'done');
 * await rt.shutdown();
 * ```
 */
export class Runtime implements AsyncDisposable {
  /** @internal The runtime's timers and clock (read through `now()`, `sleep()`, `pause()` and friends). */
  readonly clock = new Clock();
  readonly options: Readonly<RuntimeOptions>;
  /** Alive tasks: an intrusive list through Task.rtPrev/rtNext (cheaper per spawn than a Set). */
  #alive: Task | undefined = undefined;
  #aliveCount = 0;
  #spawned = 0;
  #completed = 0;
  #failed = 0;
  #cancelled = 0;
  #closed = false;
  #unobserved: Task[] = [];
  #threads: ThreadMetricsSource | undefined = undefined;
  #shutdownHooks: Array<() => Promise<void>> = [];
  /** @internal Told of each task that failed with nobody awaiting it (the console's WEFT_UNOBSERVED_FAILURE). */
  readonly unobservedListeners = new Set<(task: Task) => void>();
  /** Introspection state: only for a runtime built with `observe()` or a task hook. */
  readonly #observer: RuntimeObserver | undefined;
  readonly #loop: LoopMonitor;
  #instrument: TaskInstrument | undefined = undefined;

  /** A builder for a runtime with non-default options. */
  static builder(): Builder {
    return new RuntimeBuilder((options) => new Runtime(options));
  }

  constructor(options?: RuntimeOptions) {
    this.options = Object.freeze({ ...defaultOptions(), ...options });
    const { onTaskSpawn, onTaskTerminate } = this.options;
    const observe = this.options.observe ?? observeDefaults.settings;
    if (observe !== undefined || onTaskSpawn !== undefined || onTaskTerminate !== undefined) {
      const settings = observe ?? observeSettings(undefined);
      this.#observer = new RuntimeObserver(settings, onTaskSpawn, onTaskTerminate, this.clock);
      startObserving(this);
    }
    this.#loop = new LoopMonitor(this.#observer !== undefined);
    for (const fn of runtimeCreated) fn(this);
  }

  /** Spawns a task on this runtime (see `spawn`). */
  readonly spawn = <T>(fn: TaskBody<T>, options?: SpawnOptions): JoinHandle<T> => {
    func(fn, 'spawn', 'the task body');
    return this.spawnTask(fn, spawnName(options)).handle as JoinHandle<T>;
  };

  /**
   * @internal Creates and schedules a task. `spawn` never runs the body
   * synchronously. `parent`: undefined for the running task, null for none, or
   * the id of a task on another thread (a call's proxy on the calling thread).
   * `kind` is what introspection shows ('actor' for an actor's task).
   */
  spawnTask(
    body: TaskBody<unknown>,
    name: string | undefined,
    owner?: TaskOwner,
    parent?: Task | number | null,
    instrumented = true,
    kind: TaskKind = 'task',
  ): Task {
    const instrument = instrumented ? this.#instrument : undefined;
    const task = this.#register(new Task(this, nextTaskId++, name, body), owner, kind, instrument, parent);
    enableFrames();
    if (instrument !== undefined) {
      void RESOLVED.then(() => instrument.run(task, () => startTask(task)));
      return task;
    }
    // A reaction job captures the spawner's async context (so other
    // AsyncLocalStorage users propagate), and entering the task's frame
    // inside that job costs one context frame, not the two of frames.run().
    // (A closure per spawn, measured faster than one shared job taking the
    // oldest task of a queue: 0.91x the spawn + join CPU on Node 24 in
    // bench/ab-processes.ts, the array's push/shift/reset cost more.)
    void RESOLVED.then(() => startTask(task));
    return task;
  }

  /**
   * @internal A task whose work runs somewhere else (a call on a worker
   * thread). It is alive, abortable and joinable like any task, but nothing
   * runs here: no start job, no async-context frame, no promise until someone
   * awaits its handle. Its maker links what it waits on (`linkWait`), so an
   * abort reaches the work, and ends it with `finish()`. `id`: one taken
   * earlier with `takeTaskId()`.
   */
  spawnProxy(name: string | undefined, kind: TaskKind = 'worker', id = nextTaskId++): Task {
    const task = this.#register(new Task(this, id, name, undefined), undefined, kind, this.#instrument);
    task.state = TaskState.Running;
    return task;
  }

  #register(
    task: Task,
    owner: TaskOwner | undefined,
    kind: TaskKind,
    instrument: TaskInstrument | undefined,
    parent?: Task | number | null,
  ): Task {
    if (owner !== undefined) {
      task.owner = owner;
      task.observed = true;
    }
    task.handle = new JoinHandle(task);
    this.#spawned++;
    // Tokio: a task spawned on a runtime that has shut down is cancelled at once.
    if (this.#closed) task.cancelRequested = true;
    if (this.#alive !== undefined) this.#alive.rtPrev = task;
    task.rtNext = this.#alive;
    this.#alive = task;
    this.#aliveCount++;
    if (this.#observer !== undefined) this.#observer.spawned(task, kind, parent);
    if (instrument !== undefined) instrument.spawned(task);
    return task;
  }

  /**
   * @internal Installs (or, with undefined, removes) the one task instrument:
   * told of each spawn in the spawner's context, asked to start each task (so a
   * tracer can make the task's span current for its whole body), told of each
   * end. `weft/observe`'s `taskSpans` is the user. Off costs one branch per spawn.
   * @throws Error when another instrument is installed
   */
  setTaskInstrument(instrument: TaskInstrument | undefined): void {
    if (instrument !== undefined && this.#instrument !== undefined && this.#instrument !== instrument) {
      throw new Error(
        'weft: this runtime already has a task instrument (one openTelemetry({ taskSpans }) per runtime)',
      );
    }
    this.#instrument = instrument;
  }

  /** @internal Bookkeeping when a task has finished. */
  taskFinished(task: Task): void {
    const { rtPrev, rtNext } = task;
    if (rtPrev === undefined) this.#alive = rtNext;
    else rtPrev.rtNext = rtNext;
    if (rtNext !== undefined) rtNext.rtPrev = rtPrev;
    task.rtPrev = task.rtNext = undefined;
    this.#aliveCount--;
    if (this.#observer !== undefined) this.#observer.finished(task);
    if (this.#instrument !== undefined) this.#instrument.finished(task);
    if (task.outcome === Outcome.Ok) this.#completed++;
    else if (task.outcome === Outcome.Cancelled) this.#cancelled++;
    else {
      this.#failed++;
      if (!task.observed) this.#reportLater(task);
    }
  }

  /**
   * Runs `main` as the root task and resolves with its value (Tokio's
   * `block_on`). When `main` returns, tasks still running in this runtime are
   * aborted and awaited. If `main` throws, `run` rejects with what it threw.
   */
  run<T>(main: (task: TaskContext) => T | PromiseLike<T>): Promise<T> {
    func(main, 'Runtime.run', 'main');
    return this.runRoot(main, undefined);
  }

  /** @internal `run`, telling `onRoot` the root task (so `main()` can abort it on a signal). */
  async runRoot<T>(main: TaskBody<T>, onRoot: ((root: Task) => void) | undefined): Promise<T> {
    if (this.#closed) throw new RuntimeShutdownError('Runtime.run(): the runtime has shut down');
    const seed = this.options.seed;
    if (seed !== undefined) scheduler.setSeed(seed);
    if (this.options.startPaused && !this.clock.paused) this.clock.pause();
    if (this.options.flavor === 'multi-thread') onMultiThreadRun?.(this);
    // The root is Tokio's block_on, not a spawned task: no task span (one would
    // hold every trace of a server under a span that never ends).
    const root = this.spawnTask(main, 'main', undefined, undefined, false);
    root.observed = true;
    onRoot?.(root);
    try {
      await root.whenDone();
      if (root.outcome === Outcome.Ok) return root.result as T;
      if (root.outcome === Outcome.Failed) throw root.result;
      throw root.joinError();
    } finally {
      await this.#abortAll(Infinity);
      if (seed !== undefined) scheduler.setSeed(undefined);
    }
  }

  /**
   * Aborts every task, waits for them to settle (at most `timeout` ms of real
   * time, default Infinity), stops the runtime's timers and worker threads.
   * Idempotent. Tasks spawned afterwards are cancelled at once.
   * @throws RangeError for a negative or NaN `timeout`; TypeError for non-object options
   */
  shutdown(options?: { timeout?: number }): Promise<void> {
    // Not async: bad input throws synchronously.
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError(
        `Runtime.shutdown: options must be an object, got ${options === null ? 'null' : typeof options}`,
      );
    }
    const timeout =
      options?.timeout === undefined ? Infinity : duration(options.timeout, 'Runtime.shutdown', 'timeout');
    return this.#shutdown(timeout);
  }

  async #shutdown(timeout: number): Promise<void> {
    const first = !this.#closed;
    this.#closed = true;
    await this.#abortAll(timeout);
    this.clock.close();
    if (first) {
      this.#loop.close();
      if (this.#observer !== undefined) stopObserving(this);
    }
    const hooks = this.#shutdownHooks;
    this.#shutdownHooks = [];
    await Promise.all(hooks.map((hook) => hook()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /** A snapshot of this runtime's counters. */
  metrics(): RuntimeMetrics {
    const threads = this.#threads;
    return {
      flavor: this.options.flavor,
      workers: this.options.flavor === 'multi-thread' ? this.options.workerThreads : 0,
      aliveTasks: this.#aliveCount,
      spawnedTasks: this.#spawned,
      completedTasks: this.#completed,
      failedTasks: this.#failed,
      cancelledTasks: this.#cancelled,
      blockingThreads: threads?.blockingThreads ?? 0,
      idleBlockingThreads: threads?.idleBlockingThreads ?? 0,
      blockingQueueDepth: threads?.blockingQueueDepth ?? 0,
      ...this.#loop.metrics(),
      pollCount: this.#observer?.pollCount ?? 0,
      longPollCount: this.#observer?.longPollCount ?? 0,
      budgetForcedYields: scheduler.forcedYields - this.#forcedYieldsAtStart,
      pollTimeHistogram: (this.#observer?.pollTime ?? EMPTY_HISTOGRAM).snapshot(),
      scheduledDelayHistogram: (this.#observer?.scheduledDelay ?? EMPTY_HISTOGRAM).snapshot(),
      perWorker: threads?.perWorker?.() ?? [],
    };
  }

  readonly #forcedYieldsAtStart = scheduler.forcedYields;

  /**
   * The tasks of this runtime: the alive ones (oldest first), then the
   * retained finished ones (oldest first). Without `observe()` only alive
   * tasks are listed, with what is known without a side record: `parentId`
   * and `location` undefined, `spawnedAt` and each wait's `since` NaN, times 0.
   *
   * @returns a fresh array of snapshots
   *
   * @example
   * ```ts
   * import { Runtime, spawn, sleep } from 'weft';
   * const rt = Runtime.builder().observe().startPaused(true).build();
   * await rt.run(async () => {
   *   const napper = spawn(() => sleep(1_000), { name: 'napper' });
   *   await sleep(1);
   *   const info = rt.tasks().find((t) => t.name === 'napper')!;
   *   console.assert(info.state === 'idle' && info.waitsOn[0]!.op === 'sleep');
   *   napper.abort();
   * });
   * await rt.shutdown();
   * ```
   */
  tasks(): TaskInfo[] {
    const current = runningTask();
    const alive: TaskInfo[] = [];
    for (let task = this.#alive; task !== undefined; task = task.rtNext) alive.push(taskInfo(task, task.obs, current));
    alive.reverse();
    for (const reported of this.#threadTasks.values()) for (const t of reported) alive.push(t);
    const done = this.#observer?.retained();
    return done === undefined ? alive : alive.concat(done);
  }

  /** Alive tasks of each worker thread, as it last reported them (thread = worker index + 1). */
  readonly #threadTasks = new Map<number, TaskInfo[]>();

  /**
   * @internal A worker thread's report (batched, observing runtimes only):
   * its alive tasks now, and the tasks that finished since its last report.
   * An empty `alive` from a thread that exited clears it.
   */
  reportThreadTasks(thread: number, alive: TaskInfo[], finished: TaskInfo[]): void {
    if (alive.length === 0) this.#threadTasks.delete(thread);
    else this.#threadTasks.set(thread, alive);
    const observer = this.#observer;
    if (observer !== undefined) for (const t of finished) observer.retainReported(t);
  }

  /**
   * The live resources made on this runtime (or outside any task) while it
   * observes: channels, locks, semaphores, timers, sockets, listeners. Each
   * lists the tasks parked on it. Empty without `observe()`: resources
   * register only while a runtime observes.
   *
   * @returns a fresh array of snapshots, oldest first
   *
   * @example
   * ```ts
   * import { Runtime } from 'weft';
   * import { mpsc } from 'weft/sync';
   * const rt = Runtime.builder().observe().build();
   * await rt.run(async () => {
   *   const [tx] = mpsc.channel<number>(4, { name: 'jobs' });
   *   tx.trySend(1);
   *   const jobs = rt.resources().find((r) => r.name === 'jobs')!;
   *   console.assert(jobs.kind === 'mpsc' && jobs.attributes['length'] === 1);
   * });
   * await rt.shutdown();
   * ```
   */
  resources(): ResourceInfo[] {
    const waiters = new Map<number, number[]>();
    for (let task = this.#alive; task !== undefined; task = task.rtNext) {
      for (let w = task.waits; w !== undefined; w = w.tNext) {
        if (w.resource === undefined || w.settled) continue;
        const list = waiters.get(w.resource);
        if (list === undefined) waiters.set(w.resource, [task.id]);
        else if (!list.includes(task.id)) list.push(task.id);
      }
    }
    const out: ResourceInfo[] = [];
    for (const { entry, resource } of liveResources()) {
      if (entry.owner !== undefined && entry.owner !== this) continue;
      out.push({
        id: entry.id,
        kind: entry.kind,
        name: entry.name,
        createdAt: entry.createdAt,
        location: entry.location,
        attributes: entry.describe(resource, entry),
        waiters: (waiters.get(entry.id) ?? []).sort((a, b) => a - b),
      });
    }
    return out;
  }

  /**
   * A text tree of the alive tasks, each under its parent, with what it
   * waits on (Tokio's `Handle::dump()`): for a program that hangs, what
   * every task is stuck on.
   *
   * @returns the tree, one task per line
   *
   * @example
   * ```ts
   * import { Runtime, spawn, sleep } from 'weft';
   * const rt = Runtime.builder().observe().startPaused(true).build();
   * await rt.run(async () => {
   *   const child = spawn(() => sleep(500), { name: 'child' });
   *   await sleep(1);
   *   console.assert(rt.dump().includes('child'));
   *   await child;
   * });
   * await rt.shutdown();
   * ```
   */
  dump(): string {
    return renderDump(this.tasks(), this.resources(), this.clock.now(), this.options.flavor);
  }

  /** @internal The runtime clock, read at most once per event-loop turn while observing (see RuntimeObserver.stamp). */
  stamp(): number {
    return this.#observer === undefined ? this.clock.now() : this.#observer.stamp();
  }

  /** @internal True when this runtime observes (`observe()`, a task hook, or the doctor's defaults). */
  get observing(): boolean {
    return this.#observer !== undefined;
  }

  /** @internal The observer's settings, or undefined when this runtime does not observe. */
  get observeSettings(): ObserveSettings | undefined {
    return this.#observer?.settings;
  }

  /** @internal Spawn locations are recorded (for resources made in this runtime's tasks). */
  get recordsLocations(): boolean {
    return this.#observer?.settings.spawnLocation === true;
  }

  /** @internal The blocking pool / worker threads report their counters here. */
  attachThreads(source: ThreadMetricsSource, onShutdown: () => Promise<void>): void {
    this.#threads = source;
    this.#shutdownHooks.push(onShutdown);
  }

  /** @internal True once shutdown() was called. */
  get isShutdown(): boolean {
    return this.#closed;
  }

  /** @internal The tasks alive now (for shutdown and introspection). */
  *aliveTasks(): IterableIterator<Task> {
    for (let task = this.#alive; task !== undefined; task = task.rtNext) yield task;
  }

  async #abortAll(timeout: number): Promise<void> {
    const deadline = Date.now() + timeout;
    // Cleanup code may spawn again; go round until nothing is left.
    for (let round = 0; this.#aliveCount > 0 && round < 100; round++) {
      const tasks = [...this.aliveTasks()];
      for (const task of tasks) task.abort();
      const settled = Promise.all(tasks.map((t) => t.whenDone()));
      if (timeout === Infinity) {
        await settled;
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) return;
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<boolean>((resolve) => {
        timer = setTimeout(resolve, left, true);
      });
      const timedOut = await Promise.race([settled.then(() => false), expired]);
      clearTimeout(timer);
      if (timedOut) return;
    }
  }

  #reportLater(task: Task): void {
    // Like Node's unhandled-rejection check: give code one turn to await the handle.
    if (this.#unobserved.push(task) === 1) setImmediate(this.#checkUnobserved);
  }

  #checkUnobserved = (): void => {
    const tasks = this.#unobserved;
    this.#unobserved = [];
    for (const task of tasks) {
      if (task.observed) continue;
      for (const fn of this.unobservedListeners) fn(task);
      this.#taskError(task);
    }
  };

  #taskError(task: Task): void {
    const policy = this.options.onTaskError;
    const error = task.joinError();
    if (policy === 'ignore') return;
    if (policy === 'warn') {
      const label = task.name === undefined ? `task ${task.id}` : `task ${task.id} (${task.name})`;
      console.warn(`weft: ${label} failed and nobody awaited it: ${formatCauseChain(task.result)}`);
      return;
    }
    if (policy === 'shutdown') {
      void this.shutdown();
      return;
    }
    const handlerFailed = (err: unknown): void => {
      console.error(`weft: the onTaskError handler threw: ${formatCauseChain(err)}`);
    };
    try {
      // An async handler's rejection is reported the same way, never left unhandled.
      const result: unknown = policy(error);
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
        Promise.resolve(result).then(undefined, handlerFailed);
      }
    } catch (err) {
      handlerFailed(err);
    }
  }
}

/** @internal See `Runtime.setTaskInstrument`. */
export interface TaskInstrument {
  spawned(task: Task): void;
  run(task: Task, start: () => void): void;
  finished(task: Task): void;
}

/** Runs in its own microtask job: entering the task's frame here affects only this job and what it starts. */
function startTask(task: Task): void {
  frames.enterWith(task);
  // In seeded mode the start order is shuffled (the reaction keeps the task's frame).
  if (scheduler.seeded) void new Promise((resolve) => scheduler.resolve(resolve, undefined)).then(() => task.run());
  else task.run();
}

const EMPTY_HISTOGRAM = new Histogram();

/** Observing runtimes alive on this thread; the core registers resources while there is one. */
const observing = new Set<Runtime>();

function startObserving(rt: Runtime): void {
  observing.add(rt);
  observation.active = true;
}

function stopObserving(rt: Runtime): void {
  observing.delete(rt);
  observation.active = observing.size > 0;
}

/** The runtime the calling code runs in, when it is an observing one (else the last observing runtime built). */
function observingRuntime(): Runtime | undefined {
  const task = runningTask();
  if (task !== undefined) return task.runtime as Runtime;
  let last: Runtime | undefined;
  for (const rt of observing) last = rt;
  return last;
}

observation.now = (task) => {
  const rt = task === undefined ? observingRuntime() : ((task as Task).runtime as Runtime);
  return rt === undefined ? performance.now() : rt.stamp();
};
observation.owner = () => runningTask()?.runtime;
observation.observes = (owner) => (owner as Runtime).observing;
observation.location = () => (observingRuntime()?.recordsLocations === true ? callerLocation() : undefined);

// The task layer makes the default runtime through this (it cannot import this module).
setDefaultHost(() => new Runtime());

/** The runtime of the calling task, or the default runtime (created on first use). */
export function currentRuntime(): Runtime {
  // Every TaskHost is a Runtime: nothing else creates tasks.
  return currentHost() as Runtime;
}

export { spawnName, type SpawnOptions };
