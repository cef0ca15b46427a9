import { AsyncLocalStorage } from 'node:async_hooks';
import type { Cancellable } from './wait-queue.js';

/**
 * What the core sees of a task: whether it was aborted, the error its waits
 * reject with then, and the list of weft waits it is parked in. `Task`
 * (src/task/task.ts) implements it; the core never names the class, so it
 * stays below the task layer.
 */
export interface TaskRecord {
  readonly cancelRequested: boolean;
  /** Set when the task's runtime observes (introspection's side record); undefined otherwise. */
  readonly obs: object | undefined;
  cancelError(): unknown;
  linkWait(w: Cancellable): void;
  unlinkWait(w: Cancellable): void;
}

/**
 * What weft keeps in async context: the running task and the task-local values
 * set by `TaskLocal.scope`. A `Task` is itself a frame (with no locals), so a
 * spawn allocates no extra object for its context.
 */
export interface Frame {
  readonly task: TaskRecord | undefined;
  readonly locals: ReadonlyMap<object, unknown> | undefined;
}

/** The one AsyncLocalStorage weft uses. Other ALS users keep propagating through it. */
export const frames = new AsyncLocalStorage<Frame>();

/** The frame of the calling code, or undefined outside any task or task-local scope. */
export function currentFrame(): Frame | undefined {
  return frames.getStore();
}

/** The task the calling code runs in, if any. */
export function currentTaskRecord(): TaskRecord | undefined {
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
