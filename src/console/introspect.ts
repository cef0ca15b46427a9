import type { Runtime } from '../runtime/runtime.js';
import type { Task } from '../task/task.js';
import type { ResourceInfo, TaskInfo } from './types.js';

/**
 * The one place the console reads a runtime's introspection (API.md,
 * "Introspection"): `runtime.tasks()`, `runtime.resources()` and
 * `runtime.metrics()`. A runtime built before those landed still shows its
 * alive tasks, read from its own task list (no times, no resources).
 */
interface Introspectable {
  tasks?(): TaskInfo[];
  resources?(): ResourceInfo[];
}

/** The tasks of `runtime`: alive ones, then retained finished ones. */
export function readTasks(runtime: Runtime): TaskInfo[] {
  const rt = runtime as unknown as Introspectable;
  if (typeof rt.tasks === 'function') return rt.tasks();
  const out: TaskInfo[] = [];
  for (const task of runtime.aliveTasks()) out.push(fromRecord(task));
  return out;
}

/** The live resources of `runtime` (none before the runtime reports them). */
export function readResources(runtime: Runtime): ResourceInfo[] {
  const rt = runtime as unknown as Introspectable;
  return typeof rt.resources === 'function' ? rt.resources() : [];
}

/** `runtime.metrics()` as a plain record (its shape grows with the runtime). */
export function readMetrics(runtime: Runtime): Record<string, unknown> {
  return runtime.metrics() as unknown as Record<string, unknown>;
}

/** The runtime clock of `runtime`. */
export function readNow(runtime: Runtime): number {
  return runtime.clock.now();
}

const STATES = ['scheduled', 'running', 'done'] as const;

function fromRecord(task: Task): TaskInfo {
  const waitsOn: TaskInfo['waitsOn'] = [];
  for (let w = task.waits; w !== undefined; w = w.tNext) {
    waitsOn.push({ op: w.site?.kind ?? 'wait', resourceId: undefined, since: 0 });
  }
  let state: TaskInfo['state'] = STATES[task.state] ?? 'running';
  if (state === 'running' && waitsOn.length > 0) state = 'idle';
  return {
    id: task.id,
    name: task.name,
    parentId: undefined,
    kind: 'task',
    thread: 0,
    state,
    outcome: undefined,
    spawnedAt: 0,
    endedAt: undefined,
    location: undefined,
    waitsOn,
    polls: 0,
    busyMs: 0,
    scheduledMs: 0,
    idleMs: 0,
    wakes: 0,
    longPolls: 0,
  };
}

/** The runtime's `longPoll` threshold (`Builder.observe({ longPoll })`, default 50 ms). */
export function readLongPoll(runtime: Runtime): number {
  const observe = (runtime.options as { observe?: { longPoll?: number } }).observe;
  return typeof observe?.longPoll === 'number' ? observe.longPoll : 50;
}
