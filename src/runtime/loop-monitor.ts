import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';

/**
 * The event-loop figures of `RuntimeMetrics`: delay percentiles from
 * `perf_hooks.monitorEventLoopDelay` (started only for an observing runtime:
 * it samples on a libuv timer) and utilization from
 * `performance.eventLoopUtilization()` since the runtime was built (free).
 */
export class LoopMonitor {
  readonly #delay: IntervalHistogram | undefined;
  readonly #elu: EventLoopUtilization = performance.eventLoopUtilization();

  constructor(delay: boolean) {
    if (delay) {
      this.#delay = monitorEventLoopDelay({ resolution: 10 });
      this.#delay.enable();
    }
  }

  metrics(): { eventLoopDelay: { p50: number; p99: number; max: number }; eventLoopUtilization: number } {
    const h = this.#delay;
    // The histogram is in ns; it reads 0 (not NaN) until it has a sample.
    const ms = (ns: number): number => (Number.isFinite(ns) && h !== undefined && h.count > 0 ? ns / 1e6 : 0);
    return {
      eventLoopDelay: {
        p50: ms(h?.percentile(50) ?? 0),
        p99: ms(h?.percentile(99) ?? 0),
        max: ms(h?.max ?? 0),
      },
      eventLoopUtilization: performance.eventLoopUtilization(this.#elu).utilization,
    };
  }

  close(): void {
    this.#delay?.disable();
  }
}
