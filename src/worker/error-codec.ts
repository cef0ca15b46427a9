/**
 * Thrown values across threads. Structured clone keeps an error's message and
 * stack but drops its class (a custom error arrives as a plain `Error`) and its
 * own properties such as `code`. weft sends errors as plain records and builds
 * them back: builtin and weft error classes come back as the same class,
 * other errors as an `Error` with the original `name`; `message`, `stack`,
 * `cause` (recursively), `errors` (AggregateError) and own data properties
 * are kept.
 */
import { CancelledError, JoinError, RuntimeShutdownError, TaskLocalError } from '../task/errors.js';
import { TimeoutError } from '../time/errors.js';
import { BlockingQueueFullError, RuntimeFlavorError, TaskNotFoundError, WorkerCrashedError } from './errors.js';

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

const builtins: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

const weftClasses: Record<string, { prototype: Error }> = {
  CancelledError,
  JoinError,
  RuntimeShutdownError,
  TaskLocalError,
  TimeoutError,
  WorkerCrashedError,
  BlockingQueueFullError,
  RuntimeFlavorError,
  TaskNotFoundError,
};

const skipped = new Set(['name', 'message', 'stack', 'cause', 'errors']);

/**
 * A thrown value as a record that structured clone carries whole. With
 * `plain`, own properties are dropped and a non-error value is turned into
 * its string (the fallback when the full record cannot be cloned).
 */
export function encodeThrown(value: unknown, plain = false, depth = 0): EncodedThrown {
  if (!(value instanceof Error)) {
    return { e: 0, value: plain ? describeValue(value) : value };
  }
  let props: Record<string, unknown> | undefined;
  if (!plain) {
    for (const key of Object.keys(value)) {
      if (skipped.has(key)) continue;
      const v = (value as unknown as Record<string, unknown>)[key];
      if (typeof v === 'function' || typeof v === 'symbol') continue;
      (props ??= {})[key] = v;
    }
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

/** The same record without anything structured clone may refuse: own properties dropped, thrown non-errors as strings. */
export function plainThrown(encoded: EncodedThrown): EncodedThrown {
  if (encoded.e === 0) return { e: 0, value: describeValue(encoded.value) };
  const out: EncodedThrown = { ...encoded, props: undefined };
  if (encoded.cause !== undefined) out.cause = plainThrown(encoded.cause);
  if (encoded.errors !== undefined) out.errors = encoded.errors.map(plainThrown);
  return out;
}

/** Builds the thrown value back on the receiving thread. */
export function decodeThrown(encoded: EncodedThrown): unknown {
  if (encoded.e === 0) return encoded.value;
  const { name, message, stack, props } = encoded;
  let error: Error;
  const weft = weftClasses[name];
  if (encoded.errors !== undefined) {
    error = new AggregateError(encoded.errors.map(decodeThrown), message);
  } else if (weft !== undefined) {
    error = Object.create(weft.prototype) as Error;
    define(error, 'message', message);
  } else {
    const Builtin = builtins[name];
    error = Builtin === undefined ? new Error(message) : new Builtin(message);
    if (Builtin === undefined) define(error, 'name', name);
  }
  if (weft !== undefined) define(error, 'name', name);
  if (props !== undefined) for (const key of Object.keys(props)) define(error, key, props[key], true);
  define(error, 'stack', stack ?? `${name}: ${message}`);
  if (encoded.cause !== undefined) define(error, 'cause', decodeThrown(encoded.cause));
  return error;
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
