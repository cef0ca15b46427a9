import { Parked } from '../core/wait-queue.js';
import type { TimerEntry } from '../core/timer-heap.js';
import { duration } from '../core/validate.js';
import { currentRuntime } from '../runtime/runtime.js';
import type { Clock } from '../core/clock.js';
import { TimeoutError } from './errors.js';

const site = { op: 'timeout' };

/** The timeout's own wait: settled by the work, or by its deadline. */
class TimeoutWait<T> extends Parked<T> implements TimerEntry {
  heapIndex = -1;
  constructor(
    readonly clock: Clock,
    public deadline: number,
    readonly ms: number,
    readonly controller: AbortController | undefined,
  ) {
    super();
  }

  fire(): void {
    // A result that is already there wins over the deadline: let every
    // pending microtask run (one macrotask turn) before declaring a timeout.
    setImmediate(() => {
      if (this.settled) return;
      const error = new TimeoutError(this.ms);
      this.controller?.abort(error);
      this.fail(error);
    });
  }

  protected override detach(): void {
    this.clock.remove(this);
  }

  protected override onCancel(reason: unknown): void {
    // The caller (or its task) gave up: the work is not wanted any more.
    this.controller?.abort(reason);
  }

  settleWith(ok: boolean, value: unknown): void {
    if (this.settled) return;
    this.clock.remove(this);
    if (ok) this.complete(value as T);
    else this.fail(value);
  }
}

/**
 * Runs `work` with a time limit. `work` is a function given an `AbortSignal`
 * (aborted with the `TimeoutError` when time runs out) or a promise. A result
 * that is already there when the deadline passes wins over the deadline.
 *
 * @returns the work's value
 * @throws RangeError for a negative or NaN `ms`; TypeError if `work` is neither
 *   a function nor a promise
 * @rejects TimeoutError (code 'ERR_TIMEOUT') when the limit passed first
 *
 * **Cancellation**: aborting the calling task aborts the work's signal and
 * rejects with `CancelledError`.
 *
 * @example
 * ```ts
 * import { timeout, sleep, TimeoutError } from 'weft';
 * const err = await timeout(10, (signal) => sleep(1_000, { signal })).catch((e: unknown) => e);
 * console.assert(err instanceof TimeoutError);
 * ```
 */
export function timeout<T>(ms: number, work: ((signal: AbortSignal) => PromiseLike<T>) | PromiseLike<T>): Promise<T> {
  duration(ms, 'timeout', 'ms');
  const isFn = typeof work === 'function';
  if (!isFn && (work === null || typeof (work as PromiseLike<T> | undefined)?.then !== 'function')) {
    throw new TypeError('timeout: work must be a function (signal) => PromiseLike or a promise');
  }
  const clock = currentRuntime().clock;
  const controller = isFn ? new AbortController() : undefined;
  const w = new TimeoutWait<T>(clock, clock.now() + ms, ms, controller);
  const promise = w.park(undefined, site);
  if (w.settled) return promise;
  let pending: PromiseLike<T>;
  try {
    pending = isFn ? (work as (signal: AbortSignal) => PromiseLike<T>)(controller!.signal) : work;
  } catch (err) {
    w.settleWith(false, err);
    return promise;
  }
  Promise.resolve(pending).then(
    (value) => w.settleWith(true, value),
    (err: unknown) => w.settleWith(false, err),
  );
  if (!w.settled && ms !== Infinity) clock.add(w);
  return promise;
}
