import { integer } from '../core/validate.js';
import type { BytesBuffer } from './bytes-buffer.js';
import type { Codec } from './codec.js';
import { FrameTooLargeError } from '../io/errors.js';

const NL = 10;
const CR = 13;

/** Options of `LinesCodec`. */
export interface LinesCodecOptions {
  /** The longest line accepted, in bytes before the `\n` (a `\r` of `\r\n` counts). Default 64 KiB. */
  maxLength?: number;
}

/**
 * Lines of UTF-8 text (tokio-util's `LinesCodec`). Decoding splits at `\n`
 * and drops a trailing `\r`; invalid UTF-8 becomes U+FFFD. Encoding appends
 * `\n`.
 *
 * A line longer than `maxLength` makes `decode` throw `FrameTooLargeError` as
 * soon as that is known (without waiting for its end); the rest of that line
 * is then discarded as it arrives and decoding resumes with the next line. So
 * the buffer never holds more than `maxLength` plus one read, and a peer that
 * never sends a newline costs bounded memory. Each byte is scanned once, however
 * the line arrives.
 *
 * @example
 * ```ts
 * import { BytesBuffer, LinesCodec } from 'weft/codec';
 * const codec = new LinesCodec();
 * const buf = new BytesBuffer();
 * buf.writeString('hello\r\nwor');
 * console.assert(codec.decode(buf) === 'hello');
 * console.assert(codec.decode(buf) === undefined); // 'wor' waits for its newline
 * buf.writeString('ld\n');
 * console.assert(codec.decode(buf) === 'world');
 * ```
 */
export class LinesCodec implements Codec<string, string> {
  /** The longest line accepted, in bytes. */
  readonly maxLength: number;
  /** Bytes at the front already known to hold no newline. */
  #scanned = 0;
  #discarding = false;

  /** @throws RangeError for a `maxLength` that is not an integer from 0 to 2^31 */
  constructor(options?: LinesCodecOptions) {
    this.maxLength =
      options?.maxLength === undefined ? 64 * 1024 : integer(options.maxLength, 'LinesCodec', 'maxLength', 0, 2 ** 31);
  }

  /**
   * The next line, or undefined when no complete line is buffered.
   * @throws FrameTooLargeError for a line over `maxLength`
   */
  decode(buf: BytesBuffer): string | undefined {
    for (;;) {
      const i = buf.indexOf(NL, this.#scanned);
      if (i < 0) {
        if (this.#discarding) {
          buf.advance(buf.length);
          this.#scanned = 0;
          return undefined;
        }
        if (buf.length > this.maxLength) {
          const seen = buf.length;
          buf.advance(seen);
          this.#scanned = 0;
          this.#discarding = true;
          throw new FrameTooLargeError(seen, this.maxLength, 'line');
        }
        this.#scanned = buf.length;
        return undefined;
      }
      this.#scanned = 0;
      if (this.#discarding) {
        buf.advance(i + 1);
        this.#discarding = false;
        continue;
      }
      if (i > this.maxLength) {
        buf.advance(i + 1);
        throw new FrameTooLargeError(i, this.maxLength, 'line');
      }
      const line = buf.utf8(0, i > 0 && buf.at(i - 1) === CR ? i - 1 : i);
      buf.advance(i + 1);
      return line;
    }
  }

  /** At end of stream: the last line if it had no newline, else undefined. */
  decodeEof(buf: BytesBuffer): string | undefined {
    const line = this.decode(buf);
    if (line !== undefined) return line;
    this.#scanned = 0;
    if (this.#discarding) {
      this.#discarding = false;
      buf.advance(buf.length);
      return undefined;
    }
    if (buf.length === 0) return undefined;
    const n = buf.length;
    const last = buf.utf8(0, buf.at(n - 1) === CR ? n - 1 : n);
    buf.advance(n);
    return last;
  }

  /**
   * Appends `line` and a `\n`.
   * @throws TypeError if `line` is not a string or contains `\n`; FrameTooLargeError if it is over `maxLength` bytes
   */
  encode(line: string, dst: BytesBuffer): void {
    if (typeof line !== 'string') throw new TypeError(`LinesCodec.encode: expected a string, got ${typeof line}`);
    if (line.includes('\n')) throw new TypeError('LinesCodec.encode: a line must not contain \\n');
    if (line.length > this.maxLength || Buffer.byteLength(line) > this.maxLength) {
      throw new FrameTooLargeError(Buffer.byteLength(line), this.maxLength, 'line');
    }
    dst.writeString(line);
    dst.writeUint8(NL);
  }
}
