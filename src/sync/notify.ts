import { Parked, WaitQueue } from '../core/wait-queue.js';
import { registerResource, resourceId, resourceName } from '../core/resources.js';
import { RESOLVED } from '../core/promise.js';
import { signalOf } from '../core/validate.js';
import { scheduler } from '../core/scheduler.js';

const enum Chosen {
  No = 0,
  /** Chosen by `notifyOne` (oldest waiter first). */
  Oldest = 1,
  /** Chosen by `notifyLast` (newest waiter first). */
  Newest = 2,
}

let passOn: (notify: Notify, how: Chosen) => void;

/**
 * A `notified()` call waiting. When `notifyOne`/`notifyLast` picks it, it is
 * taken out of the queue and marked `chosen`, and it resolves a microtask
 * later: if it is aborted in between (the same synchronous step as the
 * notify), the notification is not lost but passed on (`onCancel`).
 */
class NotifyWait extends Parked<void> {
  chosen = Chosen.No;
  constructor(readonly notify: Notify) {
    super();
  }

  protected override onCancel(): void {
    const how = this.chosen;
    if (how === Chosen.No) return;
    this.chosen = Chosen.No;
    passOn(this.notify, how);
  }
}

// Waiters chosen by notifyOne/notifyLast, resolved together in one microtask.
const chosenWaits: NotifyWait[] = [];
let flushQueued = false;

function flushChosen(): void {
  flushQueued = false;
  // Index loop: completing never runs user code synchronously, but be safe if the list grows.
  for (let i = 0; i < chosenWaits.length; i++) {
    const w = chosenWaits[i]!;
    if (w.chosen === Chosen.No) continue; // aborted in between: already passed on
    w.chosen = Chosen.No;
    w.complete(undefined);
  }
  chosenWaits.length = 0;
}

function choose(w: NotifyWait, how: Chosen): void {
  w.chosen = how;
  chosenWaits.push(w);
  if (!flushQueued) {
    flushQueued = true;
    queueMicrotask(flushChosen);
  }
}

function completeWait(w: NotifyWait): void {
  w.complete(undefined);
}

const site = { op: 'notify.notified' };

/**
 * Wakes tasks waiting for an event, with Tokio's semantics: `notifyOne`
 * wakes the oldest waiter or, if nobody waits, stores one permit (at most
 * one) that the next `notified()` consumes at once; `notifyWaiters` wakes
 * everyone waiting now and stores nothing.
 *
 * @example
 * ```ts
 * import { Notify } from 'weft/sync';
 * const ready = new Notify();
 * const waiter = ready.notified();
 * ready.notifyOne();
 * await waiter;
 * ready.notifyOne();            // nobody waits: a permit is stored
 * await ready.notified();       // consumes it at once
 * ```
 */
export class Notify {
  #permit = false;
  readonly #waiters = new WaitQueue<NotifyWait>();
  readonly #rid = resourceId();

  /**
   * @param options `name`: shown by introspection (`runtime.resources()`)
   * @throws TypeError if options is not an object or its name not a string
   */
  constructor(options?: { name?: string }) {
    registerResource(this, this.#rid, 'notify', resourceName(options, 'new Notify'), Notify.#describe);
  }

  static #describe(notify: Notify): Record<string, number | boolean> {
    return { permit: notify.#permit, waiting: notify.#waiters.length };
  }

  static {
    passOn = (notify, how) => {
      if (how === Chosen.Newest) notify.notifyLast();
      else notify.notifyOne();
    };
  }

  /**
   * Waits for a notification. Resolves at once if a permit is stored (and
   * consumes it).
   *
   * **Cancellation**: cancel-safe. If `options.signal` aborts (rejects with its
   * reason) or the calling task is aborted (rejects with `CancelledError`),
   * the call leaves the queue and consumes nothing: a notification that had
   * already picked it, but whose promise had not resolved yet, goes to the
   * next waiter (or is stored as the permit).
   *
   * @param options `signal` to abort the wait
   * @throws TypeError (synchronously) for bad options
   *
   * @example
   * ```ts
   * import { Notify } from 'weft/sync';
   * const n = new Notify();
   * const ac = new AbortController();
   * const a = n.notified({ signal: ac.signal });
   * const b = n.notified();
   * n.notifyOne();   // picks a...
   * ac.abort();      // ...which is aborted before it resumed: b gets the notification
   * await b;
   * await a.catch(() => {});
   * ```
   */
  notified(options?: { signal?: AbortSignal }): Promise<void> {
    const signal = signalOf(options, 'Notify.notified');
    if (this.#permit) {
      if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
      if (!scheduler.budget()) return scheduler.hop().then(() => this.notified(options));
      this.#permit = false;
      return RESOLVED;
    }
    const w = new NotifyWait(this);
    const promise = w.park(signal, site, this.#rid);
    if (!w.settled) this.#waiters.push(w);
    return promise;
  }

  /**
   * Wakes the oldest waiter; if nobody waits, stores a permit for the next
   * `notified()` (at most one: repeated calls do not add up).
   *
   * @example
   * ```ts
   * import { Notify } from 'weft/sync';
   * const n = new Notify();
   * n.notifyOne();
   * n.notifyOne(); // still one permit
   * await n.notified();
   * ```
   */
  notifyOne(): void {
    const w = this.#waiters.shift();
    if (w === undefined) this.#permit = true;
    else choose(w, Chosen.Oldest);
  }

  /**
   * Wakes the newest waiter; if nobody waits, stores a permit like `notifyOne()`.
   *
   * @example
   * ```ts
   * import { Notify } from 'weft/sync';
   * const n = new Notify();
   * const order: string[] = [];
   * const first = n.notified().then(() => order.push('first'));
   * const second = n.notified().then(() => order.push('second'));
   * n.notifyLast();
   * await second;
   * n.notifyLast();
   * await first;
   * console.assert(order.join() === 'second,first');
   * ```
   */
  notifyLast(): void {
    const w = this.#waiters.tail;
    if (w === undefined) {
      this.#permit = true;
      return;
    }
    this.#waiters.remove(w);
    choose(w, Chosen.Newest);
  }

  /**
   * Wakes every task waiting right now. Stores no permit, and leaves a stored
   * one in place: a later `notified()` still waits unless a permit was stored.
   *
   * @example
   * ```ts
   * import { Notify } from 'weft/sync';
   * const n = new Notify();
   * const all = Promise.all([n.notified(), n.notified()]);
   * n.notifyWaiters();
   * await all;
   * ```
   */
  notifyWaiters(): void {
    if (this.#waiters.head !== undefined) this.#waiters.drain(completeWait);
  }
}
