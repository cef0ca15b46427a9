/**
 * A frame (a length-delimited frame, a line) is longer than the codec allows.
 * Raised as soon as the length is known: for a length-delimited frame, after
 * reading only its header, before any of the body is buffered.
 */
export class FrameTooLargeError extends Error {
  override readonly name = 'FrameTooLargeError';
  readonly code = 'ERR_FRAME_TOO_LARGE';
  /** The frame's length in bytes as declared or seen so far (a lower bound for a line still arriving). */
  readonly length: number;
  /** The limit it exceeded. */
  readonly maxLength: number;
  constructor(length: number, maxLength: number, what = 'frame') {
    super(
      `${what} of ${length >= Number.MAX_SAFE_INTEGER ? 'more than 2^53' : String(length)} bytes exceeds the limit of ${maxLength} bytes`,
    );
    this.length = length;
    this.maxLength = maxLength;
  }
}
