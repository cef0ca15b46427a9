import type { BytesBuffer } from './bytes-buffer.js';
import type { Codec } from './codec.js';

/**
 * Raw bytes with no framing (tokio-util's `BytesCodec`): each `decode` returns
 * everything buffered (as a copy), each `encode` writes the bytes as they are.
 *
 * @example
 * ```ts
 * import { BytesBuffer, BytesCodec } from 'weft/codec';
 * const codec = new BytesCodec();
 * const buf = new BytesBuffer();
 * codec.encode(new Uint8Array([1, 2]), buf);
 * console.assert(codec.decode(buf)?.length === 2 && codec.decode(buf) === undefined);
 * ```
 */
export class BytesCodec implements Codec<Uint8Array, Uint8Array> {
  /** Everything buffered, or undefined when nothing is. */
  decode(buf: BytesBuffer): Uint8Array | undefined {
    return buf.length === 0 ? undefined : buf.take(buf.length);
  }

  /** @throws TypeError if `frame` is not a Uint8Array */
  encode(frame: Uint8Array, dst: BytesBuffer): void {
    if (!(frame instanceof Uint8Array)) throw new TypeError('BytesCodec.encode: expected a Uint8Array');
    dst.write(frame);
  }
}
