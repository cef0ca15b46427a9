/**
 * weft/codec: framing for byte streams. `Framed` turns a stream into frames
 * with a `Codec`: `LinesCodec`, `LengthDelimitedCodec`, `BytesCodec`, or your
 * own; `BytesBuffer` is the buffer codecs work on.
 * @module
 */
export { BytesBuffer } from './bytes-buffer.js';
export type { Codec } from './codec.js';
export { LinesCodec, type LinesCodecOptions } from './lines-codec.js';
export { LengthDelimitedCodec, type LengthDelimitedCodecOptions } from './length-delimited-codec.js';
export { BytesCodec } from './bytes-codec.js';
export { Framed, type FramedIo, type FramedOptions } from './framed.js';
export { FrameTooLargeError } from '../io/errors.js';
export { UnexpectedEofError, ReadTimeoutError } from '../io/errors.js';
