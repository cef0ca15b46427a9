import { WeftError, registerWeftErrors } from '../core/errors.js';
/** Sending failed because the channel is closed; the value comes back in `.value`. */
export class SendError<T = unknown> extends WeftError {
  override readonly name = 'SendError';
  readonly code = 'ERR_CHANNEL_CLOSED';
  readonly value: T;
  constructor(value: T, message = 'the channel is closed') {
    super(message);
    this.value = value;
  }
}

/** Receiving failed: the sending side closed without sending (oneshot), or closed with nothing unseen (watch). */
export class RecvError extends WeftError {
  override readonly name = 'RecvError';
  readonly code = 'ERR_CHANNEL_CLOSED';
  constructor(message = 'the sender closed') {
    super(message);
  }
}

/** A broadcast receiver fell behind: `skipped` values were overwritten before it read them. */
export class LaggedError extends WeftError {
  override readonly name = 'LaggedError';
  readonly code = 'ERR_LAGGED';
  readonly skipped: number;
  constructor(skipped: number) {
    super(`the receiver lagged behind and missed ${skipped} value(s)`);
    this.skipped = skipped;
  }
}

/** The primitive was closed (e.g. `Semaphore.close()`) while waiting or before the call. */
export class ClosedError extends WeftError {
  override readonly name = 'ClosedError';
  readonly code = 'ERR_CLOSED';
  constructor(message = 'closed') {
    super(message);
  }
}

registerWeftErrors({ SendError, RecvError, LaggedError, ClosedError });
