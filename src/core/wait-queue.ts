import { newPromise } from './promise.js';
import { currentTaskRecord, type TaskRecord } from './context.js';
import { linkSignal, unlinkSignal } from './abort-link.js';
import { scheduler } from './scheduler.js';
import { observation } from './resources.js';

/** Live counters for leak checks and (later) introspection. */
export const waitStats = { parked: 0 };

/** What a wait reports about itself to introspection: the operation, e.g. `'mpsc.recv'`, `'mutex.lock'`, `'sleep'`. */
export interface WaitSite {
  readonly op: string;
}

/**
 * One pending weft wait: the single mechanism behind every call that can wait.
 *
 * A `Parked` sits in at most one place it waits in (a `WaitQueue`, or the timer
 * heap for sleeps) and is linked to what can cancel it: the task it runs in
 * (task abort rejects it with `CancelledError`) and the caller's `AbortSignal`.
 * All three links are undone in `settle()`, on every path, so no listener or
 * queue entry outlives the wait.
 *
 * Primitives subclass it to carry their payload (a value to send, a permit
 * count) and override `onCancel()` to hand back what a cancelled wait had
 * been promised (pass a notification on, return capacity).
 */
export class Parked<T = unknown> {
  // position in a WaitQueue
  prev: Parked<any> | undefined = undefined;
  next: Parked<any> | undefined = undefined;
  queue: WaitQueue<any> | undefined = undefined;
  // links to what can cancel it
  task: TaskRecord | undefined = undefined;
  tPrev: Parked<any> | undefined = undefined;
  tNext: Parked<any> | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  // the promise handed to the caller
  resolve: ((value: T) => void) | undefined = undefined;
  reject: ((reason: unknown) => void) | undefined = undefined;
  settled = false;
  /** What this waits on, for introspection. */
  site: WaitSite | undefined = undefined;
  /** The id of the resource it waits on (`resourceId()`), if any. */
  resource: number | undefined = undefined;
  /** When it parked, on the runtime clock; recorded only while some runtime observes (else 0). */
  since = 0;

  /**
   * Creates the caller's promise and links the wait to the current task and to
   * `signal`; `site` and `resource` say what it waits on (introspection). If either is already cancelled the wait is cancelled at once
   * (`cancel()`), and `settled` is true on return: the caller must then not
   * enqueue it.
   */
  park(signal: AbortSignal | undefined, site?: WaitSite, resource?: number): Promise<T> {
    const promise = newPromise<T>(this);
    waitStats.parked++;
    if (site !== undefined) this.site = site;
    if (resource !== undefined) this.resource = resource;
    const task = currentTaskRecord();
    // Only a task of an observing runtime records when its waits began.
    if (task !== undefined && task.obs !== undefined) this.since = observation.now(task);
    if (task !== undefined) {
      if (task.cancelRequested) {
        this.cancel(task.cancelError());
        return promise;
      }
      task.linkWait(this);
    }
    if (signal !== undefined) {
      if (signal.aborted) {
        this.cancel(signal.reason);
        return promise;
      }
      linkSignal(signal, this);
    }
    return promise;
  }

  /** Delivers `value`. The primitive has already removed this from its queue. */
  complete(value: T): void {
    if (this.settled) return;
    this.unlinkAll();
    scheduler.resolve(this.resolve!, value);
  }

  /** Rejects with `reason` (closed channel and the like). Already removed from its queue. */
  fail(reason: unknown): void {
    if (this.settled) return;
    this.unlinkAll();
    this.reject!(reason);
  }

  /** Cancels a wait that has not completed: leaves its queue, undoes, rejects. */
  cancel(reason: unknown): void {
    if (this.settled) return;
    this.detach();
    this.unlinkAll();
    this.onCancel(reason);
    this.reject!(reason);
  }

  /** Removes this from the place it waits in. Overridden by timer waits. */
  protected detach(): void {
    this.queue?.remove(this);
  }

  /** Hook: give back what was promised to this wait. Runs after it left its queue, before the rejection. */
  protected onCancel(_reason: unknown): void {}

  private unlinkAll(): void {
    if (this.resolve !== undefined) waitStats.parked--;
    this.settled = true;
    if (this.task !== undefined) this.task.unlinkWait(this);
    if (this.signal !== undefined) unlinkSignal(this.signal, this);
  }
}

/**
 * An intrusive FIFO of parked waits: O(1) push, shift and removal from the
 * middle (a cancelled waiter leaves without a scan). Every primitive that
 * waits keeps its waiters in one of these.
 */
export class WaitQueue<N extends Parked<any> = Parked<any>> {
  head: N | undefined = undefined;
  tail: N | undefined = undefined;
  length = 0;

  get isEmpty(): boolean {
    return this.head === undefined;
  }

  push(node: N): void {
    node.queue = this;
    node.prev = this.tail;
    node.next = undefined;
    if (this.tail === undefined) this.head = node;
    else this.tail.next = node;
    this.tail = node;
    this.length++;
  }

  /** Removes and returns the oldest waiter. */
  shift(): N | undefined {
    const node = this.head;
    if (node !== undefined) this.remove(node);
    return node;
  }

  remove(node: N): void {
    if (node.queue !== this) return;
    const { prev, next } = node;
    if (prev === undefined) this.head = next as N | undefined;
    else prev.next = next;
    if (next === undefined) this.tail = prev as N | undefined;
    else next.prev = prev;
    node.prev = node.next = undefined;
    node.queue = undefined;
    this.length--;
  }

  /** Removes every waiter and hands each to `fn` (for close-and-reject-all). */
  drain(fn: (node: N) => void): void {
    let node = this.head;
    this.head = this.tail = undefined;
    this.length = 0;
    while (node !== undefined) {
      const next = node.next as N | undefined;
      node.prev = node.next = undefined;
      node.queue = undefined;
      fn(node);
      node = next;
    }
  }
}
