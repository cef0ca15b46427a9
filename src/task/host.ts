import type { Task, TaskBody, TaskOwner } from './task.js';
import { runningTask } from './task.js';

/** Spawn options. */
export interface SpawnOptions {
  /** Shown in errors, warnings and (later) introspection. */
  name?: string;
}

/**
 * What the task layer needs of the runtime a task runs on. `Runtime`
 * (src/runtime/runtime.ts) implements it; naming only this interface keeps
 * task/ below runtime/ in the layer order.
 */
export interface TaskHost {
  /**
   * Creates and schedules a task; its body starts on a later microtask.
   * `parent` is the spawning task when the caller already knows it (null: none;
   * undefined: not looked up), for introspection.
   */
  spawnTask(body: TaskBody<unknown>, name: string | undefined, owner?: TaskOwner, parent?: Task | null): Task;
  /** Bookkeeping when one of its tasks has finished. */
  taskFinished(task: Task): void;
}

let makeDefault: (() => TaskHost) | undefined;
let defaultHost: TaskHost | undefined;

/**
 * Registers how the default runtime is made; runtime/runtime.ts does it when
 * it loads (package.json lists that module under `sideEffects`, so a bundler
 * keeps it).
 * @internal
 */
export function setDefaultHost(factory: () => TaskHost): void {
  makeDefault = factory;
}

/**
 * The runtime of the calling task, or the default one (made on first use).
 * @internal
 */
export function currentHost(): TaskHost {
  const task = runningTask();
  return task !== undefined ? task.runtime : hostOutsideTasks();
}

/**
 * The host of code that runs in no task: the default runtime (made on first
 * use). For a caller that has already looked up the running task.
 * @internal
 */
export function hostOutsideTasks(): TaskHost {
  if (defaultHost !== undefined) return defaultHost;
  if (makeDefault === undefined) {
    throw new Error("weft: no runtime is loaded (import from 'weft', which loads the default runtime)");
  }
  return (defaultHost = makeDefault());
}

/** Reads `options.name` for spawn, JoinSet.spawn and Scope.spawn. */
export function spawnName(options: SpawnOptions | undefined): string | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`spawn: options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const name = options.name;
  if (name !== undefined && typeof name !== 'string') throw new TypeError('spawn: options.name must be a string');
  return name;
}
