import { WeftError, registerWeftErrors } from '../core/errors.js';

/**
 * A probe's `expectMessage` saw no matching message in time, or
 * `expectNoMessage` saw one. `.received` lists what the probe got meanwhile
 * (skipped messages included), for the test's failure message.
 */
export class ExpectMessageError extends WeftError {
  override readonly name = 'ExpectMessageError';
  readonly code = 'ERR_EXPECT_MESSAGE';
  readonly received: readonly unknown[];
  constructor(message: string, received: readonly unknown[]) {
    super(message);
    this.received = received;
  }
}

registerWeftErrors({ ExpectMessageError });
