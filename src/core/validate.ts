/** Argument checks shared by every module: bad input throws synchronously with a message that says what was expected. */

export function signalOf(
  options: { signal?: AbortSignal | undefined } | undefined,
  fn: string,
): AbortSignal | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') throw new TypeError(`${fn}: options must be an object, got ${typeof options}`);
  const signal = options.signal;
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw new TypeError(`${fn}: options.signal must be an AbortSignal`);
  return signal;
}

/** A duration in ms: a number >= 0, fractional allowed, Infinity meaning never. */
export function duration(value: unknown, fn: string, what = 'duration'): number {
  if (typeof value !== 'number')
    throw new TypeError(`${fn}: ${what} must be a number of milliseconds, got ${typeof value}`);
  if (Number.isNaN(value) || value < 0) {
    throw new RangeError(`${fn}: ${what} must be >= 0 ms (Infinity for never), got ${String(value)}`);
  }
  return value;
}

/** An instant on the runtime clock: any number but NaN. */
export function instant(value: unknown, fn: string): number {
  if (typeof value !== 'number')
    throw new TypeError(`${fn}: deadline must be a number (ms on the runtime clock), got ${typeof value}`);
  if (Number.isNaN(value)) throw new RangeError(`${fn}: deadline must not be NaN`);
  return value;
}

export function integer(value: unknown, fn: string, what: string, min: number, max: number): number {
  if (typeof value !== 'number') throw new TypeError(`${fn}: ${what} must be an integer, got ${typeof value}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${fn}: ${what} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

export function func(value: unknown, fn: string, what = 'argument'): void {
  if (typeof value !== 'function')
    throw new TypeError(`${fn}: ${what} must be a function, got ${value === null ? 'null' : typeof value}`);
}
