import { registerWeftErrors } from '../core/errors.js';
/** An address string or object that cannot be parsed (a `TypeError`, thrown synchronously). */
export class AddrParseError extends TypeError {
  override readonly name = 'AddrParseError';
  readonly code = 'ERR_INVALID_ADDRESS';
  /** The rejected input, as a string. */
  readonly input: string;
  constructor(input: string, reason: string) {
    super(`invalid address ${JSON.stringify(input)}: ${reason}`);
    this.input = input;
  }
}

registerWeftErrors({ AddrParseError });
