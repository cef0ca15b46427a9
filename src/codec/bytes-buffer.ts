import { integer } from '../core/validate.js';

function check(n: number, max: number, fn: string, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new RangeError(`BytesBuffer.${fn}: ${what} must be an integer from 0 to ${max}, got ${String(n)}`);
  }
}

/** Buffer's own UTF-8 decoder (what `toString('utf8', start, end)` ends in, minus its argument handling). */
const utf8Slice: (this: Buffer, start: number, end: number) => string =
  (Buffer.prototype as unknown as { utf8Slice?: (this: Buffer, start: number, end: number) => string }).utf8Slice ??
  function (this: Buffer, start: number, end: number): string {
    return this.toString('utf8', start, end);
  };

/** Buffer's own Latin-1 decoder (one char per byte), as `utf8Slice`. */
const latin1Slice: (this: Buffer, start: number, end: number) => string =
  (Buffer.prototype as unknown as { latin1Slice?: (this: Buffer, start: number, end: number) => string }).latin1Slice ??
  function (this: Buffer, start: number, end: number): string {
    return this.toString('latin1', start, end);
  };

/**
 * A growable byte buffer with a read end and a write end (the `bytes` crate's
 * `BytesMut`): what codecs decode frames from and encode frames into. Readable
 * bytes are `[0, length)`; writes append after them. Consumed space at the
 * front is reclaimed by compaction, so a buffer used for a whole connection
 * keeps the size of its largest pending frame.
 *
 * Views (`view`, `spare`) share memory with the buffer and are valid until the
 * next call that writes, reserves or consumes; `take` returns a copy that owns
 * its memory. Text comes out as UTF-8 (`utf8`) or byte for byte (`latin1`, for
 * binary-safe protocols such as RESP whose payloads need not be UTF-8).
 *
 * @example
 * ```ts
 * import { BytesBuffer } from 'weft/codec';
 * const buf = new BytesBuffer();
 * buf.writeUint32(5);
 * buf.writeString('hello');
 * console.assert(buf.length === 9 && buf.readUint(0, 4) === 5);
 * buf.advance(4);
 * console.assert(new TextDecoder().decode(buf.take(5)) === 'hello' && buf.length === 0);
 * ```
 */
export class BytesBuffer {
  #data: Buffer;
  #start = 0;
  #end = 0;

  /** @param capacity initial capacity in bytes (default 8 KiB); the buffer grows as needed */
  constructor(capacity = 8192) {
    this.#data = Buffer.allocUnsafe(integer(capacity, 'BytesBuffer', 'capacity', 0, 2 ** 31));
  }

  /** Readable bytes. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** Bytes the buffer can hold without growing (readable + spare + reclaimable). */
  get capacity(): number {
    return this.#data.length;
  }

  /** The readable byte at `index` (undefined past the end). */
  at(index: number): number | undefined {
    return index >= 0 && index < this.#end - this.#start ? this.#data[this.#start + index] : undefined;
  }

  /** Index of the first `byte` at or after `from` among the readable bytes, or -1. */
  indexOf(byte: number, from = 0): number {
    const start = this.#start + Math.max(0, from);
    if (start >= this.#end) return -1;
    // Searching the whole storage avoids a view per call; a hit past the end is stale bytes.
    const i = this.#data.indexOf(byte, start);
    return i < 0 || i >= this.#end ? -1 : i - this.#start;
  }

  /**
   * Reads an unsigned big-endian integer of `size` bytes (1, 2, 4, 6 or 8) at
   * `offset`. An 8-byte value above 2^53 comes back as `Infinity` (too large for
   * any frame).
   * @throws RangeError if the bytes are not all readable
   */
  readUint(offset: number, size: 1 | 2 | 4 | 6 | 8): number {
    check(offset, this.length - size, 'readUint', 'offset');
    const at = this.#start + offset;
    if (size !== 8) return this.#data.readUIntBE(at, size);
    const hi = this.#data.readUInt32BE(at);
    if (hi > 0x1fffff) return Infinity;
    return hi * 0x1_0000_0000 + this.#data.readUInt32BE(at + 4);
  }

  /** A view of readable bytes `[start, end)` (no copy; valid until the buffer changes). */
  view(start = 0, end = this.length): Uint8Array {
    check(end, this.length, 'view', 'end');
    check(start, end, 'view', 'start');
    return this.#data.subarray(this.#start + start, this.#start + end);
  }

  /** Decodes readable bytes `[start, end)` as UTF-8 (invalid sequences become U+FFFD). */
  utf8(start = 0, end = this.length): string {
    check(end, this.length, 'utf8', 'end');
    check(start, end, 'utf8', 'start');
    return utf8Slice.call(this.#data, this.#start + start, this.#start + end);
  }

  /**
   * Decodes readable bytes `[start, end)` as Latin-1: one character per byte
   * (code points 0–255), so any bytes round-trip through `writeLatin1`
   * unchanged. For binary-safe text such as keys and values of a byte protocol.
   */
  latin1(start = 0, end = this.length): string {
    check(end, this.length, 'latin1', 'end');
    check(start, end, 'latin1', 'start');
    return latin1Slice.call(this.#data, this.#start + start, this.#start + end);
  }

  /**
   * Removes the first `n` readable bytes and returns them in a new array of
   * exactly `n` bytes that owns its memory: keeping a small frame keeps only
   * its own bytes alive, never this buffer or a shared slab.
   */
  take(n: number): Uint8Array {
    check(n, this.length, 'take', 'n');
    const out = new Uint8Array(n);
    this.#data.copy(out, 0, this.#start, this.#start + n);
    this.#consume(n);
    return out;
  }

  /**
   * Keeps the first `n` readable bytes and discards the rest (from the write
   * end), as `BytesMut::truncate`; larger `n` changes nothing. Lets an encoder
   * undo a partly written frame.
   */
  truncate(n: number): void {
    check(n, 2 ** 31, 'truncate', 'n');
    if (n < this.#end - this.#start) this.#end = this.#start + n;
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  /** Discards the first `n` readable bytes. */
  advance(n: number): void {
    check(n, this.length, 'advance', 'n');
    this.#consume(n);
  }

  /** Discards every readable byte. */
  clear(): void {
    this.#start = this.#end = 0;
  }

  /** Makes room for at least `n` more bytes after the readable ones (compacting, then growing). */
  reserve(n: number): void {
    if (this.#data.length - this.#end >= n) return;
    check(n, 2 ** 31, 'reserve', 'n');
    const length = this.#end - this.#start;
    if (this.#data.length - length >= n && this.#start >= length) {
      this.#data.copy(this.#data, 0, this.#start, this.#end);
    } else {
      let cap = Math.max(this.#data.length * 2, 64);
      while (cap - length < n) cap *= 2;
      const grown = Buffer.allocUnsafe(cap);
      this.#data.copy(grown, 0, this.#start, this.#end);
      this.#data = grown;
    }
    this.#start = 0;
    this.#end = length;
  }

  /** The writable space after the readable bytes (call `reserve` first, `commit` after filling it). */
  spare(): Uint8Array {
    return this.#data.subarray(this.#end);
  }

  /** Marks `n` bytes written into `spare()` as readable. */
  commit(n: number): void {
    check(n, this.#data.length - this.#end, 'commit', 'n');
    this.#end += n;
  }

  /** Appends `bytes`. */
  write(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.#data.set(bytes, this.#end);
    this.#end += bytes.length;
  }

  /** Appends `text` encoded as UTF-8; returns the number of bytes written. */
  writeString(text: string): number {
    const n = Buffer.byteLength(text);
    this.reserve(n);
    this.#end += this.#data.write(text, this.#end, n, 'utf8');
    return n;
  }

  /**
   * Appends `text` as Latin-1, one byte per character (its low 8 bits);
   * returns the number of bytes written (`text.length`). The inverse of `latin1()`.
   */
  writeLatin1(text: string): number {
    const n = text.length;
    this.reserve(n);
    this.#end += this.#data.write(text, this.#end, n, 'latin1');
    return n;
  }

  /** Appends one byte. */
  writeUint8(value: number): void {
    this.reserve(1);
    this.#data[this.#end++] = value;
  }

  /** Appends `value` as an unsigned big-endian integer of `size` bytes (1, 2, 4, 6 or 8; 8 allows up to 2^53 - 1). */
  writeUint(value: number, size: 1 | 2 | 4 | 6 | 8): void {
    this.reserve(size);
    if (size === 8) {
      this.#data.writeUInt32BE(Math.floor(value / 0x1_0000_0000), this.#end);
      this.#data.writeUInt32BE(value >>> 0, this.#end + 4);
    } else {
      this.#data.writeUIntBE(value, this.#end, size);
    }
    this.#end += size;
  }

  /** Appends a big-endian 32-bit unsigned integer. */
  writeUint32(value: number): void {
    this.writeUint(value, 4);
  }

  /** A copy of the readable bytes. */
  toUint8Array(): Uint8Array {
    const out = new Uint8Array(this.length);
    out.set(this.#data.subarray(this.#start, this.#end));
    return out;
  }

  #consume(n: number): void {
    this.#start += n;
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }
}
