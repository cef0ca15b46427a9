import { ObserveOptionError } from './errors.js';
import type { TaskKind } from '../task/observation.js';

/** One weft wait a task is parked in (`TaskInfo.waitsOn`). */
export interface WaitInfo {
  /** The operation: `'mpsc.recv'`, `'mutex.lock'`, `'sleep'`, `'join'`, `'select'`, `'tcp.read'`, ... */
  op: string;
  /** The resource it waits on (`ResourceInfo.id`), if it is one. */
  resourceId: number | undefined;
  /** When the wait began, on the runtime clock (NaN when it began before observation was on). */
  since: number;
  /** For `'join'`: the task it waits for. */
  taskId?: number;
}

/** A snapshot of one task (`runtime.tasks()`), shaped after tokio-console's task view. */
export interface TaskInfo {
  id: number;
  name: string | undefined;
  /** The task that spawned it, if it was spawned inside one. */
  parentId: number | undefined;
  kind: TaskKind;
  /** 0 = the runtime's own thread, else the worker index + 1. */
  thread: number;
  state: 'scheduled' | 'running' | 'idle' | 'done';
  outcome: 'ok' | 'failed' | 'cancelled' | undefined;
  /** Runtime clock (`now()`). */
  spawnedAt: number;
  endedAt: number | undefined;
  /** `file:line:col` of the spawn call, with `observe({ spawnLocation: true })`. */
  location: string | undefined;
  waitsOn: WaitInfo[];
  /** Task times (with `observe({ taskTimes: true })`, else 0): runs of its code between two waits. */
  polls: number;
  busyMs: number;
  /** Time woken but not yet running (including the first-poll delay). */
  scheduledMs: number;
  /** Time parked in weft waits. */
  idleMs: number;
  wakes: number;
  /** Wakes caused by the task itself (its own code settled its wait). Addition to the contract. */
  selfWakes: number;
  /** Polls that ran longer than `observe({ longPoll })`. */
  longPolls: number;
}

/** A snapshot of one live resource (`runtime.resources()`), shaped after tokio-console's resource view. */
export interface ResourceInfo {
  id: number;
  /** 'mpsc' | 'oneshot' | 'broadcast' | 'watch' | 'mutex' | 'rwlock' | 'semaphore' | 'notify' | 'barrier' | 'timer' | 'tcp' | 'listener' | ... */
  kind: string;
  name: string | undefined;
  createdAt: number;
  location: string | undefined;
  /** e.g. mpsc: capacity, length, senders, closed; semaphore: permits, waiting; mutex: locked. */
  attributes: Record<string, number | string | boolean>;
  /** Ids of the tasks parked on it. */
  waiters: number[];
}

/** `Builder.observe()` options (each documented in the README, "Observability"). */
export interface ObserveOptions {
  /** Per-task busy/scheduled/idle time and poll counts. Default false. */
  taskTimes?: boolean;
  /** Record `file:line:col` of each spawn and resource creation. Default false. */
  spawnLocation?: boolean;
  /** Ms a finished task stays visible in `tasks()`: >= 0, Infinity allowed. Default 60,000. */
  retain?: number;
  /** Finished tasks kept at most: an integer 0–10,000,000. Default 10,000. */
  maxRetained?: number;
  /** Ms one poll may run before it counts as long: > 0, finite. Default 50. */
  longPoll?: number;
}

/** The options with their defaults filled in. */
export type ObserveSettings = Required<ObserveOptions>;

/** The most finished tasks `maxRetained` accepts. */
export const MAX_RETAINED = 10_000_000;

const KNOWN = new Set(['taskTimes', 'spawnLocation', 'retain', 'maxRetained', 'longPoll']);

/**
 * Checks `observe()` options and fills in the defaults.
 * @throws ObserveOptionError naming the option for a wrong type, an unknown key or a value out of bounds
 */
export function observeSettings(options: ObserveOptions | undefined): ObserveSettings {
  const settings: ObserveSettings = {
    taskTimes: false,
    spawnLocation: false,
    retain: 60_000,
    maxRetained: 10_000,
    longPoll: 50,
  };
  if (options === undefined) return settings;
  if (typeof options !== 'object' || options === null) {
    throw new ObserveOptionError('options', `must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new ObserveOptionError(key, `is not an option (known: ${[...KNOWN].join(', ')})`);
  }
  for (const key of ['taskTimes', 'spawnLocation'] as const) {
    const v = options[key];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new ObserveOptionError(key, `must be a boolean, got ${typeof v}`);
    settings[key] = v;
  }
  if (options.retain !== undefined) {
    const v = options.retain;
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0) {
      throw new ObserveOptionError('retain', `must be a number of ms >= 0 (Infinity allowed), got ${String(v)}`);
    }
    settings.retain = v;
  }
  if (options.maxRetained !== undefined) {
    const v = options.maxRetained;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_RETAINED) {
      throw new ObserveOptionError('maxRetained', `must be an integer from 0 to ${MAX_RETAINED}, got ${String(v)}`);
    }
    settings.maxRetained = v;
  }
  if (options.longPoll !== undefined) {
    const v = options.longPoll;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new ObserveOptionError('longPoll', `must be a finite number of ms > 0, got ${String(v)}`);
    }
    settings.longPoll = v;
  }
  return settings;
}
