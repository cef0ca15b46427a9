/** A metric-name prefix: what Prometheus allows at the start of a name, or nothing. */
export function validatePrefix(prefix: unknown, fn: string): string {
  if (typeof prefix !== 'string' || !/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(prefix)) {
    throw new TypeError(
      `${fn}: prefix must match [a-zA-Z_:][a-zA-Z0-9_:]* (or be empty), got ${JSON.stringify(prefix)}`,
    );
  }
  return prefix;
}
