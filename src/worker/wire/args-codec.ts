/**
 * How call arguments travel through the pool's shared arena.
 *
 * Most calls pass a few numbers and strings. Those are written straight into
 * shared memory in a small tagged format, with no intermediate buffer and no
 * serializer object (v8's serializer is a native object per call, which costs
 * more in garbage collection than the copy itself). Anything else (objects,
 * arrays, typed arrays, Maps, Dates, ...) is structured-cloned into bytes with
 * v8's serializer when the call is made, and those bytes are copied in.
 *
 * A `parMap` chunk of numbers is written as float64s and read back as a
 * `Float64Array` over shared memory, with no per-item encoding.
 *
 * Byte 0 says which: `FAST` (then a u32 count and one tagged value per
 * argument), `V8` (then v8's bytes) or `F64` (a u32 count at byte 4, the
 * numbers from byte 8).
 */
import { DefaultSerializer, deserialize } from 'node:v8';

const FAST = 0;
const V8 = 1;
/** A map job over numbers: the items as float64s, 8-byte aligned. */
const F64 = 2;

const T_UNDEFINED = 0;
const T_NULL = 1;
const T_TRUE = 2;
const T_FALSE = 3;
const T_INT = 4;
const T_DOUBLE = 5;
const T_STRING = 6;
const T_BIGINT = 7;

/**
 * An upper bound of the encoded size of `args` if every argument is a
 * primitive (then they need no copy taken now: they cannot change), else -1.
 */
export function fastBound(args: readonly unknown[]): number {
  let size = 5;
  for (let i = 0; i < args.length; i++) {
    const v = args[i];
    switch (typeof v) {
      case 'number':
        size += 9;
        break;
      case 'string':
        size += 5 + v.length * 3;
        break;
      case 'boolean':
      case 'undefined':
        size += 1;
        break;
      case 'bigint':
        size += 5 + 24 + ((v < 0n ? -v : v).toString(16).length * 5) / 4;
        break;
      case 'object':
        if (v !== null) return -1;
        size += 1;
        break;
      default:
        return -1;
    }
  }
  return Math.ceil(size);
}

/** Writes primitive `args` at `at`; returns the bytes written. */
export function writeFast(args: readonly unknown[], buf: Buffer, at: number): number {
  let p = at;
  buf[p++] = FAST;
  buf.writeUInt32LE(args.length, p);
  p += 4;
  for (let i = 0; i < args.length; i++) {
    const v = args[i];
    switch (typeof v) {
      case 'number':
        if ((v | 0) === v && !Object.is(v, -0)) {
          buf[p++] = T_INT;
          buf.writeInt32LE(v, p);
          p += 4;
        } else {
          buf[p++] = T_DOUBLE;
          buf.writeDoubleLE(v, p);
          p += 8;
        }
        break;
      case 'string': {
        buf[p++] = T_STRING;
        const n = buf.write(v, p + 4, 'utf8');
        buf.writeUInt32LE(n, p);
        p += 4 + n;
        break;
      }
      case 'boolean':
        buf[p++] = v ? T_TRUE : T_FALSE;
        break;
      case 'bigint': {
        buf[p++] = T_BIGINT;
        const n = buf.write(v.toString(), p + 4, 'latin1');
        buf.writeUInt32LE(n, p);
        p += 4 + n;
        break;
      }
      default:
        buf[p++] = v === null ? T_NULL : T_UNDEFINED;
    }
  }
  return p - at;
}

/** Bytes for a map job over `items` if every item is a number, else -1. */
export function numbersBound(items: unknown): number {
  if (items instanceof Float64Array) return 8 + items.length * 8;
  if (!Array.isArray(items)) return -1;
  for (let i = 0; i < items.length; i++) if (typeof items[i] !== 'number') return -1;
  return 8 + items.length * 8;
}

/** Writes a map job's numbers at `at` (8-byte aligned); returns the bytes written. */
export function writeNumbers(items: ArrayLike<number>, buf: Buffer, at: number): number {
  buf[at] = F64;
  buf.writeUInt32LE(items.length, at + 4);
  new Float64Array(buf.buffer, buf.byteOffset + at + 8, items.length).set(items);
  return 8 + items.length * 8;
}

/**
 * Reads the arguments written at `at` (any format). A map job's numbers come
 * back as a view of the shared memory, valid while the job runs.
 */
export function readArgs(buf: Buffer, at: number, len: number): unknown[] {
  if (buf[at] === V8) return deserialize(buf.subarray(at + 1, at + len)) as unknown[];
  if (buf[at] === F64) return [new Float64Array(buf.buffer, buf.byteOffset + at + 8, buf.readUInt32LE(at + 4))];
  let p = at + 1;
  const count = buf.readUInt32LE(p);
  p += 4;
  const args = new Array<unknown>(count);
  for (let i = 0; i < count; i++) {
    const tag = buf[p++];
    switch (tag) {
      case T_INT:
        args[i] = buf.readInt32LE(p);
        p += 4;
        break;
      case T_DOUBLE:
        args[i] = buf.readDoubleLE(p);
        p += 8;
        break;
      case T_STRING:
      case T_BIGINT: {
        const n = buf.readUInt32LE(p);
        p += 4;
        const text = buf.toString(tag === T_STRING ? 'utf8' : 'latin1', p, p + n);
        args[i] = tag === T_STRING ? text : BigInt(text);
        p += n;
        break;
      }
      case T_TRUE:
        args[i] = true;
        break;
      case T_FALSE:
        args[i] = false;
        break;
      case T_NULL:
        args[i] = null;
        break;
      default:
        args[i] = undefined;
    }
  }
  return args;
}

const writeHostObject = (DefaultSerializer.prototype as unknown as { _writeHostObject(object: object): void })
  ._writeHostObject;

/**
 * v8's serializer (structured clone into bytes), except that memory meant to
 * be shared (a view of a SharedArrayBuffer) makes it throw: such calls go by
 * message, which shares it, instead of copying it.
 */
class Serializer extends DefaultSerializer {
  _writeHostObject(object: object): void {
    if (ArrayBuffer.isView(object) && !(object.buffer instanceof ArrayBuffer)) {
      throw new TypeError('shared memory');
    }
    writeHostObject.call(this, object);
  }
}

/** `args` structured-cloned into bytes, with the `V8` format byte first. Throws what the serializer throws. */
export function serializeArgs(args: readonly unknown[]): Buffer {
  const serializer = new Serializer();
  serializer.writeRawBytes(HEADER);
  serializer.writeHeader();
  serializer.writeValue(args);
  return serializer.releaseBuffer();
}

const HEADER = Buffer.from([V8]);
