import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Runtime, spawn, sleep } from 'weft';
import { openTelemetry } from 'weft/observe';

interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

/** An OTLP/HTTP receiver on 127.0.0.1: decodes each POST /v1/traces (OTLP/JSON) into its spans. */
async function receiver() {
  const spans: OtlpSpan[] = [];
  const paths: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const doc = JSON.parse(body.toString('utf8')) as {
        resourceSpans: { scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[] }[];
      };
      for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { spans, paths, url: `http://127.0.0.1:${port}/v1/traces`, close: () => new Promise((r) => server.close(r)) };
}

test('task spans reach an OTLP/HTTP collector over the wire with their trace and parent ids', async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const collector = await receiver();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: collector.url }))],
  });
  const rt = Runtime.builder().build();
  const otel = openTelemetry(rt, { tracerProvider, taskSpans: true });
  try {
    await rt.run(async () => {
      await spawn(
        async () => {
          await spawn(() => sleep(1), { name: 'fetch-user' });
        },
        { name: 'handle-order' },
      );
    });
    await tracerProvider.forceFlush();
  } finally {
    otel.close();
    await rt.shutdown();
    await tracerProvider.shutdown();
    await collector.close();
  }
  assert.ok(
    collector.paths.every((p) => p.startsWith('POST /v1/traces application/json')),
    collector.paths.join('; '),
  );
  const order = collector.spans.find((s) => s.name === 'handle-order');
  const user = collector.spans.find((s) => s.name === 'fetch-user');
  assert.ok(order && user, `both spans arrived: ${collector.spans.map((s) => s.name).join(', ')}`);
  assert.match(order.traceId, /^[0-9a-f]{32}$/);
  assert.equal(user.traceId, order.traceId);
  assert.equal(user.parentSpanId, order.spanId);
  const outcome = order.attributes.find((a) => a.key === 'weft.task.outcome');
  assert.deepEqual(outcome?.value, { stringValue: 'ok' });
});
