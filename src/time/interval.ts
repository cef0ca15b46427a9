import { registerResource, resourceId, resourceName } from '../core/resources.js';
import { signalOf, duration, instant } from '../core/validate.js';
import { currentRuntime } from '../runtime/runtime.js';
import { scheduler } from '../core/scheduler.js';
import { CancelledError } from '../task/errors.js';
import { TimerWait } from './sleep.js';
import type { Clock } from '../core/clock.js';

/** What an interval does after ticks were missed (the program was busy past a deadline by more than 5 ms). */
export type MissedTickBehavior = 'burst' | 'delay' | 'skip';

/** Tokio's threshold: a tick later than this past its instant counts as missed. */
const MISSED_THRESHOLD_MS = 5;
const site = { op: 'interval.tick' };

function describeInterval(i: IntervalImpl): Record<string, number | string> {
  return { period: i.period, missedTickBehavior: i.missedTickBehavior };
}

/** A periodic timer (Tokio's `time::Interval`). */
export interface Interval extends AsyncIterable<number>, Disposable {
  /** Waits for the next tick and resolves with its SCHEDULED instant. The first tick is immediate. */
  tick(options?: { signal?: AbortSignal }): Promise<number>;
  /** Next tick one period from now. */
  reset(): void;
  /** Next tick now. */
  resetImmediately(): void;
  /** Next tick `ms` from now. */
  resetAfter(ms: number): void;
  /** Next tick at `deadline`. */
  resetAt(deadline: number): void;
  readonly period: number;
  missedTickBehavior: MissedTickBehavior;
}

class TickWait extends TimerWait<number> {
  constructor(
    clock: Clock,
    deadline: number,
    readonly interval: IntervalImpl,
  ) {
    super(clock, deadline);
  }

  override fire(): void {
    this.complete(this.interval.advance(this.deadline));
  }

  protected override onCancel(): void {
    this.interval.forget(this);
  }
}

class IntervalImpl implements Interval {
  readonly period: number;
  readonly rid = resourceId();
  #behavior: MissedTickBehavior;
  #clock: Clock;
  #next: number;
  #pending: TickWait | undefined = undefined;
  #disposed = false;

  constructor(clock: Clock, period: number, behavior: MissedTickBehavior, start: number) {
    this.#clock = clock;
    this.period = period;
    this.#behavior = behavior;
    this.#next = start;
  }

  get missedTickBehavior(): MissedTickBehavior {
    return this.#behavior;
  }

  set missedTickBehavior(value: MissedTickBehavior) {
    this.#behavior = behavior(value);
  }

  tick(options?: { signal?: AbortSignal }): Promise<number> {
    const signal = signalOf(options, 'Interval.tick');
    if (this.#pending !== undefined) throw new TypeError('Interval.tick(): a tick is already pending on this interval');
    if (this.#disposed) return Promise.reject(new CancelledError('the interval was disposed'));
    if (this.#next <= this.#clock.now()) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (scheduler.budget()) return Promise.resolve(this.advance(this.#next));
      return scheduler.hop().then(() => this.tick(options));
    }
    const w = new TickWait(this.#clock, this.#next, this);
    const promise = w.park(signal, site, this.rid);
    if (!w.settled) {
      this.#pending = w;
      this.#clock.add(w);
    }
    return promise;
  }

  /** A tick at `scheduled` happened now: work out the next instant, return the scheduled one. */
  advance(scheduled: number): number {
    this.#pending = undefined;
    const now = this.#clock.now();
    const period = this.period;
    if (now <= scheduled + MISSED_THRESHOLD_MS) this.#next = scheduled + period;
    else if (this.#behavior === 'burst') this.#next = scheduled + period;
    else if (this.#behavior === 'delay') this.#next = now + period;
    else this.#next = now + period - ((now - scheduled) % period);
    return scheduled;
  }

  /** An aborted tick() leaves the schedule as it was. */
  forget(w: TickWait): void {
    if (this.#pending === w) this.#pending = undefined;
  }

  reset(): void {
    this.#resetTo(this.#clock.now() + this.period);
  }

  resetImmediately(): void {
    this.#resetTo(this.#clock.now());
  }

  resetAfter(ms: number): void {
    this.#resetTo(this.#clock.now() + duration(ms, 'Interval.resetAfter', 'ms'));
  }

  resetAt(deadline: number): void {
    this.#resetTo(instant(deadline, 'Interval.resetAt'));
  }

  #resetTo(deadline: number): void {
    this.#next = deadline;
    const w = this.#pending;
    if (w !== undefined && !w.settled) {
      // A pending tick() now waits for the new instant.
      this.#clock.remove(w);
      w.deadline = deadline;
      if (deadline !== Infinity) this.#clock.add(w);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<number> {
    for (;;) yield await this.tick();
  }

  [Symbol.dispose](): void {
    this.#disposed = true;
    this.#pending?.cancel(new CancelledError('the interval was disposed'));
    this.#pending = undefined;
  }
}

function behavior(value: unknown): MissedTickBehavior {
  if (value !== 'burst' && value !== 'delay' && value !== 'skip') {
    throw new TypeError(`missedTickBehavior must be 'burst', 'delay' or 'skip', got ${String(value)}`);
  }
  return value;
}

/**
 * A timer that ticks every `periodMs`, first at `options.start` (default: now,
 * so the first tick is immediate). `tick()` resolves with the scheduled instant.
 * When the program falls behind by more than 5 ms, `missedTickBehavior` decides
 * the next instant, exactly as in Tokio: 'burst' (default) ticks at once until
 * caught up, 'delay' restarts the period from now, 'skip' jumps to the next
 * multiple of the period. `options.name` names it in introspection
 * (`runtime.resources()`, kind 'interval').
 *
 * @throws RangeError if `periodMs` is 0, negative, NaN or Infinity, or `start` is NaN;
 *   TypeError for a non-number or a bad `missedTickBehavior`
 *
 * **Cancellation**: `tick()` is cancel-safe: an aborted tick consumes no tick.
 *
 * @example
 * ```ts
 * import { interval } from 'weft';
 * using every = interval(10);
 * const first = await every.tick();   // immediate
 * const second = await every.tick();  // 10 ms later
 * console.assert(Math.round(second - first) === 10); // instants are floats: compare rounded
 * ```
 */
export function interval(
  periodMs: number,
  options?: { missedTickBehavior?: MissedTickBehavior; start?: number; name?: string },
): Interval {
  duration(periodMs, 'interval', 'periodMs');
  if (periodMs === 0 || periodMs === Infinity) {
    throw new RangeError(`interval: periodMs must be a finite duration > 0 ms, got ${String(periodMs)}`);
  }
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`interval: options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const clock = currentRuntime().clock;
  const start = options?.start === undefined ? clock.now() : instant(options.start, 'interval');
  const missed = options?.missedTickBehavior === undefined ? 'burst' : behavior(options.missedTickBehavior);
  const name = resourceName(options, 'interval');
  const impl = new IntervalImpl(clock, periodMs, missed, start);
  registerResource(impl, impl.rid, 'interval', name, describeInterval);
  return impl;
}
