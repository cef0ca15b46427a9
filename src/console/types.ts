/**
 * The data the console shows. `TaskInfo` and `ResourceInfo` follow the
 * Introspection section of API.md field for field; they are declared here so
 * the console compiles before the runtime's own types land, and
 * `introspect.ts` is the one file that reads them from a runtime.
 */

/** One task as `runtime.tasks()` reports it (API.md, Introspection). */
export interface TaskInfo {
  id: number;
  name: string | undefined;
  parentId: number | undefined;
  kind: 'task' | 'worker' | 'blocking' | 'actor';
  /** 0 = the runtime's own thread, else the worker index + 1. */
  thread: number;
  state: 'scheduled' | 'running' | 'idle' | 'done';
  outcome: 'ok' | 'failed' | 'cancelled' | undefined;
  spawnedAt: number;
  endedAt: number | undefined;
  location: string | undefined;
  waitsOn: { op: string; resourceId: number | undefined; since: number }[];
  polls: number;
  busyMs: number;
  scheduledMs: number;
  idleMs: number;
  wakes: number;
  longPolls: number;
  /** Wake-ups that came from the task itself (tokio-console's self-wakes), when the runtime counts them. */
  selfWakes?: number;
  /** For a failed task: whether anyone awaited its handle (or a JoinSet/scope owned it), when the runtime says. */
  observed?: boolean;
  /** The longest single poll, ms, when the runtime records it. */
  maxPollMs?: number;
}

/** One live resource as `runtime.resources()` reports it (API.md, Introspection). */
export interface ResourceInfo {
  id: number;
  kind: string;
  name: string | undefined;
  createdAt: number;
  location: string | undefined;
  attributes: Record<string, number | string | boolean>;
  /** Ids of the tasks parked on it. */
  waiters: number[];
}

/** A histogram as `RuntimeMetrics` carries it: `counts[i]` values fell at or below `bounds[i]`, the last count above every bound. */
export interface Histogram {
  bounds: number[];
  counts: number[];
}

/** The event loop over one publish interval, measured by the console itself. */
export interface LoopSample {
  /** Wall-clock ms (Date.now()) at the end of the interval. */
  at: number;
  /** Event-loop delay over the interval, ms. */
  delayP50: number;
  delayP99: number;
  delayMax: number;
  /** Event-loop utilization over the interval, 0–1. */
  utilization: number;
  /** Tasks alive at the end of the interval. */
  tasksAlive: number;
}

/** A lint the console raised: a stable `code`, what it is about, and the measurement behind it. */
export interface Warning {
  code: WarningCode;
  /** The task it is about, if any. */
  taskId?: number;
  /** The resource it is about, if any. */
  resourceId?: number;
  /** One sentence that names the task and the figure. */
  message: string;
}

/** The lint codes of API.md. */
export type WarningCode =
  | 'WEFT_LONG_POLL'
  | 'WEFT_NEVER_YIELDED'
  | 'WEFT_SELF_WAKE'
  | 'WEFT_LOST_WAKER'
  | 'WEFT_UNOBSERVED_FAILURE'
  | 'WEFT_EVENT_LOOP_BLOCKED';

/** What `GET /api/state` returns. */
export interface ConsoleState {
  /** The runtime clock (`now()`) when the snapshot was taken. */
  now: number;
  /** Wall-clock ms (Date.now()) when the snapshot was taken. */
  at: number;
  tasks: TaskInfo[];
  resources: ResourceInfo[];
  metrics: Record<string, unknown>;
  /** The last publish intervals' event-loop samples, oldest first (for the plots). */
  loop: LoopSample[];
  warnings: Warning[];
}

/** One Server-Sent Event of `GET /api/updates` (and one line of a recording after the first). */
export interface ConsoleUpdate {
  type: 'delta';
  seq: number;
  now: number;
  at: number;
  /** Tasks that are new or changed since the previous update. */
  tasks: TaskInfo[];
  /** Ids of tasks no longer reported (finished and past retention). */
  removedTasks: number[];
  resources: ResourceInfo[];
  removedResources: number[];
  metrics: Record<string, unknown>;
  loop: LoopSample;
  /** The whole current list (it is short). */
  warnings: Warning[];
  /** Updates this client missed because it read too slowly; after a drop the client should re-read /api/state. */
  droppedEvents: number;
}
