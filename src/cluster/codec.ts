/**
 * The cluster wire format, versions 1 and 2: how a value crosses between processes.
 *
 * A message is one version byte followed by UTF-8 JSON. Values JSON can hold
 * go as they are; the rest are tagged objects, `{"$w": tag, ...}`:
 *
 * | value                         | encoded as                                     |
 * | ----------------------------- | ---------------------------------------------- |
 * | `undefined`                   | `{"$w":"u"}`                                   |
 * | `NaN`, `±Infinity`, `-0`      | `{"$w":"num","d":"NaN"}` (`"Infinity"`, ...)   |
 * | `BigInt`                      | `{"$w":"big","d":"123"}` (decimal)             |
 * | `Date`                        | `{"$w":"date","d":ms}` (`null`: invalid date)  |
 * | `Uint8Array` (and `Buffer`)   | `{"$w":"u8","d":"<base64>"}` (decodes to `Uint8Array`) |
 * | `Map`                         | `{"$w":"map","d":[[k,v],...]}` (any keys)      |
 * | `Set`                         | `{"$w":"set","d":[v,...]}`                     |
 * | `Error` (and subclasses)      | `{"$w":"err","n":name,"m":message,"p":{own props},"s":stack?,"c":cause?}` |
 * | an object with a `$w` key     | `{"$w":"obj","d":[[k,v],...]}` (escaped)       |
 * | a reply handle (`ask`)        | `{"$w":"reply","d":{"c":inbox,"i":id}}` (cluster-internal) |
 * | an actor ref (version 2)      | `{"$w":"ref","d":{"n":name}}` or `{"d":{"k":kind,"i":id}}` (cluster-internal) |
 *
 * Plain objects (prototype `Object.prototype` or `null`) and arrays nest
 * freely (array holes become `undefined`; symbol keys are skipped, as
 * `structuredClone` does). What cannot cross throws {@link CodecError} with
 * the path to it: functions, symbols, class instances other than the ones
 * above, cycles, nesting deeper than {@link MAX_DEPTH}. Shared references
 * are copied, not preserved (a DAG arrives as a tree). Errors decode to the
 * registered weft error class of the same name when the receiver has it
 * loaded, otherwise to an `Error` with that `name`.
 *
 * Versions: 1 is the format above without actor refs; 2 adds the `ref` tag.
 * A message is written with the lowest version that can express it (version 1
 * unless it carries an actor ref), so a node of an older build still reads
 * every message it could understand, and refuses the others with
 * {@link WireFormatError} naming the version rather than misreading them. A
 * reader takes every version from {@link MIN_WIRE_VERSION} to
 * {@link WIRE_VERSION}.
 */
import { weftErrorClass } from '../core/errors.js';
import { CodecError, WireFormatError } from './errors.js';

/** The newest wire format version this build writes and reads. */
export const WIRE_VERSION = 2;
/** The oldest wire format version this build reads. */
export const MIN_WIRE_VERSION = 1;
/** The version a tag appeared in; a tag not listed is of version 1. */
const TAG_VERSION: Readonly<Record<string, number>> = { ref: 2 };
/** The deepest nesting the codec accepts. */
export const MAX_DEPTH = 512;

/** @internal Lets the cluster encode its own handles (replies, refs) inside messages. */
export interface CodecHooks {
  /** Returns a tagged form for a value the codec does not know, or undefined. */
  encode?(value: object): { tag: string; data: unknown } | undefined;
  /** Rebuilds a value tagged by `encode`. */
  decode?(tag: string, data: unknown): unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encodes `value` into wire-format bytes.
 * @param value a structured-clone-compatible value (see the module docs)
 * @returns the bytes: version byte, then UTF-8 JSON
 * @throws CodecError when part of `value` cannot cross (the error's `path` says which)
 * @example
 * ```ts
 * import { encode, decode } from 'weft/cluster';
 * const bytes = encode({ at: new Date(0), tags: new Set(['a']), n: 10n });
 * const back = decode(bytes) as { at: Date; tags: Set<string>; n: bigint };
 * console.assert(back.at.getTime() === 0 && back.tags.has('a') && back.n === 10n);
 * ```
 */
export function encode(value: unknown): Uint8Array {
  return encodeWith(value, undefined);
}

/** @internal {@link encode} with the cluster's hooks (reply handles). */
export function encodeWith(value: unknown, hooks: CodecHooks | undefined): Uint8Array {
  const { json, version } = encodeJson(value, hooks);
  return frameJson(json, version);
}

/** @internal A value's JSON body and the lowest wire version that can carry it. */
export interface EncodedJson {
  json: string;
  version: number;
}

/** @internal The JSON body of `value` (no version byte), for batching several values in one frame. */
export function encodeJson(value: unknown, hooks?: CodecHooks): EncodedJson {
  const walk: Walk = { stack: [], hooks, version: MIN_WIRE_VERSION };
  const json = JSON.stringify(toTree(value, 'value', walk, 0));
  return { json, version: walk.version };
}

/**
 * @internal Frames a JSON body made of {@link encodeJson} parts as a wire
 * message of `version` (the highest of the parts' versions).
 */
export function frameJson(json: string, version: number): Uint8Array {
  const body = encoder.encode(json);
  const out = new Uint8Array(body.length + 1);
  out[0] = version;
  out.set(body, 1);
  return out;
}

/**
 * Decodes wire-format bytes made by {@link encode}.
 * @param bytes the message
 * @returns the value
 * @throws WireFormatError when the bytes are empty, of another version, or not valid JSON of the format
 * @example
 * ```ts
 * import { encode, decode } from 'weft/cluster';
 * const m = decode(encode(new Map([[1, undefined]]))) as Map<number, undefined>;
 * console.assert(m.has(1) && m.get(1) === undefined);
 * ```
 */
export function decode(bytes: Uint8Array): unknown {
  return decodeWith(bytes, undefined);
}

/** @internal {@link decode} with the cluster's hooks (reply handles). */
export function decodeWith(bytes: Uint8Array, hooks: CodecHooks | undefined): unknown {
  if (bytes.length === 0) throw new WireFormatError('an empty message is not a weft wire message');
  const version = bytes[0]!;
  if (version < MIN_WIRE_VERSION || version > WIRE_VERSION) {
    throw new WireFormatError(
      `wire format version ${version} is not supported (this build reads ${MIN_WIRE_VERSION} to ${WIRE_VERSION})`,
    );
  }
  let tree: unknown;
  try {
    tree = JSON.parse(decoder.decode(bytes.subarray(1)));
  } catch (cause) {
    throw new WireFormatError('the message body is not valid JSON', { cause });
  }
  try {
    return fromTree(tree, hooks, 0);
  } catch (cause) {
    if (cause instanceof WireFormatError) throw cause;
    throw new WireFormatError('the message is JSON but not of the weft wire format', { cause });
  }
}

function describe(value: object): string {
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'an object with a custom prototype';
}

/** The state of one encoding walk. */
interface Walk {
  /** The objects being encoded around the current one (cycle detection). */
  stack: object[];
  hooks: CodecHooks | undefined;
  /** The lowest version that can carry what was met so far. */
  version: number;
}

function toTree(value: unknown, path: string, walk: Walk, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { $w: 'num', d: Object.is(value, -0) ? '-0' : String(value) };
    case 'undefined':
      return { $w: 'u' };
    case 'bigint':
      return { $w: 'big', d: value.toString() };
    case 'function':
      throw new CodecError(path, 'a function cannot be sent');
    case 'symbol':
      throw new CodecError(path, 'a symbol cannot be sent');
  }
  if (value === null) return null;
  const obj = value as object;
  if (depth >= MAX_DEPTH) throw new CodecError(path, `nested deeper than ${MAX_DEPTH} levels`);
  const stack = walk.stack;
  if (stack.includes(obj))
    throw new CodecError(path, 'the value contains a cycle (it refers back to an object that contains it)');
  const proto = Object.getPrototypeOf(obj) as object | null;
  if (proto === Object.prototype || proto === null) {
    stack.push(obj);
    const keys = Object.keys(obj);
    let escaped = false;
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      if (k === '$w') escaped = true;
      setOwn(out, k, toTree((obj as Record<string, unknown>)[k], `${path}.${k}`, walk, depth + 1));
    }
    stack.pop();
    return escaped ? { $w: 'obj', d: Object.entries(out) } : out;
  }
  if (Array.isArray(obj)) {
    stack.push(obj);
    const out = new Array<unknown>(obj.length);
    for (let i = 0; i < obj.length; i++) out[i] = toTree(obj[i], `${path}[${i}]`, walk, depth + 1);
    stack.pop();
    return out;
  }
  if (obj instanceof Uint8Array) {
    return { $w: 'u8', d: Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString('base64') };
  }
  if (obj instanceof Date) {
    const t = obj.getTime();
    return { $w: 'date', d: Number.isNaN(t) ? null : t };
  }
  if (obj instanceof Map) {
    stack.push(obj);
    const d: unknown[] = [];
    let i = 0;
    for (const [k, v] of obj) {
      d.push([toTree(k, `${path}.<key ${i}>`, walk, depth + 1), toTree(v, `${path}.get(<key ${i}>)`, walk, depth + 1)]);
      i++;
    }
    stack.pop();
    return { $w: 'map', d };
  }
  if (obj instanceof Set) {
    stack.push(obj);
    const d: unknown[] = [];
    let i = 0;
    for (const v of obj) d.push(toTree(v, `${path}.<item ${i++}>`, walk, depth + 1));
    stack.pop();
    return { $w: 'set', d };
  }
  const hooked = walk.hooks?.encode?.(obj);
  if (hooked !== undefined) {
    walk.version = Math.max(walk.version, TAG_VERSION[hooked.tag] ?? MIN_WIRE_VERSION);
    return { $w: hooked.tag, d: hooked.data };
  }
  if (obj instanceof Error) {
    stack.push(obj);
    const p: Record<string, unknown> = {};
    for (const k of Object.keys(obj)) {
      if (k === 'stack' || k === 'message' || k === 'name' || k === 'cause') continue;
      const v = (obj as unknown as Record<string, unknown>)[k];
      if (typeof v === 'function' || typeof v === 'symbol') continue;
      try {
        setOwn(p, k, toTree(v, `${path}.${k}`, walk, depth + 1));
      } catch {
        // An error's extra fields are best-effort: one that cannot cross is left out.
      }
    }
    const out: Record<string, unknown> = { $w: 'err', n: obj.name, m: obj.message, p };
    if (typeof obj.stack === 'string') out['s'] = obj.stack;
    if ('cause' in obj) {
      try {
        out['c'] = toTree(obj.cause, `${path}.cause`, walk, depth + 1);
      } catch {
        out['c'] = { $w: 'u' };
      }
    }
    stack.pop();
    return out;
  }
  throw new CodecError(path, `a class instance (${describe(obj)}) cannot be sent; send a plain object instead`);
}

/**
 * `obj[k] = v` as an own data property, also for the key `__proto__`, which a
 * plain assignment would take as a prototype change (structured clone keeps
 * it as a field, and so must we; JSON.parse already does).
 */
function setOwn(obj: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__')
    Object.defineProperty(obj, k, { value: v, writable: true, enumerable: true, configurable: true });
  else obj[k] = v;
}

function fromTree(tree: unknown, hooks: CodecHooks | undefined, depth: number): unknown {
  if (tree === null || typeof tree !== 'object') return tree;
  if (depth > MAX_DEPTH + 2) throw new WireFormatError(`the message nests deeper than ${MAX_DEPTH} levels`);
  // JSON.parse made fresh arrays and objects: untagged ones are revived in place.
  if (Array.isArray(tree)) {
    for (let i = 0; i < tree.length; i++) {
      const v = tree[i] as unknown;
      if (v !== null && typeof v === 'object') tree[i] = fromTree(v, hooks, depth + 1);
    }
    return tree;
  }
  const rec = tree as Record<string, unknown>;
  const tag = rec['$w'];
  if (tag === undefined) {
    for (const k in rec) {
      const v = rec[k];
      if (v !== null && typeof v === 'object') rec[k] = fromTree(v, hooks, depth + 1);
    }
    return rec;
  }
  const d = rec['d'];
  switch (tag) {
    case 'u':
      return undefined;
    case 'num':
      return d === '-0' ? -0 : Number(d);
    case 'big':
      return BigInt(String(d));
    case 'date':
      return new Date(d === null ? NaN : Number(d));
    case 'u8': {
      const buf = Buffer.from(String(d), 'base64');
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength).slice();
    }
    case 'map':
      return new Map(
        (d as unknown[][]).map(([k, v]) => [fromTree(k, hooks, depth + 1), fromTree(v, hooks, depth + 1)] as const),
      );
    case 'set':
      return new Set((d as unknown[]).map((v) => fromTree(v, hooks, depth + 1)));
    case 'obj': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of d as [string, unknown][]) setOwn(out, k, fromTree(v, hooks, depth + 1));
      return out;
    }
    case 'err':
      return reviveError(rec, hooks, depth);
  }
  if (typeof tag === 'string' && hooks?.decode !== undefined) return hooks.decode(tag, d);
  throw new WireFormatError(`unknown tag ${JSON.stringify(tag)} in a wire message`);
}

function reviveError(rec: Record<string, unknown>, hooks: CodecHooks | undefined, depth: number): Error {
  const name = String(rec['n']);
  const cls = weftErrorClass(name);
  const err = (cls !== undefined ? Object.create(cls.prototype as object) : new Error()) as Error;
  Object.defineProperty(err, 'message', { value: String(rec['m']), writable: true, configurable: true });
  // weft errors set `name` as an own field in their constructor, which Object.create skipped.
  Object.defineProperty(err, 'name', {
    value: name,
    writable: true,
    enumerable: cls !== undefined,
    configurable: true,
  });
  const props = (rec['p'] ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(props)) {
    Object.defineProperty(err, k, {
      value: fromTree(props[k], hooks, depth + 1),
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  if (typeof rec['s'] === 'string') {
    Object.defineProperty(err, 'stack', { value: rec['s'], writable: true, configurable: true });
  }
  if ('c' in rec) {
    Object.defineProperty(err, 'cause', {
      value: fromTree(rec['c'], hooks, depth + 1),
      writable: true,
      configurable: true,
    });
  }
  return err;
}
