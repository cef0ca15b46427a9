/**
 * Throws TypeError if `value` cannot be structured-cloned to another thread
 * (a function, a symbol, a class instance holding one, ...). Channels whose
 * other end lives on another thread call it before a send takes a slot, so a
 * value that cannot cross is refused by the call that sent it and nothing is
 * lost. Primitives other than symbols always cross and are not copied.
 */
export function checkCloneable(value: unknown, fn: string): void {
  const type = typeof value;
  if (type !== 'object' && type !== 'function' && type !== 'symbol') return;
  try {
    structuredClone(value);
  } catch (err) {
    throw new TypeError(`${fn}: the value cannot be sent to another thread`, { cause: err });
  }
}
