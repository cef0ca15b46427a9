import { AsyncLocalStorage } from 'node:async_hooks';
import type { Task } from '../task/task.js';

/**
 * What weft keeps in async context: the running task and the task-local values
 * set by `TaskLocal.scope`. A `Task` is itself a frame (with no locals), so a
 * spawn allocates no extra object for its context.
 */
export interface Frame {
  readonly task: Task | undefined;
  readonly locals: ReadonlyMap<object, unknown> | undefined;
}

/** The one AsyncLocalStorage weft uses. Other ALS users keep propagating through it. */
export const frames = new AsyncLocalStorage<Frame>();

/** The frame of the calling code, or undefined outside any task or task-local scope. */
export function currentFrame(): Frame | undefined {
  return frames.getStore();
}

/** The task the calling code runs in, if any. */
export function currentTaskRecord(): Task | undefined {
  return frames.getStore()?.task;
}

let enabled = false;

/**
 * Makes sure the AsyncLocalStorage is active before weft relies on entering a
 * frame inside a microtask job. On Node 20 (async_hooks-based storage) a job
 * whose promise was created before the storage was enabled runs on the
 * top-level resource, and entering a frame there would leak into all code.
 * Re-entering the current store enables it without changing anything.
 */
export function enableFrames(): void {
  if (enabled) return;
  enabled = true;
  frames.enterWith(frames.getStore()!);
}
