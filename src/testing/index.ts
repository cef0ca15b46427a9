import { currentRuntime } from '../runtime/runtime.js';

/**
 * Pauses the runtime clock (of the calling task's runtime, or the default
 * runtime). While paused, time moves only through `advance()`, or by jumping to
 * the next timer's deadline whenever the program is idle (auto-advance), so
 * tests with long timers run instantly and deterministically.
 *
 * @throws RangeError if the clock is already paused (pause() does not nest)
 *
 * @example
 * ```ts
 * import { sleep, now } from 'weft';
 * import { pause, resume } from 'weft/testing';
 * pause();
 * const t0 = now();
 * await sleep(3_600_000); // an hour, instantly
 * console.assert(now() - t0 === 3_600_000);
 * resume();
 * ```
 */
export function pause(): void {
  currentRuntime().clock.pause();
}

/** Resumes real time from where the paused clock stood. @throws RangeError if not paused */
export function resume(): void {
  currentRuntime().clock.resume();
}

/**
 * Moves the paused clock forward by `ms`, firing due timers in order and
 * letting woken tasks run after each.
 * @throws RangeError if not paused, or for a negative, NaN or infinite `ms`;
 *   TypeError if `ms` is not a number
 */
export function advance(ms: number): Promise<void> {
  return currentRuntime().clock.advance(ms);
}

/** True while the clock is paused. */
export function isPaused(): boolean {
  return currentRuntime().clock.paused;
}

export { probe, Probe, EXPECT_TIMEOUT } from './probe.js';
export { ExpectMessageError } from './errors.js';
