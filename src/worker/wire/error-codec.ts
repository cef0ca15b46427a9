/**
 * Thrown values across threads. Structured clone keeps an error's message and
 * stack but drops its class (a custom error arrives as a plain `Error`) and its
 * own properties such as `code`. weft sends errors as plain records and builds
 * them back with their class:
 *
 * - every weft error class, from core's registry (`weftErrorClass(name)`);
 *   the errors.ts files of every area up to this one are imported below, so
 *   the registry is the same on every thread whatever the task modules
 *   import;
 * - the standard classes (Error, TypeError, RangeError, SyntaxError,
 *   ReferenceError, EvalError, URIError, AggregateError);
 * - a user's class registered with `registerError` on both threads;
 * - any other error arrives as an `Error` with the original `name`.
 *
 * `message`, `stack`, `cause` (recursively), `errors` (AggregateError) and the
 * own data properties (`code`, `SendError.value`, ...) are kept.
 */
import { weftErrorClass } from '../../core/errors.js';
// Each area's errors register themselves when loaded: load every area at or
// below this layer here. (Areas above it, such as observe/, register theirs
// when a module that uses them is loaded: a task module that throws one
// imports it, so it is registered on the worker too.)
import '../../task/errors.js';
import '../../runtime/errors.js';
import '../../time/errors.js';
import '../../sync/errors.js';
import '../../io/errors.js';
import '../../net/errors.js';
import '../../http/errors.js';
import '../errors.js';

/** A thrown value as it travels. */
export type EncodedThrown =
  | {
      e: 1;
      name: string;
      message: string;
      stack: string | undefined;
      props: Record<string, unknown> | undefined;
      cause?: EncodedThrown;
      errors?: EncodedThrown[];
    }
  | { e: 0; value: unknown };

/** A class whose instances can be rebuilt: its prototype is all the decoder needs. */
type ErrorClass = abstract new (...args: never[]) => Error;

const builtins = new Map<string, ErrorClass>([
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
  ['AggregateError', AggregateError],
]);

/** Classes registered with `registerError`, by name. */
const userClasses = new Map<string, ErrorClass>();

/**
 * Registers an error class of your own so that an instance thrown on one
 * thread arrives on the other as that class (`instanceof` holds), with its
 * `message`, `stack`, `cause` and own data properties. Call it at the top
 * level of a module both threads load (the task's module is imported by the
 * worker, so registering there covers both sides). weft's own error classes
 * and the standard JS ones need no registration. An error of a class nobody
 * registered arrives as an `Error` whose `name` is the original class's name.
 *
 * The instance is rebuilt from the class's prototype: its constructor does not
 * run on the receiving thread, so state the constructor computes must be in
 * own data properties (they travel) or derivable from them.
 *
 * @param errorClass a class extending `Error`
 * @param name the name it travels under; default `errorClass.name` (pass it
 *   explicitly if your build minifies class names)
 * @returns `errorClass`, so it can wrap the class declaration
 * @throws TypeError if `errorClass` is not a subclass of `Error`, the name is
 *   empty, or a different class is already registered under that name (weft's
 *   and the standard names are taken)
 *
 * @example
 * ```ts
 * import { registerError } from 'weft/worker';
 * export class QuotaError extends Error {
 *   override readonly name = 'QuotaError';
 *   constructor(readonly limit: number) {
 *     super(`over the quota of ${limit}`);
 *   }
 * }
 * registerError(QuotaError); // top level: runs on every thread that loads the module
 * console.assert(registerError(QuotaError) === QuotaError); // registering again is a no-op
 * ```
 */
export function registerError<C extends abstract new (...args: never[]) => Error>(errorClass: C, name?: string): C {
  if (typeof errorClass !== 'function' || !(errorClass.prototype instanceof Error)) {
    throw new TypeError('registerError: errorClass must be a class extending Error');
  }
  const key = name ?? errorClass.name;
  if (typeof key !== 'string' || key === '') throw new TypeError('registerError: the name must be a non-empty string');
  const known = userClasses.get(key) ?? builtins.get(key) ?? weftErrorClass(key);
  if (known !== undefined && known !== errorClass) {
    throw new TypeError(`registerError: another class is already registered as '${key}'`);
  }
  userClasses.set(key, errorClass);
  return errorClass;
}

/** The class to rebuild an error named `name` with, if this thread knows one. */
function classOf(name: string): ErrorClass | undefined {
  return weftErrorClass(name) ?? builtins.get(name) ?? userClasses.get(name);
}

const skipped = new Set(['name', 'message', 'stack', 'cause', 'errors']);

/**
 * A thrown value as a record that structured clone carries whole. With
 * `plain`, own properties that are not primitives are dropped and a non-error
 * value is turned into its string (the fallback when the full record cannot
 * be cloned).
 */
export function encodeThrown(value: unknown, plain = false, depth = 0): EncodedThrown {
  if (!(value instanceof Error)) {
    return { e: 0, value: plain ? describeValue(value) : value };
  }
  let props: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    if (skipped.has(key)) continue;
    const v = (value as unknown as Record<string, unknown>)[key];
    if (typeof v === 'function' || typeof v === 'symbol') continue;
    if (plain && !isPrimitive(v)) continue;
    (props ??= {})[key] = v;
  }
  const out: EncodedThrown = {
    e: 1,
    name: String(value.name),
    message: String(value.message),
    stack: typeof value.stack === 'string' ? value.stack : undefined,
    props,
  };
  if (depth < 16) {
    if ('cause' in value && value.cause !== undefined) out.cause = encodeThrown(value.cause, plain, depth + 1);
    if (value instanceof AggregateError && Array.isArray(value.errors)) {
      out.errors = value.errors.map((err: unknown) => encodeThrown(err, plain, depth + 1));
    }
  }
  return out;
}

/**
 * The same record without anything structured clone may refuse: own
 * properties that are not primitives dropped (`code` stays), thrown
 * non-errors as strings.
 */
export function plainThrown(encoded: EncodedThrown): EncodedThrown {
  if (encoded.e === 0) return { e: 0, value: describeValue(encoded.value) };
  let props: Record<string, unknown> | undefined;
  if (encoded.props !== undefined) {
    for (const [key, v] of Object.entries(encoded.props)) if (isPrimitive(v)) (props ??= {})[key] = v;
  }
  const out: EncodedThrown = { ...encoded, props };
  if (encoded.cause !== undefined) out.cause = plainThrown(encoded.cause);
  if (encoded.errors !== undefined) out.errors = encoded.errors.map(plainThrown);
  return out;
}

/** Builds the thrown value back on the receiving thread. */
export function decodeThrown(encoded: EncodedThrown): unknown {
  if (encoded.e === 0) return encoded.value;
  const { name, message, stack, props } = encoded;
  const cls = classOf(name);
  // Built from the prototype, not the constructor: constructors take their own arguments.
  const error = Object.create((cls ?? Error).prototype as object) as Error;
  define(error, 'message', message);
  if (error.name !== name) define(error, 'name', name); // a class field, not on the prototype
  if (encoded.errors !== undefined) define(error, 'errors', encoded.errors.map(decodeThrown));
  if (props !== undefined) for (const key of Object.keys(props)) define(error, key, props[key], true);
  define(error, 'stack', stack ?? `${name}: ${message}`);
  if (encoded.cause !== undefined) define(error, 'cause', decodeThrown(encoded.cause));
  return error;
}

function isPrimitive(v: unknown): boolean {
  return v === null || (typeof v !== 'object' && typeof v !== 'function');
}

function define(target: object, key: string, value: unknown, enumerable = false): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable });
}

function describeValue(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
