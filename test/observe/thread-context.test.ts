import '../helpers/guard.js';
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Runtime } from 'weft';
import { parMap, spawnBlocking, spawnWorker } from 'weft/worker';
import { openTelemetry } from 'weft/observe';
import { tracedAsync, tracedSync, traceIdOf } from '../fixtures/worker-traced.js';

before(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});

function tracing() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracerProvider, tracer: tracerProvider.getTracer('test') };
}

/** Runs `body` inside an active span named `name`, ends it, returns what body returned and the span. */
async function inSpan<T>(tracer: ReturnType<typeof tracing>['tracer'], name: string, body: () => Promise<T>) {
  return tracer.startActiveSpan(name, async (span: Span) => {
    try {
      return { value: await body(), span: span.spanContext() };
    } finally {
      span.end();
    }
  });
}

test('spawnWorker carries the active span to the worker: spans opened there continue the trace under it', async () => {
  const { tracer, tracerProvider } = tracing();
  const rt = Runtime.builder().multiThread().workerThreads(2).build();
  const otel = openTelemetry(rt, { tracerProvider });
  try {
    await rt.run(async () => {
      // Several calls at once (some would go through the shared-memory queue untraced) and one after a wait.
      const { value: seen, span } = await inSpan(tracer, 'caller', () =>
        Promise.all([1, 2, 3, 4].map((ms) => spawnWorker(tracedAsync, ms))),
      );
      for (const s of seen) {
        assert.deepEqual(s.active, { traceId: span.traceId, spanId: span.spanId, isRemote: true });
        assert.equal(s.opened.traceId, span.traceId, 'a span opened on the worker has the caller trace id');
        assert.equal(s.opened.parentSpanId, span.spanId, 'its parent is the caller span');
        assert.notEqual(s.opened.spanId, span.spanId);
      }
      // Back on the calling thread, the caller's own context is unchanged.
      assert.equal(trace.getActiveSpan(), undefined);
    });
  } finally {
    otel.close();
    await rt.shutdown();
  }
});

test('spawnBlocking and parMap carry the active span too; a call outside any span carries none', async () => {
  const { tracer, tracerProvider } = tracing();
  const rt = Runtime.builder().multiThread().workerThreads(2).maxBlockingThreads(1).build();
  const otel = openTelemetry(rt, { tracerProvider });
  try {
    await rt.run(async () => {
      const { value, span } = await inSpan(tracer, 'caller', async () => ({
        blocking: await spawnBlocking(tracedSync),
        mapped: await parMap([1, 2, 3, 4, 5, 6], traceIdOf, { chunkSize: 2 }),
      }));
      assert.equal(value.blocking.active?.traceId, span.traceId);
      assert.equal(value.blocking.opened.parentSpanId, span.spanId);
      assert.deepEqual(
        value.mapped,
        [1, 2, 3, 4, 5, 6].map((n) => `${n}:${span.traceId}`),
        'every chunk ran in the caller trace',
      );
      const untraced = await spawnWorker(tracedAsync, 0);
      assert.equal(untraced.active, undefined, 'no active span here, none on the worker');
      assert.equal(untraced.opened.parentSpanId, undefined, 'a span opened there starts its own trace');
      assert.equal((await spawnBlocking(tracedSync)).active, undefined);
    });
  } finally {
    otel.close();
    await rt.shutdown();
  }
});

test('after close() calls carry no trace context', async () => {
  const { tracer, tracerProvider } = tracing();
  const rt = Runtime.builder().multiThread().workerThreads(1).build();
  openTelemetry(rt, { tracerProvider }).close();
  try {
    await rt.run(async () => {
      const { value } = await inSpan(tracer, 'caller', () => spawnWorker(tracedAsync, 0));
      assert.equal(value.active, undefined);
    });
  } finally {
    await rt.shutdown();
  }
});
