import type { BytesBuffer } from './bytes-buffer.js';

/**
 * Turns bytes into frames and frames into bytes (tokio-util's `Decoder` +
 * `Encoder`). `Framed` calls `decode` after every read with everything
 * received and not yet consumed; a codec consumes the bytes of each frame it
 * returns (with `advance`/`take`) and returns undefined when it needs more.
 *
 * Rules a codec should keep: check limits before allocating (a declared length
 * is checked before any of the frame is buffered); throw only its own typed
 * errors; produce the same frames however the input is split into reads.
 *
 * @example
 * ```ts
 * import { BytesBuffer, type Codec } from 'weft/codec';
 * // A codec for fixed 4-byte big-endian numbers.
 * class U32Codec implements Codec<number, number> {
 *   decode(buf: BytesBuffer): number | undefined {
 *     if (buf.length < 4) return undefined;
 *     const value = buf.readUint(0, 4);
 *     buf.advance(4);
 *     return value;
 *   }
 *   encode(value: number, dst: BytesBuffer): void {
 *     dst.writeUint32(value);
 *   }
 * }
 * const buf = new BytesBuffer();
 * new U32Codec().encode(7, buf);
 * console.assert(new U32Codec().decode(buf) === 7);
 * ```
 */
export interface Codec<In, Out = In> {
  /** Decodes one frame from the front of `buf`, consuming its bytes, or returns undefined if more bytes are needed. */
  decode(buf: BytesBuffer): In | undefined;
  /** Appends the encoding of `frame` to `dst`. */
  encode(frame: Out, dst: BytesBuffer): void;
  /**
   * Called at end of stream while bytes remain: returns a last frame, or
   * undefined when there is none. Without it, `Framed` decodes as usual and
   * rejects with `UnexpectedEofError` if bytes are left over.
   */
  decodeEof?(buf: BytesBuffer): In | undefined;
}
