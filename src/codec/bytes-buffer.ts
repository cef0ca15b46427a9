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

const SLAB = 64 * 1024;
let slab = new ArrayBuffer(SLAB);
let slabUsed = 0;

/** A new Uint8Array of `n` bytes (contents unspecified): a slab slice when small, else its own memory. */
function allocCopy(n: number): Uint8Array {
  if (n > 1024) return new Uint8Array(n);
  if (slabUsed + n > SLAB) {
    slab = new ArrayBuffer(SLAB);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, n);
  slabUsed = (slabUsed + n + 7) & ~7;
  return out;
}

/**
 * A growable byte buffer with a read end and a write end (the `bytes` crate's
 * `BytesMut`): what codecs decode frames from and encode frames into. Readable
 * bytes are `[0, length)`; writes append after them. Consumed space at the
 * front is reclaimed by compaction, so a buffer used for a whole connection
 * keeps the size of its largest pending frame.
 *
 * Views (`view`, `spare`) share memory with the buffer and are valid until the
 * next call that writes, reserves or consumes; `take` returns a copy.
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
   * Removes the first `n` readable bytes and returns them as a new (copied)
   * array. Small copies are carved from a shared slab (as Node's Buffer pool
   * does), so a frame does not cost an allocation of its own.
   */
  take(n: number): Uint8Array {
    check(n, this.length, 'take', 'n');
    const out = allocCopy(n);
    this.#data.copy(out, 0, this.#start, this.#start + n);
    this.#consume(n);
    return out;
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
