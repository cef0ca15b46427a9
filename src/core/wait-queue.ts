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
 * The wait contract, part one: what a wait queue holds and what a primitive
 * settles. A primitive removes a node from its `WaitQueue` and then calls
 * `complete(value)` or `fail(reason)` exactly once (a settled node ignores
 * both). The value must leave the primitive in that same synchronous step.
 *
 * `Parked` is the promise-backed node most primitives use; a `select` arm or
 * a cross-thread relay implements this directly (completing it hands the
 * value on instead of resolving a promise). Every node says where it waits
 * (`site`, `resource`) so introspection can show it.
 */
export interface WaitNode<T = unknown> {
  prev: WaitNode<any> | undefined;
  next: WaitNode<any> | undefined;
  queue: WaitQueue<any> | undefined;
  /** True once completed, failed or cancelled. */
  readonly settled: boolean;
  /** The operation it waits in (`{ op: 'mpsc.recv' }`). */
  readonly site: WaitSite | undefined;
  /** The id of the resource it waits on, if any. */
  readonly resource: number | undefined;
  complete(value: T): void;
  fail(reason: unknown): void;
}

/**
 * The wait contract, part two: what can cancel a wait. A task keeps the
 * `Cancellable`s it is parked in in an intrusive list (`tPrev`/`tNext`;
 * `task.waits`) and cancels them when it is aborted; `abort-link.ts` cancels
 * those linked to an aborted signal. `cancel(reason)` must be idempotent.
 */
export interface Cancellable {
  task: TaskRecord | undefined;
  tPrev: Cancellable | undefined;
  tNext: Cancellable | undefined;
  signal: AbortSignal | undefined;
  readonly site: WaitSite | undefined;
  readonly resource: number | undefined;
  /** When it was linked, on the runtime clock; recorded only while some runtime observes (else 0). */
  readonly since: number;
  /** True once it no longer waits (introspection skips it). */
  readonly settled: boolean;
  cancel(reason: unknown): void;
}

/**
 * The links of a wait to what can cancel it (the current task, a signal),
 * made by `linkCancellers()` and undone by `unlinkCancellers()`; subclasses say what cancelling
 * does. `Parked` rejects its promise; `CancelHook` runs a callback.
 */
export abstract class WaitLinks implements Cancellable {
  task: TaskRecord | undefined = undefined;
  tPrev: Cancellable | undefined = undefined;
  tNext: Cancellable | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  /** What this waits on, for introspection. */
  site: WaitSite | undefined = undefined;
  /** The id of the resource it waits on (`resourceId()`), if any. */
  resource: number | undefined = undefined;
  /** When it was linked, on the runtime clock; recorded only while some runtime observes (else 0). */
  since = 0;
  /** True once the wait is over (settled, released); a subclass sets it. */
  settled = false;

  abstract cancel(reason: unknown): void;

  /**
   * Links to the current task and to `signal`. If either is already
   * cancelled, calls `cancel()` at once (before linking the other) and
   * returns false.
   */
  protected linkCancellers(signal: AbortSignal | undefined): boolean {
    return linkCancellers(this, signal);
  }

  /** Undoes `linkCancellers()`. Idempotent. */
  protected unlinkCancellers(): void {
    unlinkCancellers(this);
  }
}

/** `WaitLinks.linkCancellers` for any `Cancellable` (`Parked` keeps a flat class, without the base). */
export function linkCancellers(w: Cancellable & { since: number }, signal: AbortSignal | undefined): boolean {
  const task = currentTaskRecord();
  // Only a task of an observing runtime records when its waits began.
  if (task !== undefined && task.obs !== undefined) w.since = observation.now(task);
  if (task !== undefined) {
    if (task.cancelRequested) {
      w.cancel(task.cancelError());
      return false;
    }
    task.linkWait(w);
  }
  if (signal !== undefined) {
    if (signal.aborted) {
      w.cancel(signal.reason);
      return false;
    }
    linkSignal(signal, w);
  }
  return true;
}

/** `WaitLinks.unlinkCancellers` for any `Cancellable`. Idempotent. */
export function unlinkCancellers(w: Cancellable): void {
  if (w.task !== undefined) w.task.unlinkWait(w);
  if (w.signal !== undefined) unlinkSignal(w.signal, w);
}

/** The site of one wait of an observing runtime's task: the operation and when the wait began. */
class StampedSite implements WaitSite {
  constructor(
    readonly op: string,
    readonly since: number,
  ) {}
}

/**
 * One pending weft wait backed by the caller's promise: the node behind
 * almost every call that can wait.
 *
 * A `Parked` sits in at most one place it waits in (a `WaitQueue`, or the timer
 * heap for sleeps) and is linked to what can cancel it: the task it runs in
 * (task abort rejects it with `CancelledError`) and the caller's `AbortSignal`.
 * All links are undone on every settling path, so no listener or queue entry
 * outlives the wait.
 *
 * Primitives subclass it to carry their payload (a value to send, a permit
 * count) and override only `onCancel()` (hand back what a cancelled wait had
 * been promised) and, for waits that live outside a `WaitQueue`, `detach()`.
 * `complete`, `fail` and `cancel` are not overridden: a wait that settles
 * some other way implements `WaitNode` (and extends `WaitLinks`) itself.
 */
export class Parked<T = unknown> implements WaitNode<T>, Cancellable {
  // (A flat class rather than a WaitLinks subclass: one constructor less on the hottest allocation.)
  // position in a WaitQueue
  prev: WaitNode<any> | undefined = undefined;
  next: WaitNode<any> | undefined = undefined;
  queue: WaitQueue<any> | undefined = undefined;
  // links to what can cancel it
  task: TaskRecord | undefined = undefined;
  tPrev: Cancellable | undefined = undefined;
  tNext: Cancellable | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  // the promise handed to the caller
  resolve: ((value: T) => void) | undefined = undefined;
  reject: ((reason: unknown) => void) | undefined = undefined;
  settled = false;
  /**
   * What this waits on, for introspection: the primitive's shared `WaitSite`,
   * or, once a task of an observing runtime parked it, a `StampedSite` made
   * for this wait that also says when (see `since`).
   */
  site: WaitSite | undefined = undefined;
  /** The id of the resource it waits on (`resourceId()`), if any. */
  resource: number | undefined = undefined;

  /**
   * When it parked, on the runtime clock; recorded only while some runtime
   * observes (else 0). Kept in the site slot rather than a field of its own:
   * observation data, so a wait of a runtime that does not observe (nearly
   * every wait) carries no word for it.
   */
  get since(): number {
    const site = this.site;
    return site instanceof StampedSite ? site.since : 0;
  }

  set since(at: number) {
    const site = this.site;
    // (a wait without a site is not listed by introspection: nothing to stamp)
    if (site !== undefined) this.site = new StampedSite(site.op, at);
  }

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
    linkCancellers(this, signal);
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
    unlinkCancellers(this);
  }
}

/**
 * An intrusive FIFO of wait nodes: O(1) push, shift and removal from the
 * middle (a cancelled waiter leaves without a scan). Every primitive that
 * waits keeps its waiters in one of these.
 */
export class WaitQueue<N extends WaitNode<any> = WaitNode<any>> {
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
