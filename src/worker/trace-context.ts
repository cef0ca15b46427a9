import { createRequire } from 'node:module';
import type * as OTel from '@opentelemetry/api';
import type { Runtime } from '../runtime/runtime.js';
import { parseTraceParent } from '../core/traceparent.js';

/**
 * Trace context across threads. OpenTelemetry's context lives in each
 * thread's own async context, so nothing carries it into a worker by itself
 * (OpenTelemetry JS leaves that to the user). weft carries it with the call:
 * the calling side reads the caller's active span as a W3C `traceparent`
 * string (`callTraceParent`), the string travels in the call's message, and
 * the thread runs the call's task inside a context whose span is that remote
 * span (`inCallContext`), so spans the call opens continue the caller's trace.
 *
 * The calling side is switched on per runtime by `weft/observe`'s
 * `openTelemetry()` (the worker layer sits below it); with nothing installed
 * a call pays one `Map.size` check.
 */

/** @internal Reads the caller's trace context at a `spawnWorker`/`spawnBlocking`/`parMap` call. */
export interface CallContextCarrier {
  /** The active span of the calling code as a `traceparent`, or undefined when there is none. */
  inject(): string | undefined;
}

const carriers = new Map<Runtime, CallContextCarrier>();

/** @internal Installs (or, with undefined, removes) the carrier of `runtime`'s calls to other threads. */
export function setCallContextCarrier(runtime: Runtime, carrier: CallContextCarrier | undefined): void {
  if (carrier === undefined) carriers.delete(runtime);
  else carriers.set(runtime, carrier);
}

/** @internal The `traceparent` a call made now on `runtime` carries, if any. */
export function callTraceParent(runtime: Runtime): string | undefined {
  return carriers.size === 0 ? undefined : carriers.get(runtime)?.inject();
}

type Api = typeof OTel;
/** The thread's copy of `@opentelemetry/api`: undefined until needed, null when it is not installed. */
let api: Api | null | undefined;

function threadApi(): Api | null {
  if (api !== undefined) return api;
  try {
    // The same resolution weft/observe uses: the peer installed beside weft.
    api = createRequire(import.meta.url)('@opentelemetry/api') as Api;
  } catch {
    api = null; // the caller traced, but this thread cannot: run untraced
  }
  return api;
}

/**
 * @internal On a weft thread: runs `start` (which spawns the call's task)
 * inside the caller's trace context when the call carried one. The task
 * captures that context at its spawn, so the whole call sees it as its active
 * context. Spans reach an exporter only if the thread has a tracer provider
 * and a context manager registered (the task module sets them up, see
 * docs/observability.md); without `@opentelemetry/api` the call runs as is.
 */
export function inCallContext<T>(traceparent: string | undefined, start: () => T): T {
  if (traceparent === undefined) return start();
  const otel = threadApi();
  const parent = otel === null ? undefined : parseTraceParent(traceparent);
  if (otel === null || parent === undefined) return start();
  const ctx = otel.trace.setSpanContext(otel.ROOT_CONTEXT, { ...parent, isRemote: true });
  return otel.context.with(ctx, start);
}
