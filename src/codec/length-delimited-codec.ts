import type { BytesBuffer } from './bytes-buffer.js';
import type { Codec } from './codec.js';
import { FrameTooLargeError } from '../io/errors.js';
import { UnexpectedEofError } from '../io/errors.js';

/** Options of `LengthDelimitedCodec`. */
export interface LengthDelimitedCodecOptions {
  /** The largest payload accepted (and sent), in bytes. Default 8 MiB. */
  maxFrameLength?: number;
  /** Bytes of the big-endian length header: 1, 2, 4 or 8. Default 4. */
  lengthFieldLength?: 1 | 2 | 4 | 8;
}

/**
 * Frames prefixed by their payload length, a big-endian unsigned integer of
 * `lengthFieldLength` bytes (tokio-util's `LengthDelimitedCodec` with its
 * defaults: 4-byte header, header not counted in the length).
 *
 * The declared length is checked against `maxFrameLength` as soon as the
 * header is read: an oversize frame throws `FrameTooLargeError` before any of
 * its body is buffered. That error is final for the stream (the framing is
 * lost), so every later `decode` throws it again. A stream that ends inside a
 * frame gives `UnexpectedEofError` from `decodeEof`.
 *
 * @example
 * ```ts
 * import { BytesBuffer, LengthDelimitedCodec } from 'weft/codec';
 * const codec = new LengthDelimitedCodec({ lengthFieldLength: 2 });
 * const buf = new BytesBuffer();
 * codec.encode(new Uint8Array([1, 2, 3]), buf);
 * console.assert(buf.length === 5 && buf.readUint(0, 2) === 3);
 * console.assert(codec.decode(buf)?.length === 3);
 * ```
 */
export class LengthDelimitedCodec implements Codec<Uint8Array, Uint8Array> {
  /** The largest payload accepted, in bytes (never above what the header can express). */
  readonly maxFrameLength: number;
  /** Bytes of the length header. */
  readonly lengthFieldLength: 1 | 2 | 4 | 8;
  #error: FrameTooLargeError | undefined = undefined;

  /** @throws RangeError for a `maxFrameLength` that is not a safe integer >= 0, or a header size other than 1, 2, 4, 8 */
  constructor(options?: LengthDelimitedCodecOptions) {
    const field = options?.lengthFieldLength ?? 4;
    if (field !== 1 && field !== 2 && field !== 4 && field !== 8) {
      throw new RangeError(`LengthDelimitedCodec: lengthFieldLength must be 1, 2, 4 or 8, got ${String(field)}`);
    }
    const max = options?.maxFrameLength ?? 8 * 1024 * 1024;
    if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 0) {
      throw new RangeError(`LengthDelimitedCodec: maxFrameLength must be a safe integer >= 0, got ${String(max)}`);
    }
    this.lengthFieldLength = field;
    this.maxFrameLength = field === 8 ? max : Math.min(max, 2 ** (8 * field) - 1);
  }

  /**
   * The next frame's payload (a copy), or undefined until all of it is buffered.
   * @throws FrameTooLargeError when a header declares more than `maxFrameLength` (and on every call after)
   */
  decode(buf: BytesBuffer): Uint8Array | undefined {
    if (this.#error !== undefined) throw this.#error;
    const field = this.lengthFieldLength;
    if (buf.length < field) return undefined;
    const length = buf.readUint(0, field);
    if (length > this.maxFrameLength) {
      this.#error = new FrameTooLargeError(length, this.maxFrameLength);
      throw this.#error;
    }
    if (buf.length - field < length) return undefined;
    buf.advance(field);
    return buf.take(length);
  }

  /**
   * At end of stream: a last complete frame, undefined when nothing is left.
   * @throws UnexpectedEofError when the stream ended inside a frame
   */
  decodeEof(buf: BytesBuffer): Uint8Array | undefined {
    const frame = this.decode(buf);
    if (frame !== undefined || buf.length === 0) return frame;
    const field = this.lengthFieldLength;
    const expected = buf.length < field ? field : field + buf.readUint(0, field);
    throw new UnexpectedEofError(
      expected,
      buf.length,
      `the stream ended inside a frame (${buf.length} of ${expected} bytes)`,
    );
  }

  /**
   * Appends the header and `frame`.
   * @throws TypeError if `frame` is not a Uint8Array; FrameTooLargeError if it is over `maxFrameLength`
   */
  encode(frame: Uint8Array, dst: BytesBuffer): void {
    if (!(frame instanceof Uint8Array)) throw new TypeError('LengthDelimitedCodec.encode: expected a Uint8Array');
    if (frame.length > this.maxFrameLength) throw new FrameTooLargeError(frame.length, this.maxFrameLength);
    dst.reserve(this.lengthFieldLength + frame.length);
    dst.writeUint(frame.length, this.lengthFieldLength);
    dst.write(frame);
  }
}
