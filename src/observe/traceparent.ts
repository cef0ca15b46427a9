/**
 * W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/):
 * `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`. weft reads it itself
 * so a request's trace continues, and a call to another thread carries it,
 * whether or not the application registered a global propagator.
 */
export interface TraceParent {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

const FORMAT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Parses a `traceparent` value, or undefined when it is absent or invalid (all-zero ids, version ff, or bad shape). */
export function parseTraceParent(value: unknown): TraceParent | undefined {
  if (typeof value !== 'string') return undefined;
  const m = FORMAT.exec(value.trim().toLowerCase());
  if (m === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, traceFlags: parseInt(flags, 16) };
}

/** Formats a span context as a version-00 `traceparent`. */
export function formatTraceParent(p: TraceParent): string {
  return `00-${p.traceId}-${p.spanId}-${(p.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}
