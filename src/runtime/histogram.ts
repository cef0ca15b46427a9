/** Upper bounds (ms) of the poll-time and scheduled-delay histograms; one more bucket counts the rest. */
export const HISTOGRAM_BOUNDS: readonly number[] = Object.freeze([
  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000,
]);

const BOUNDS = Float64Array.from(HISTOGRAM_BOUNDS);
const LAST = BOUNDS.length;

/** A fixed-bucket histogram of durations in ms (`RuntimeMetrics.pollTimeHistogram`). */
export class Histogram {
  readonly #counts = new Float64Array(LAST + 1);
  #sum = 0;

  record(ms: number): void {
    this.#sum += ms;
    // Most polls are short: a linear scan from the smallest bucket ends at once.
    let i = 0;
    while (i < LAST && ms > BOUNDS[i]!) i++;
    this.#counts[i]!++;
  }

  /**
   * `{ bounds, counts, sum }`: `counts[i]` values were <= `bounds[i]` (and above
   * the bound before); the last count is above every bound; `sum` is the total
   * of every value recorded (what a Prometheus histogram's `_sum` needs).
   */
  snapshot(): { bounds: number[]; counts: number[]; sum: number } {
    return { bounds: [...HISTOGRAM_BOUNDS], counts: Array.from(this.#counts), sum: this.#sum };
  }
}
