import { Parked } from '../core/wait-queue.js';
import { silence } from '../core/promise.js';
import type { Task } from './task.js';

const site = { op: 'join' };

/**
 * A marker that a task awaits another task's `JoinHandle`, so introspection
 * shows `'join'` among its waits and task times count the await as idle.
 * Made only when the awaiting task's runtime observes. It never rejects and
 * cancelling it does nothing: awaiting a handle is not cut short by an abort
 * (the awaiter still gets the joined task's outcome), and the marker goes
 * when the joined task finishes.
 */
export class JoinWait extends Parked<void> {
  constructor(readonly target: Task) {
    super();
    silence(this.park(undefined, site));
    if (!this.settled) void target.whenDone().then(() => this.complete(undefined));
  }

  override cancel(): void {}
}
