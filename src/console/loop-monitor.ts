import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import type { LoopSample } from './types.js';

/** ns → ms. */
const NS = 1e-6;

/**
 * Measures the event loop over each publish interval: delay percentiles from
 * `monitorEventLoopDelay` (reset every interval, so a block shows in the
 * interval it happened in, not averaged over the life of the process) and
 * utilization from `performance.eventLoopUtilization`. The runtime's own
 * `eventLoopDelay` is cumulative since `build()`; the plots and the
 * event-loop lint want the recent figure.
 */
export class LoopMonitor {
  #histogram: IntervalHistogram;
  #elu: EventLoopUtilization;
  #last = performance.now();

  constructor(resolutionMs = 10) {
    this.#histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.#histogram.enable();
    this.#elu = performance.eventLoopUtilization();
  }

  /**
   * Ends the current interval and starts the next. `blockedMs` is the
   * lateness of the caller's own timer: a block that ends just before the
   * sample shows there before the histogram's timer has fired.
   */
  sample(tasksAlive: number, lateMs = 0): LoopSample {
    const h = this.#histogram;
    const elu = performance.eventLoopUtilization(this.#elu);
    this.#elu = performance.eventLoopUtilization();
    const count = h.count;
    const late = Math.max(0, lateMs);
    const sample: LoopSample = {
      at: Date.now(),
      delayP50: count > 0 ? round(h.percentile(50) * NS) : 0,
      delayP99: count > 0 ? round(h.percentile(99) * NS) : 0,
      delayMax: round(Math.max(count > 0 ? h.max * NS : 0, late)),
      utilization: round(elu.utilization, 1000),
      tasksAlive,
    };
    h.reset();
    this.#last = performance.now();
    return sample;
  }

  /** Starts a fresh interval now (what happened before the console started publishing is not its business). */
  restart(): void {
    this.#histogram.reset();
    this.#elu = performance.eventLoopUtilization();
    this.#last = performance.now();
  }

  /** ms since the last sample. */
  get sinceLast(): number {
    return performance.now() - this.#last;
  }

  close(): void {
    this.#histogram.disable();
  }
}

function round(x: number, scale = 100): number {
  return Math.round(x * scale) / scale;
}
