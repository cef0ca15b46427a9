import { WeftError, registerWeftErrors } from '../core/errors.js';

/**
 * An option of `Builder.observe()` is of the wrong type, unknown, or out of
 * its bounds. Thrown synchronously by `observe()`; `option` names it.
 *
 * @example
 * ```ts
 * import { Runtime, ObserveOptionError } from 'weft';
 * try {
 *   Runtime.builder().observe({ maxRetained: -1 });
 * } catch (e) {
 *   console.assert(e instanceof ObserveOptionError && e.option === 'maxRetained');
 * }
 * ```
 */
export class ObserveOptionError extends WeftError {
  override readonly name = 'ObserveOptionError';
  readonly code = 'ERR_OBSERVE_OPTION';
  /** The option at fault, e.g. `'retain'`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super(`Builder.observe: ${option} ${message}`);
    this.option = option;
  }
}

registerWeftErrors({ ObserveOptionError });
