import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { context, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Runtime } from 'weft';
import { startObservedServer } from '../../examples/observed-server.js';

test('examples/observed-server.ts: jobs hashed on workers, /metrics scraped, request spans with job children', async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const rt = Runtime.builder().multiThread().workerThreads(2).observe({ taskTimes: true }).build();
  const service = await startObservedServer(rt, { port: 0, tracerProvider });
  try {
    const base = `http://127.0.0.1:${service.server.address().port}`;
    const expected = (input: string, rounds: number) => {
      let d = input;
      for (let i = 0; i < rounds; i++) d = createHash('sha256').update(d).digest('hex');
      return d;
    };
    const replies = await Promise.all(
      [1, 2, 3].map((i) => fetch(`${base}/hash?input=x${i}&rounds=500`).then((r) => r.text())),
    );
    assert.deepEqual(
      replies,
      [1, 2, 3].map((i) => `${expected(`x${i}`, 500)}\n`),
    );
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^weft_tasks_spawned_total \d+$/m);
    assert.match(metrics, /^weft_resource_length\{kind="mpsc",name="jobs"\} 0$/m);
    assert.match(metrics, /^weft_tasks_alive \d+$/m);
    assert.match(metrics, /^nodejs_heap_size_used_bytes /m, "prom-client's default metrics beside weft's");
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  } finally {
    service.stop();
    await service.done;
    await rt.shutdown();
    await tracerProvider.forceFlush();
  }
  const spans = exporter.getFinishedSpans();
  const requests = spans.filter((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/hash');
  const jobs = spans.filter((s) => s.name === 'job');
  assert.equal(requests.length, 3);
  assert.equal(jobs.length, 3);
  const requestIds = new Set(requests.map((s) => s.spanContext().spanId));
  for (const job of jobs)
    assert.ok(requestIds.has(job.parentSpanContext?.spanId ?? ''), 'each job span is a child of its request');
});
