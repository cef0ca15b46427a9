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
