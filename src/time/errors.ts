import { WeftError, registerWeftErrors } from '../core/errors.js';
/** `timeout()` ran out of time; the work's signal was aborted with this error. */
export class TimeoutError extends WeftError {
  override readonly name = 'TimeoutError';
  readonly code = 'ERR_TIMEOUT';
  /** The limit that was exceeded, in ms. */
  readonly ms: number;
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.ms = ms;
  }
}

registerWeftErrors({ TimeoutError });
