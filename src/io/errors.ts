import { WeftError, registerWeftErrors } from '../core/errors.js';
/**
 * An operating-system error on a socket (connection refused, reset, address in
 * use...). `kind` is the system code (`'ECONNREFUSED'`, `'ECONNRESET'`,
 * `'EADDRINUSE'`, ...); `cause` is Node's original error.
 */
export class IoError extends WeftError {
  override readonly name = 'IoError';
  readonly code = 'ERR_IO';
  /** The system error code, e.g. `'ECONNRESET'` (`'UNKNOWN'` when Node gave none). */
  readonly kind: string;
  /** The failing system call, when known (`'connect'`, `'read'`, `'listen'`...). */
  readonly syscall: string | undefined;
  constructor(message: string, kind: string, syscall: string | undefined, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.kind = kind;
    this.syscall = syscall;
  }

  /** Wraps an error from Node (kept as `cause`). An `IoError` or one of weft's own I/O errors is returned as is. */
  static from(err: unknown, what: string): Error {
    if (err instanceof IoError || err instanceof SocketClosedError || err instanceof ReadTimeoutError) return err;
    const e = err as { code?: unknown; syscall?: unknown; message?: unknown } | null;
    const kind = typeof e?.code === 'string' ? e.code : 'UNKNOWN';
    const syscall = typeof e?.syscall === 'string' ? e.syscall : undefined;
    const message = typeof e?.message === 'string' ? e.message : String(err);
    return new IoError(`${what}: ${message}`, kind, syscall, err);
  }
}

/**
 * The stream ended before `readExact` (or a codec at end of stream) had all the
 * bytes it needed. `bytesRead` says how many arrived.
 */
export class UnexpectedEofError extends WeftError {
  override readonly name = 'UnexpectedEofError';
  readonly code = 'ERR_UNEXPECTED_EOF';
  /** Bytes that were wanted. */
  readonly expected: number;
  /** Bytes that arrived before the end of the stream. */
  readonly bytesRead: number;
  constructor(expected: number, bytesRead: number, message?: string) {
    super(message ?? `the stream ended after ${bytesRead} of ${expected} expected bytes`);
    this.expected = expected;
    this.bytesRead = bytesRead;
  }
}

/** A write was attempted after `shutdown()` closed the writing side. */
export class WriteAfterShutdownError extends WeftError {
  override readonly name = 'WriteAfterShutdownError';
  readonly code = 'ERR_WRITE_AFTER_SHUTDOWN';
  constructor(message = 'write after shutdown(): the writing side is closed') {
    super(message);
  }
}

/**
 * The socket or listener was closed on this side with `close()` (before the
 * call, or while it waited). A connection lost on the peer's side (reset, or
 * closed while this side still writes) is an `IoError` instead (`kind`
 * `'ECONNRESET'` or `'EPIPE'`).
 */
export class SocketClosedError extends WeftError {
  override readonly name = 'SocketClosedError';
  readonly code = 'ERR_SOCKET_CLOSED';
  constructor(message = 'the socket is closed') {
    super(message);
  }
}

/**
 * A read waited longer than the stream's `readTimeout` (or a frame took longer
 * than `Framed`'s `frameTimeout`). The stream was closed.
 */
export class ReadTimeoutError extends WeftError {
  override readonly name = 'ReadTimeoutError';
  readonly code = 'ERR_READ_TIMEOUT';
  /** The limit that was exceeded, in ms. */
  readonly ms: number;
  constructor(ms: number, what = 'read') {
    super(`${what} timed out after ${ms} ms; the stream was closed`);
    this.ms = ms;
  }
}

/**
 * A frame (a length-delimited frame, a line) is longer than the codec allows.
 * Raised as soon as the length is known: for a length-delimited frame, after
 * reading only its header, before any of the body is buffered.
 */
export class FrameTooLargeError extends WeftError {
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

registerWeftErrors({
  IoError,
  UnexpectedEofError,
  WriteAfterShutdownError,
  SocketClosedError,
  ReadTimeoutError,
  FrameTooLargeError,
});
