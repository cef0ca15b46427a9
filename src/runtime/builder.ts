import { availableParallelism } from 'node:os';
import { integer, duration } from '../core/validate.js';
import type { JoinError } from '../task/errors.js';
import type { Runtime } from './runtime.js';
import { observeSettings, type ObserveOptions, type ObserveSettings, type TaskInfo } from './introspection.js';

/** What the runtime does with a task that failed while nobody awaited its handle. */
export type TaskErrorPolicy = 'warn' | 'ignore' | 'shutdown' | ((error: JoinError) => void);

export interface RuntimeOptions {
  flavor: 'current-thread' | 'multi-thread';
  workerThreads: number;
  maxBlockingThreads: number;
  threadKeepAlive: number;
  threadName: string;
  startPaused: boolean;
  seed: number | undefined;
  onTaskError: TaskErrorPolicy;
  /** Set by `observe()`: introspection settings (undefined: not observing). */
  observe: ObserveSettings | undefined;
  onTaskSpawn: ((info: TaskInfo) => void) | undefined;
  onTaskTerminate: ((info: TaskInfo) => void) | undefined;
}

/** Largest thread count accepted by the thread options (Node threads are whole isolates). */
export const MAX_THREADS = 1024;

export function defaultOptions(): RuntimeOptions {
  return {
    flavor: 'current-thread',
    workerThreads: availableParallelism(),
    maxBlockingThreads: Math.max(4, availableParallelism()),
    threadKeepAlive: 10_000,
    threadName: 'weft-worker',
    startPaused: false,
    seed: undefined,
    onTaskError: 'warn',
    observe: undefined,
    onTaskSpawn: undefined,
    onTaskTerminate: undefined,
  };
}

/** Configures and builds a `Runtime` (Tokio's `runtime::Builder`). Each option is documented in the README. */
export interface Builder {
  /** Tasks run on the calling thread's event loop (the default). */
  currentThread(): Builder;
  /** Adds worker threads that `spawnWorker` places tasks on, with work stealing. */
  multiThread(): Builder;
  /** Worker threads of the multi-thread flavor: integer 1–1024, default `os.availableParallelism()`. */
  workerThreads(n: number): Builder;
  /** Most threads in the blocking pool: integer 1–1024, default `max(4, os.availableParallelism())`. */
  maxBlockingThreads(n: number): Builder;
  /** How long an idle blocking thread lives, ms >= 0 (Infinity: forever), default 10,000. */
  threadKeepAlive(ms: number): Builder;
  /** Prefix of worker thread names, a non-empty string, default 'weft-worker'. */
  threadName(prefix: string): Builder;
  /** Starts with the clock paused (auto-advancing when idle), default false. */
  startPaused(paused: boolean): Builder;
  /** Seeds the scheduler: ready tasks resume and `select` polls in an order drawn from this seed. Integer 0–2^32-1. */
  seed(n: number): Builder;
  /** What to do with a task that failed while nobody awaited it, default 'warn' (one line on stderr). */
  onTaskError(policy: TaskErrorPolicy): Builder;
  /**
   * Turns on introspection: per-task records (parent, spawn time, what it
   * waits on), resource registration, retention of finished tasks and
   * (with `taskTimes`) poll times. Options, defaults and bounds: see
   * `ObserveOptions` and the README's "Observability" section.
   * @throws ObserveOptionError for a wrong type, an unknown option or a value out of bounds
   */
  observe(options?: ObserveOptions): Builder;
  /** Called with a task's snapshot when it is spawned (Tokio's `on_task_spawn`). Setting it turns on `observe()` with its defaults unless already on. */
  onTaskSpawn(fn: (info: TaskInfo) => void): Builder;
  /** Called with a task's snapshot when it finishes (Tokio's `on_task_terminate`). Turns on `observe()` like `onTaskSpawn`. */
  onTaskTerminate(fn: (info: TaskInfo) => void): Builder;
  build(): Runtime;
}

export class RuntimeBuilder implements Builder {
  #options = defaultOptions();
  /** Makes the runtime (passed in by `Runtime.builder()`, so this module needs no value import of runtime.ts). */
  readonly #make: (options: RuntimeOptions) => Runtime;

  constructor(make: (options: RuntimeOptions) => Runtime) {
    this.#make = make;
  }

  currentThread(): Builder {
    this.#options.flavor = 'current-thread';
    return this;
  }

  multiThread(): Builder {
    this.#options.flavor = 'multi-thread';
    return this;
  }

  workerThreads(n: number): Builder {
    this.#options.workerThreads = integer(n, 'Builder.workerThreads', 'n', 1, MAX_THREADS);
    return this;
  }

  maxBlockingThreads(n: number): Builder {
    this.#options.maxBlockingThreads = integer(n, 'Builder.maxBlockingThreads', 'n', 1, MAX_THREADS);
    return this;
  }

  threadKeepAlive(ms: number): Builder {
    this.#options.threadKeepAlive = duration(ms, 'Builder.threadKeepAlive', 'ms');
    return this;
  }

  threadName(prefix: string): Builder {
    if (typeof prefix !== 'string' || prefix.length === 0) {
      throw new TypeError('Builder.threadName: prefix must be a non-empty string');
    }
    this.#options.threadName = prefix;
    return this;
  }

  startPaused(paused: boolean): Builder {
    if (typeof paused !== 'boolean') throw new TypeError('Builder.startPaused: expected a boolean');
    this.#options.startPaused = paused;
    return this;
  }

  seed(n: number): Builder {
    this.#options.seed = integer(n, 'Builder.seed', 'n', 0, 2 ** 32 - 1);
    return this;
  }

  onTaskError(policy: TaskErrorPolicy): Builder {
    if (typeof policy !== 'function' && policy !== 'warn' && policy !== 'ignore' && policy !== 'shutdown') {
      throw new TypeError("Builder.onTaskError: expected 'warn', 'ignore', 'shutdown' or a function");
    }
    this.#options.onTaskError = policy;
    return this;
  }

  observe(options?: ObserveOptions): Builder {
    this.#options.observe = observeSettings(options);
    return this;
  }

  onTaskSpawn(fn: (info: TaskInfo) => void): Builder {
    if (typeof fn !== 'function') throw new TypeError('Builder.onTaskSpawn: expected a function');
    this.#options.onTaskSpawn = fn;
    return this;
  }

  onTaskTerminate(fn: (info: TaskInfo) => void): Builder {
    if (typeof fn !== 'function') throw new TypeError('Builder.onTaskTerminate: expected a function');
    this.#options.onTaskTerminate = fn;
    return this;
  }

  build(): Runtime {
    return this.#make({ ...this.#options });
  }
}
