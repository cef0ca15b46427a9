import { WeftError, registerWeftErrors } from '../core/errors.js';

/**
 * A recording given to `weft console --replay` that is not one: not JSON
 * lines, or without the `state` line a recording starts with.
 *
 * @example
 * ```ts
 * import { ReplayFormatError } from 'weft/console';
 * const err = new ReplayFormatError('rec.jsonl: line 1 is not JSON');
 * console.assert(err.code === 'ERR_CONSOLE_REPLAY_FORMAT');
 * ```
 */
export class ReplayFormatError extends WeftError {
  override readonly name = 'ReplayFormatError';
  readonly code = 'ERR_CONSOLE_REPLAY_FORMAT';
}

registerWeftErrors({ ReplayFormatError });
