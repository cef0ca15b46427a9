/**
 * The data the console shows: the runtime's `TaskInfo` and `ResourceInfo`
 * (read through `introspect.ts`), the console's own event-loop samples and
 * warnings, and the shapes of `/api/state` and `/api/updates`.
 */

export type { TaskInfo, ResourceInfo, WaitInfo } from '../runtime/introspection.js';
import type { ResourceInfo, TaskInfo } from '../runtime/introspection.js';

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
