import { Parked } from '../core/wait-queue.js';
import type { TimerEntry } from '../core/timer-heap.js';
import { RESOLVED } from '../core/promise.js';
import { signalOf, duration, instant } from '../core/validate.js';
import { currentRuntime } from '../runtime/runtime.js';
import { readyAnswer } from '../core/fast-path.js';
import type { Clock } from '../core/clock.js';
import { closeResource, observation, registerResource, resourceId, type ResourceEntry } from '../core/resources.js';

const site = { op: 'sleep' };

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

/** A sleep made while a runtime observes: a 'timer' resource of its own, gone once it fires or is cancelled. */
class ObservedSleep extends TimerWait {
  override fire(): void {
    closeResource(this.resource!);
    super.fire();
  }

  protected override detach(): void {
    closeResource(this.resource!);
    super.detach();
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
  const rt = currentRuntime();
  const clock = rt.clock;
  const start = clock.now();
  return sleepOn(clock, start + ms, signal, start, observation.active && rt.observing);
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
  const rt = currentRuntime();
  return sleepOn(rt.clock, deadline, signal, rt.clock.now(), observation.active && rt.observing);
}

function sleepOn(
  clock: Clock,
  deadline: number,
  signal: AbortSignal | undefined,
  start: number,
  observed: boolean,
): Promise<void> {
  if (deadline <= start) {
    return readyAnswer(signal, RESOLVED);
  }
  // While a runtime observes, each sleep is a 'timer' resource (as in tokio-console).
  if (observed) return observedSleep(clock, deadline, signal, start);
  const w = new TimerWait(clock, deadline);
  const promise = w.park(signal, site);
  if (!w.settled && deadline !== Infinity) clock.add(w);
  return promise;
}

function observedSleep(clock: Clock, deadline: number, signal: AbortSignal | undefined, start: number): Promise<void> {
  const w = new ObservedSleep(clock, deadline);
  const rid = resourceId();
  registerResource(w, rid, 'timer', undefined, describeTimer, start);
  const promise = w.park(signal, site, rid);
  if (!w.settled && deadline !== Infinity) clock.add(w);
  return promise;
}

function describeTimer(w: TimerWait<any>, entry: ResourceEntry): Record<string, number> {
  return { duration: w.deadline - entry.createdAt, deadline: w.deadline };
}
