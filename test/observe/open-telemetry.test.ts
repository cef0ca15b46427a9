import '../helpers/guard.js';
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { Runtime, spawn, sleep } from 'weft';
import { serve, type HttpServer } from 'weft/http';
import { openTelemetry } from 'weft/observe';

before(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});

function tracing() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracerProvider };
}

const byName = (spans: ReadableSpan[], name: string): ReadableSpan => {
  const span = spans.find((s) => s.name === name);
  assert.ok(span, `a span named ${name} among ${spans.map((s) => s.name).join(', ')}`);
  return span;
};

test('taskSpans: a named task gets a span current for its whole body; tasks it spawns nest under it', async () => {
  const { exporter, tracerProvider } = tracing();
  const rt = Runtime.builder().build();
  const otel = openTelemetry(rt, { tracerProvider, taskSpans: true });
  try {
    await rt.run(async () => {
      await spawn(
        async () => {
          await sleep(1);
          trace.getActiveSpan()?.addEvent('after a wait');
          await spawn(() => sleep(1), { name: 'child' });
          await spawn(() => sleep(1)); // unnamed: no span
        },
        { name: 'parent' },
      );
    });
  } finally {
    otel.close();
    await rt.shutdown();
    await tracerProvider.forceFlush(); // the in-memory exporter answers on a timer
  }
  const spans = exporter.getFinishedSpans();
  assert.deepEqual(spans.map((s) => s.name).sort(), ['child', 'parent'], 'no span for the root task or unnamed tasks');
  const parent = byName(spans, 'parent');
  const child = byName(spans, 'child');
  assert.deepEqual(
    parent.events.map((e) => e.name),
    ['after a wait'],
  );
  assert.equal(child.parentSpanContext?.spanId, parent.spanContext().spanId);
  assert.equal(child.spanContext().traceId, parent.spanContext().traceId);
  assert.equal(parent.attributes['weft.task.outcome'], 'ok');
  assert.equal(typeof parent.attributes['weft.task.id'], 'number');
});

test('taskSpans: a failed task ends its span with ERROR and the exception; a cancelled one says so', async () => {
  const { exporter, tracerProvider } = tracing();
  const rt = Runtime.builder().build();
  const otel = openTelemetry(rt, { tracerProvider, taskSpans: true });
  try {
    await rt.run(async () => {
      await spawn(
        async () => {
          throw new RangeError('bad input');
        },
        { name: 'failing' },
      ).catch(() => {});
      const h = spawn(() => sleep(10_000), { name: 'aborted' });
      await sleep(1);
      h.abort();
      await h.catch(() => {});
    });
  } finally {
    otel.close();
    await rt.shutdown();
    await tracerProvider.forceFlush(); // the in-memory exporter answers on a timer
  }
  const failing = byName(exporter.getFinishedSpans(), 'failing');
  assert.equal(failing.status.code, SpanStatusCode.ERROR);
  assert.equal(failing.status.message, 'bad input');
  assert.equal(failing.events[0]?.name, 'exception');
  assert.equal(failing.events[0]?.attributes?.['exception.type'], 'RangeError');
  assert.equal(byName(exporter.getFinishedSpans(), 'aborted').attributes['weft.task.outcome'], 'cancelled');
});

test('a task spawned inside a user span is its child (the context follows spawn)', async () => {
  const { exporter, tracerProvider } = tracing();
  const rt = Runtime.builder().build();
  const otel = openTelemetry(rt, { tracerProvider, taskSpans: true });
  const tracer = tracerProvider.getTracer('test');
  try {
    await rt.run(async () => {
      await tracer.startActiveSpan('request', async (span) => {
        await spawn(() => sleep(1), { name: 'work' });
        span.end();
      });
    });
  } finally {
    otel.close();
    await rt.shutdown();
    await tracerProvider.forceFlush(); // the in-memory exporter answers on a timer
  }
  const spans = exporter.getFinishedSpans();
  assert.equal(byName(spans, 'work').parentSpanContext?.spanId, byName(spans, 'request').spanContext().spanId);
});

function get(server: HttpServer, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.address().port, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serve(): a SERVER span per request with semantic-convention attributes, continuing an incoming traceparent', async () => {
  const { exporter, tracerProvider } = tracing();
  const rt = Runtime.builder().build();
  const otel = openTelemetry(rt, { tracerProvider, taskSpans: true });
  try {
    await rt.run(async () => {
      await using server = await serve(
        async (req, res) => {
          await spawn(() => sleep(1), { name: 'lookup' });
          res.statusCode = req.url === '/missing' ? 404 : 200;
          res.end('ok');
        },
        { port: 0, host: '127.0.0.1' },
      );
      assert.equal(
        await get(server, '/items?page=2', { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }),
        200,
      );
      assert.equal(await get(server, '/missing'), 404);
    });
  } finally {
    otel.close();
    await rt.shutdown();
    await tracerProvider.forceFlush(); // the in-memory exporter answers on a timer
  }
  const spans = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
  assert.equal(spans.length, 2);
  const [first, second] = spans as [ReadableSpan, ReadableSpan];
  assert.equal(first.name, 'GET');
  assert.equal(first.spanContext().traceId, '0af7651916cd43dd8448eb211c80319c');
  assert.equal(first.parentSpanContext?.spanId, 'b7ad6b7169203331');
  assert.equal(first.attributes['http.request.method'], 'GET');
  assert.equal(first.attributes['url.path'], '/items');
  assert.equal(first.attributes['url.query'], 'page=2');
  assert.equal(first.attributes['server.address'], '127.0.0.1');
  assert.equal(typeof first.attributes['server.port'], 'number');
  assert.equal(first.attributes['http.response.status_code'], 200);
  assert.equal(first.status.code, SpanStatusCode.UNSET);
  assert.equal(second.attributes['http.response.status_code'], 404);
  assert.notEqual(
    second.spanContext().traceId,
    first.spanContext().traceId,
    'a request without traceparent starts its own trace',
  );
  assert.equal(second.parentSpanContext, undefined);
  const lookups = exporter.getFinishedSpans().filter((s) => s.name === 'lookup');
  assert.equal(
    lookups[0]?.parentSpanContext?.spanId,
    first.spanContext().spanId,
    "the handler's tasks nest under the request span",
  );
});

test('serve(): a failed handler, a client that goes away and a timeout are recorded on the span', async () => {
  const { exporter, tracerProvider } = tracing();
  const rt = Runtime.builder().build();
  const otel = openTelemetry(rt, { tracerProvider });
  try {
    await rt.run(async () => {
      let entered!: () => void;
      const slowEntered = new Promise<void>((r) => (entered = r));
      await using server = await serve(
        async (req, res, task) => {
          if (req.url === '/fail') throw new Error('handler broke');
          if (req.url === '/slow') {
            entered();
            await sleep(10_000, { signal: task.signal });
          }
          if (req.url === '/timeout') await sleep(10_000, { signal: task.signal });
          res.end();
        },
        { port: 0, host: '127.0.0.1', requestTimeout: 50, headersTimeout: 50, onError: () => {} },
      );
      assert.equal(await get(server, '/fail'), 500);
      assert.equal(await get(server, '/timeout'), 503);
      const socket = connect(server.address().port, '127.0.0.1');
      socket.write('GET /slow HTTP/1.1\r\nhost: x\r\n\r\n');
      await slowEntered;
      socket.destroy();
      while (server.activeRequests > 0) await sleep(1);
    });
  } finally {
    otel.close();
    await rt.shutdown();
    await tracerProvider.forceFlush(); // the in-memory exporter answers on a timer
  }
  const spans = exporter.getFinishedSpans();
  const [fail, timedOut, gone] = spans as [ReadableSpan, ReadableSpan, ReadableSpan];
  assert.equal(spans.length, 3);
  assert.equal(fail.status.code, SpanStatusCode.ERROR);
  assert.equal(fail.attributes['error.type'], 'Error');
  assert.equal(fail.attributes['http.response.status_code'], 500);
  assert.equal(timedOut.attributes['error.type'], 'RequestTimeoutError');
  assert.equal(timedOut.status.code, SpanStatusCode.ERROR);
  assert.equal(gone.attributes['error.type'], 'ClientDisconnectedError');
});

class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

function point(metrics: ResourceMetrics, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const scope of metrics.scopeMetrics)
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const dp of metric.dataPoints) {
        if (Object.entries(labels).every(([k, v]) => dp.attributes[k] === v)) return dp.value as number;
      }
    }
  return undefined;
}

test('the runtime figures are OpenTelemetry instruments of the meter "weft"', async () => {
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const rt = Runtime.builder().observe({ taskTimes: true }).build();
  const otel = openTelemetry(rt, { meterProvider });
  try {
    await rt.run(async () => {
      await spawn(() => sleep(1));
      await spawn(async () => {
        throw new Error('expected');
      }).catch(() => {});
      const { resourceMetrics } = await reader.collect();
      assert.equal(point(resourceMetrics, 'weft.tasks.spawned'), 3);
      assert.equal(point(resourceMetrics, 'weft.tasks.alive'), 1);
      assert.equal(point(resourceMetrics, 'weft.tasks.finished', { outcome: 'failed' }), 1);
      assert.equal(point(resourceMetrics, 'weft.task.poll.duration.count'), rt.metrics().pollCount);
      assert.ok((point(resourceMetrics, 'weft.task.poll.duration.sum') ?? -1) > 0);
      const scope = resourceMetrics.scopeMetrics.find((s) => s.scope.name === 'weft');
      assert.ok(scope, 'the meter is named weft');
      const unit = scope.metrics.find((m) => m.descriptor.name === 'weft.task.poll.duration.sum')?.descriptor.unit;
      assert.equal(unit, 's');
    });
  } finally {
    otel.close();
    await meterProvider.shutdown();
    await rt.shutdown();
  }
});
