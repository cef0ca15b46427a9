import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Runtime } from '../runtime/runtime.js';
import type { Task } from '../task/task.js';

/**
 * @internal What a tracer learns of one request: how it ended. `outcome` is
 * the task's ('ok' | 'failed' | 'cancelled'); `reason` the error that failed
 * or aborted it (a ClientDisconnectedError, a RequestTimeoutError...).
 */
export interface RequestTrace {
  end(res: ServerResponse, outcome: 'ok' | 'failed' | 'cancelled', reason: unknown): void;
}

/**
 * @internal A tracer of `serve()` requests (weft/observe's openTelemetry()).
 * `start` must call `spawn` exactly once, in the context the handler should
 * run in (the request's span made current), and return its task.
 */
export interface RequestTracer {
  start(req: IncomingMessage, spawn: () => Task): { task: Task; trace: RequestTrace };
}

// Per runtime: a tracer installed on one runtime must not see another's requests.
const tracers = new Map<Runtime, RequestTracer>();

/** @internal Installs (or, with undefined, removes) the request tracer of `runtime`. */
export function setRequestTracer(runtime: Runtime, tracer: RequestTracer | undefined): void {
  if (tracer === undefined) tracers.delete(runtime);
  else tracers.set(runtime, tracer);
}

/** @internal The tracer of `runtime`'s requests; one size check when nobody traces. */
export function requestTracer(runtime: Runtime): RequestTracer | undefined {
  return tracers.size === 0 ? undefined : tracers.get(runtime);
}
