/**
 * A service you can see into: an HTTP server on weft with Prometheus
 * `/metrics`, OpenTelemetry traces, a named job channel and CPU work on
 * worker threads. Copy it as the start of a real one.
 *
 *   node --conditions=weft-source --import tsx examples/observed-server.ts
 *   curl 'localhost:8080/hash?rounds=20000'   # a job, hashed on a worker thread
 *   curl localhost:8080/metrics               # weft's figures beside prom-client's defaults
 *
 * Spans go to an OTLP/HTTP collector (Jaeger, Tempo, the OpenTelemetry
 * Collector...) at `OTEL_EXPORTER_OTLP_ENDPOINT` (default
 * http://localhost:4318). Each request is a SERVER span; the named tasks it
 * runs (`job`) are its children.
 *
 * The shape: handlers put jobs on a bounded, named mpsc channel (its length
 * is `weft_resource_length{kind="mpsc",name="jobs"}`: a queue building up
 * shows on the dashboard before clients time out), a dispatcher task takes
 * them off and runs each on a worker thread with `spawnWorker`, and answers
 * through a oneshot.
 */
import { createHash } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { context, type Context, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import client, { Registry } from 'prom-client';
import { Runtime, spawn } from 'weft';
import { mpsc, oneshot, type OneshotSender } from 'weft/sync';
import { serve, type HttpServer } from 'weft/http';
import { defineTask, spawnWorker } from 'weft/worker';
import { openTelemetry, prometheus } from 'weft/observe';

/** CPU work for a worker thread: `rounds` chained SHA-256 hashes of `input`. */
export const hashTask = defineTask(import.meta.url, 'hash', (input: string, rounds: number): string => {
  let digest = input;
  for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(digest).digest('hex');
  return digest;
});

interface Job {
  input: string;
  rounds: number;
  reply: OneshotSender<string>;
  /** The request's trace context: a queue does not carry it by itself. */
  trace: Context;
}

/** A running service: its address, its registry, and how to stop it. */
export interface ObservedServer {
  server: HttpServer;
  registry: Registry;
  /** Resolves when the service has stopped (after `stop()` or a failure). */
  done: Promise<void>;
  stop(): void;
}

/**
 * Starts the service on `rt` (a multi-thread runtime built with `observe()`):
 * resolves once it listens. `tracerProvider` defaults to the global one.
 */
export function startObservedServer(
  rt: Runtime,
  options: { port: number; host?: string; tracerProvider?: TracerProvider },
): Promise<ObservedServer> {
  const registry = new Registry();
  client.collectDefaultMetrics({ register: registry }); // GC, heap, event-loop lag: Node's own figures
  const metrics = prometheus(rt, { registry });
  const tracing = openTelemetry(rt, {
    taskSpans: true,
    ...(options.tracerProvider && { tracerProvider: options.tracerProvider }),
  });
  let listening!: (s: ObservedServer) => void;
  let failed!: (err: unknown) => void;
  const started = new Promise<ObservedServer>((resolve, reject) => ((listening = resolve), (failed = reject)));
  const stop = new AbortController();

  const done = rt
    .run(async () => {
      const [jobs, queue] = mpsc.channel<Job>(64, { name: 'jobs' });
      const dispatcher = spawn(
        async () => {
          for await (const job of queue) {
            // One worker call per job; the dispatcher does not wait for it, so jobs run in
            // parallel. Spawned in the request's context, the job's span is the request's child.
            context.with(job.trace, () =>
              spawn(async () => job.reply.send(await spawnWorker(hashTask, job.input, job.rounds)), { name: 'job' }),
            );
          }
        },
        { name: 'dispatcher' },
      );
      const server = await serve(
        async (req, res, task) => {
          const url = new URL(req.url ?? '/', 'http://x');
          if (url.pathname === '/metrics') {
            res.setHeader('content-type', registry.contentType);
            res.end(await registry.metrics());
          } else if (url.pathname === '/hash') {
            const rounds = Math.min(Number(url.searchParams.get('rounds') ?? 1000) || 1000, 1_000_000);
            const [reply, answer] = oneshot<string>();
            const input = url.searchParams.get('input') ?? 'weft';
            await jobs.send({ input, rounds, reply, trace: context.active() }, { signal: task.signal });
            res.setHeader('content-type', 'text/plain');
            res.end(`${await answer.recv({ signal: task.signal })}\n`);
          } else {
            res.statusCode = 404;
            res.end('try /hash?rounds=N or /metrics\n');
          }
        },
        { port: options.port, host: options.host ?? '127.0.0.1' },
      );
      listening({ server, registry, done, stop: () => stop.abort() });
      await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
      await server.close();
      jobs.close();
      await dispatcher;
    })
    .catch((err: unknown) => failed(err))
    .finally(() => {
      metrics.close();
      tracing.close();
    });
  return started;
}

if (isMainThread && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const endpoint = process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? 'http://localhost:4318';
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }))],
  });
  const rt = Runtime.builder().multiThread().workerThreads(2).observe({ taskTimes: true }).build();
  const service = await startObservedServer(rt, { port: Number(process.env['PORT'] ?? 8080), tracerProvider });
  const { port } = service.server.address();
  console.log(`listening on http://127.0.0.1:${port}  (/hash?rounds=N, /metrics; spans to ${endpoint})`);
  process.once('SIGINT', () => service.stop());
  await service.done;
  await rt.shutdown();
  await tracerProvider.shutdown();
}
