import { hostOutsideTasks, spawnName, type SpawnOptions } from './host.js';
import { func } from '../core/validate.js';
import { scheduler } from '../core/scheduler.js';
import type { JoinHandle } from './join-handle.js';
import { runningTask, type TaskBody, type TaskContext } from './task.js';

/**
 * Spawns a task on the runtime of the calling task (or the default runtime).
 * The body starts on a later microtask, never synchronously. The returned
 * handle is awaitable; dropping it does not cancel the task.
 *
 * @param fn the task body; it receives its `TaskContext` (id, name, signal, token)
 * @param options `name` shows in errors and warnings
 * @returns a `JoinHandle` that resolves with the body's value or rejects with `JoinError`
 * @throws TypeError if `fn` is not a function
 *
 * @example
 * ```ts
 * import { spawn, sleep } from 'weft';
 * const slow = spawn(async (task) => { await sleep(10_000); }, { name: 'slow' });
 * slow.abort();
 * await slow.catch((e: unknown) => console.assert((e as { isCancelled(): boolean }).isCancelled()));
 * ```
 */
export function spawn<T>(fn: TaskBody<T>, options?: SpawnOptions): JoinHandle<T> {
  func(fn, 'spawn', 'the task body');
  // The caller's task gives the runtime and, for introspection, the parent: one lookup.
  const parent = runningTask();
  const host = parent === undefined ? hostOutsideTasks() : parent.runtime;
  return host.spawnTask(fn, spawnName(options), undefined, parent ?? null).handle as JoinHandle<T>;
}

/** The context of the task the calling code runs in, or undefined outside any task. */
export function currentTask(): TaskContext | undefined {
  return runningTask();
}

/**
 * Lets other ready tasks, timers and I/O run before the caller continues: it
 * resolves in the next macrotask, not just after other microtasks.
 *
 * @example
 * ```ts
 * import { yieldNow } from 'weft';
 * for (let i = 0; i < 3; i++) await yieldNow(); // a long loop stays fair to timers and I/O
 * ```
 */
export function yieldNow(): Promise<void> {
  return scheduler.hop();
}
