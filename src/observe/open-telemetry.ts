import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as OTel from '@opentelemetry/api';
import type { Runtime } from '../runtime/runtime.js';
import { Outcome, type Task } from '../task/task.js';
import { setRequestTracer, type RequestTracer } from '../http/tracing.js';
import { setCallContextCarrier, type CallContextCarrier } from '../worker/trace-context.js';
import { families, type Family, type Snapshot } from './families.js';
import { loadPeer } from './peer.js';
import { snapshotCache } from './snapshot-cache.js';
import { formatTraceParent, parseTraceParent } from '../core/traceparent.js';
import { setMessageTracer, type MessageTracer } from '../core/message-trace.js';

/** Options of {@link openTelemetry}. */
export interface OpenTelemetryOptions {
  /** Where spans go. Default: the global tracer provider (`trace.getTracerProvider()`). */
  tracerProvider?: OTel.TracerProvider;
  /** Where the runtime's instruments go. Default: the global meter provider. */
  meterProvider?: OTel.MeterProvider;
  /** A span per named task (parent: the span current where it was spawned), current for its whole body. Default false. */
  taskSpans?: boolean;
}

type Api = typeof OTel;
const SCOPE = 'weft';

/**
 * Wires a runtime into OpenTelemetry through `@opentelemetry/api`:
 *
 * - **Metrics**: the figures `prometheus()` publishes, as observable
 *   instruments of the meter `weft`, named the OpenTelemetry way
 *   (`weft.tasks.alive`, `weft.tasks.spawned`, `weft.worker.busy` in `s`, ...);
 *   the two histograms (poll duration, scheduled delay) are published as their
 *   `.count` and `.sum` (an API instrument cannot replay pre-aggregated
 *   buckets; the buckets are in `runtime.metrics()` and on Prometheus).
 * - **HTTP**: every `serve()` request of this runtime runs inside a SERVER span
 *   (`http.request.method`, `url.path`, `url.scheme`, `server.address`,
 *   `server.port`, `client.address`, `user_agent.original`,
 *   `http.response.status_code`; `error.type` and an ERROR status for a 5xx,
 *   a failed handler, a client that went away (`ClientDisconnectedError`) or a
 *   timeout (`RequestTimeoutError`)), continuing the caller's trace from its
 *   `traceparent` header.
 * - **Tasks** (`taskSpans`): a span per named task, a child of the span
 *   current where it was spawned, current for the task's whole body (so spans
 *   the task opens, and tasks it spawns, nest under it); ended with the task,
 *   ERROR with the exception when it fails, `weft.task.outcome` always.
 *
 * The active context already follows `spawn` (weft tasks run in their
 * spawner's async context, so OpenTelemetry's AsyncLocalStorage context
 * manager sees the right span inside a task).
 * - **Threads**: a `spawnWorker`, `spawnBlocking` or `parMap` call made
 *   while a span is active carries it to the thread as a W3C `traceparent`,
 *   and the call runs there inside that (remote) span's context: spans it
 *   opens have the caller's trace id and the caller's span as parent. The
 *   thread needs its own tracer provider and context manager (set up in the
 *   task module, as every OpenTelemetry user does per thread); a traced call
 *   travels by message instead of through the pool's shared-memory queue.
 * - **Actors**: a message sent with `tell`, `send` or `ask` to an actor of
 *   this runtime carries the context active where it was sent, and the
 *   actor's `receive` handles it inside that context (spans it opens are
 *   children of the sender's span). A message the actor stashes and handles
 *   later runs in the actor's own context.
 *
 * @param runtime the runtime to wire
 * @param options `tracerProvider`, `meterProvider`, `taskSpans`
 * @returns `{ close() }`: removes the instruments' callback, the request tracer, the thread and actor context carriers and the task instrument (idempotent)
 * @throws MissingPeerError when `@opentelemetry/api` is not installed
 * @throws Error when `taskSpans` is asked for a runtime that already has task spans
 *
 * @example
 * ```ts
 * import { context, trace } from '@opentelemetry/api';
 * import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
 * import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
 * import { Runtime, spawn } from 'weft';
 * import { openTelemetry } from 'weft/observe';
 * context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()); // as the SDK's NodeSDK does
 * const exporter = new InMemorySpanExporter();
 * const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
 * const rt = Runtime.builder().build();
 * const otel = openTelemetry(rt, { tracerProvider, taskSpans: true });
 * await rt.run(async () => {
 *   await spawn(async () => {
 *     trace.getActiveSpan()?.addEvent('working'); // the task's own span
 *   }, { name: 'job' });
 * });
 * const [span] = exporter.getFinishedSpans();
 * console.assert(span?.name === 'job' && span.events[0]?.name === 'working');
 * otel.close();
 * await rt.shutdown();
 * ```
 */
export function openTelemetry(runtime: Runtime, options: OpenTelemetryOptions = {}): { close(): void } {
  const api = loadPeer<Api>('@opentelemetry/api', 'openTelemetry()');
  const tracer = (options.tracerProvider ?? api.trace.getTracerProvider()).getTracer(SCOPE);
  const closers: (() => void)[] = [];
  closers.push(instruments((options.meterProvider ?? api.metrics.getMeterProvider()).getMeter(SCOPE), runtime));
  const requests = requestSpans(api, tracer);
  setRequestTracer(runtime, requests);
  closers.push(() => setRequestTracer(runtime, undefined));
  setCallContextCarrier(runtime, callCarrier(api));
  closers.push(() => setCallContextCarrier(runtime, undefined));
  setMessageTracer(runtime, messageContext(api));
  closers.push(() => setMessageTracer(runtime, undefined));
  if (options.taskSpans === true) {
    const instrument = taskSpans(api, tracer);
    runtime.setTaskInstrument(instrument);
    closers.push(() => runtime.setTaskInstrument(undefined));
  }
  let open = true;
  return {
    close() {
      if (!open) return;
      open = false;
      for (const close of closers.reverse()) close();
    },
  };
}

/** `weft_worker_busy_seconds_total` → `weft.worker.busy` (unit `s`): OpenTelemetry names carry no unit or `_total`. */
function otelName(family: Family): { name: string; unit: string } {
  let name = family.name;
  let unit = '1';
  if (name.endsWith('_total')) name = name.slice(0, -'_total'.length);
  if (name.endsWith('_seconds')) {
    name = name.slice(0, -'_seconds'.length);
    unit = 's';
  }
  if (name.endsWith('_ratio')) name = name.slice(0, -'_ratio'.length);
  return { name: name.replaceAll('_', '.'), unit };
}

function instruments(meter: OTel.Meter, runtime: Runtime): () => void {
  const snapshot = snapshotCache(runtime);
  const observers: {
    observable: OTel.Observable;
    read: (s: Snapshot) => { value: number; labels: OTel.Attributes }[];
  }[] = [];
  for (const family of families('weft_')) {
    const { name, unit } = otelName(family);
    const options = { description: family.help, unit };
    if (family.type === 'histogram') {
      const count = meter.createObservableCounter(`${name}.count`, {
        description: `${family.help} (count)`,
        unit: '1',
      });
      const sum = meter.createObservableCounter(`${name}.sum`, { description: `${family.help} (sum)`, unit });
      observers.push({
        observable: count,
        read: (s) => [{ value: family.histogram(s).counts.reduce((a, b) => a + b, 0), labels: {} }],
      });
      observers.push({ observable: sum, read: (s) => [{ value: family.histogram(s).sum, labels: {} }] });
    } else {
      const observable =
        family.type === 'counter'
          ? meter.createObservableCounter(name, options)
          : meter.createObservableGauge(name, options);
      observers.push({ observable, read: (s) => family.samples(s).map((x) => ({ value: x.value, labels: x.labels })) });
    }
  }
  const callback: OTel.BatchObservableCallback = (result) => {
    const s = snapshot();
    for (const { observable, read } of observers)
      for (const { value, labels } of read(s)) result.observe(observable, value, labels);
  };
  const all = observers.map((o) => o.observable);
  meter.addBatchObservableCallback(callback, all);
  return () => meter.removeBatchObservableCallback(callback, all);
}

/** The context a request continues: the global propagator's reading, else weft's own `traceparent` parse. */
// A request starts its own trace unless its caller sent one: the async context
// the server's 'request' event runs in is where serve() was called, which must
// not make every request a child of that task's span.
function incomingContext(api: Api, req: IncomingMessage): OTel.Context {
  const base = api.ROOT_CONTEXT;
  const extracted = api.propagation.extract(base, req.headers);
  if (api.trace.getSpanContext(extracted) !== undefined) return extracted;
  const parent = parseTraceParent(req.headers['traceparent']);
  if (parent === undefined) return base;
  return api.trace.setSpanContext(base, { ...parent, isRemote: true });
}

function requestSpans(api: Api, tracer: OTel.Tracer): RequestTracer {
  return {
    start(req, spawn) {
      const parent = incomingContext(api, req);
      const method = req.method ?? 'GET';
      const url = req.url ?? '/';
      const query = url.indexOf('?');
      const socket = req.socket;
      const attributes: OTel.Attributes = {
        'http.request.method': method,
        'url.path': query < 0 ? url : url.slice(0, query),
        'url.scheme': 'http',
        'network.protocol.version': req.httpVersion,
      };
      if (query >= 0) attributes['url.query'] = url.slice(query + 1);
      if (socket.localAddress !== undefined) attributes['server.address'] = socket.localAddress;
      if (socket.localPort !== undefined) attributes['server.port'] = socket.localPort;
      if (socket.remoteAddress !== undefined) attributes['client.address'] = socket.remoteAddress;
      const agent = req.headers['user-agent'];
      if (agent !== undefined) attributes['user_agent.original'] = agent;
      const span = tracer.startSpan(method, { kind: api.SpanKind.SERVER, attributes }, parent);
      const task = api.context.with(api.trace.setSpan(parent, span), spawn);
      return {
        task,
        trace: {
          end(res: ServerResponse, outcome, reason) {
            const status = res.statusCode;
            if (res.headersSent || outcome === 'ok') span.setAttribute('http.response.status_code', status);
            if (outcome !== 'ok') {
              const type = reason instanceof Error ? reason.name : 'Error';
              span.setAttribute('error.type', type);
              if (reason instanceof Error) span.recordException(reason);
              span.setStatus({
                code: api.SpanStatusCode.ERROR,
                message: reason instanceof Error ? reason.message : String(reason),
              });
            } else if (status >= 500) {
              span.setAttribute('error.type', String(status));
              span.setStatus({ code: api.SpanStatusCode.ERROR });
            }
            span.end();
          },
        },
      };
    },
  };
}

/** The caller's active span as a `traceparent`, carried with each call to a worker or blocking thread. */
function callCarrier(api: Api): CallContextCarrier {
  return {
    inject() {
      const span = api.trace.getSpanContext(api.context.active());
      if (span === undefined || !api.isSpanContextValid(span)) return undefined;
      return formatTraceParent(span);
    },
  };
}

/** The sender's active context, carried with each actor message and made current while `receive` handles it. */
function messageContext(api: Api): MessageTracer {
  return {
    capture: () => api.context.active(),
    run: (ctx, fn) => api.context.with(ctx as OTel.Context, fn),
  };
}

const OUTCOMES = ['ok', 'ok', 'failed', 'cancelled'] as const;

function taskSpans(api: Api, tracer: OTel.Tracer) {
  const contexts = new Map<Task, OTel.Context>();
  return {
    spawned(task: Task): void {
      if (task.name === undefined) return;
      const parent = api.context.active();
      const span = tracer.startSpan(
        task.name,
        { attributes: { 'weft.task.id': task.id, 'weft.task.name': task.name } },
        parent,
      );
      contexts.set(task, api.trace.setSpan(parent, span));
    },
    run(task: Task, start: () => void): void {
      const ctx = contexts.get(task);
      if (ctx === undefined) start();
      else api.context.with(ctx, start);
    },
    finished(task: Task): void {
      const ctx = contexts.get(task);
      if (ctx === undefined) return;
      contexts.delete(task);
      const span = api.trace.getSpan(ctx)!;
      span.setAttribute('weft.task.outcome', OUTCOMES[task.outcome]);
      if (task.outcome === Outcome.Failed) {
        const err = task.result;
        if (err instanceof Error) span.recordException(err);
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      }
      span.end();
    },
  };
}
