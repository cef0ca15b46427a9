import { Parked } from '../core/wait-queue.js';
import type { TimerEntry } from '../core/timer-heap.js';
import { RESOLVED } from '../core/promise.js';
import { signalOf, duration, instant } from '../core/validate.js';
import { currentRuntime } from '../runtime/runtime.js';
import { readyAnswer } from '../core/fast-path.js';
import type { Clock } from '../core/clock.js';

const site = { kind: 'sleep' } as const;

/** A wait parked in the timer heap instead of a wait-queue. */
export class TimerWait<T = void> extends Parked<T> implements TimerEntry {
  deadline: number;
  heapIndex = -1;
  readonly clock: Clock;

  constructor(clock: Clock, deadline: number) {
    super();
    this.clock = clock;
    this.deadline = deadline;
  }

  fire(): void {
    this.complete(undefined as T);
  }

  protected override detach(): void {
    this.clock.remove(this);
  }
}

/** The runtime clock in monotonic ms; virtual (standing still) while the clock is paused. */
export function now(): number {
  return currentRuntime().clock.now();
}

/**
 * Resolves after `ms` milliseconds on the runtime clock.
 *
 * @param ms fractional allowed; 0 resolves at once (spending the cooperative
 *   budget); Infinity never resolves (until aborted)
 * @throws RangeError for a negative or NaN duration
 *
 * **Cancellation**: aborting `options.signal` (or the calling task) removes the
 * timer at once and rejects; nothing else has happened.
 *
 * @example
 * ```ts
 * import { sleep, now } from 'weft';
 * const t0 = now();
 * await sleep(5);
 * console.assert(now() - t0 >= 5);
 * ```
 */
export function sleep(ms: number, options?: { signal?: AbortSignal }): Promise<void> {
  duration(ms, 'sleep', 'ms');
  const signal = signalOf(options, 'sleep');
  const clock = currentRuntime().clock;
  return sleepOn(clock, clock.now() + ms, signal);
}

/**
 * Resolves once the runtime clock reaches `deadline` (an instant from `now()`).
 * A deadline in the past resolves at once.
 *
 * **Cancellation**: as `sleep`.
 */
export function sleepUntil(deadline: number, options?: { signal?: AbortSignal }): Promise<void> {
  instant(deadline, 'sleepUntil');
  const signal = signalOf(options, 'sleepUntil');
  return sleepOn(currentRuntime().clock, deadline, signal);
}

function sleepOn(clock: Clock, deadline: number, signal: AbortSignal | undefined): Promise<void> {
  if (deadline <= clock.now()) {
    return readyAnswer(signal, RESOLVED);
  }
  const w = new TimerWait(clock, deadline);
  const promise = w.park(signal, site);
  if (!w.settled && deadline !== Infinity) clock.add(w);
  return promise;
}
