import { Parked } from '../core/wait-queue.js';
import type { Task } from './task.js';

const site = { op: 'join' };

/**
 * A join of a task that has not finished: `await handle` inside a task, or
 * `handle.join()`. It is a weft wait like any other (the caller's abort
 * rejects it; the joined task runs on), parked in the joined task's `joiners`
 * queue, which `Task.finish` completes or fails. `target` tells
 * introspection which task it waits for.
 */
export class JoinWait extends Parked<unknown> {
  constructor(readonly target: Task) {
    super();
  }
}

/** Parks a join on `task` (which has not finished) for the calling code. */
export function parkJoin(task: Task, signal: AbortSignal | undefined): Promise<unknown> {
  const w = new JoinWait(task);
  const promise = w.park(signal, site);
  if (!w.settled) task.addJoiner(w);
  return promise;
}
