/**
 * What carrying the trace context to worker threads costs.
 *
 *   node --conditions=weft-source --import tsx bench/thread-context.ts [--quick]
 *
 * `spawnWorker(add, i, 1)` on a 2-worker runtime, one call at a time (round
 * trip) and 256 at once (burst), in three settings interleaved sample by
 * sample: no openTelemetry() (the baseline), openTelemetry() wired but called
 * with no active span (one Map.size check and one context read per call), and
 * called inside an active span (a traceparent formatted, the call sent by
 * message instead of the shared-memory queue, the context restored on the
 * worker). The workers have a real SDK tracer provider and the
 * AsyncLocalStorage context manager (bench/_traced-tasks.ts).
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { Runtime } from 'weft';
import { spawnWorker } from 'weft/worker';
import { openTelemetry } from 'weft/observe';
import { header, measureInterleaved, printTable, ratioRow, pick, type Row } from './lib.js';
import { add } from './_traced-tasks.js';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracerProvider = new BasicTracerProvider();
const tracer = tracerProvider.getTracer('bench');

const rt = Runtime.builder().multiThread().workerThreads(2).build();
header('thread-context', 'spawnWorker round trip and burst: untraced vs openTelemetry() wired (no span / in a span)');

const serial = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await spawnWorker(add, i, 1);
};
const burst = async (n: number): Promise<void> => {
  await Promise.all(Array.from({ length: n }, (_, i) => spawnWorker(add, i, 1)));
};

/** Runs `fn` with the setting of contender `mode` in place, then undoes it. */
async function inMode(mode: 'off' | 'wired' | 'span', fn: () => Promise<void>): Promise<void> {
  if (mode === 'off') return fn();
  const otel = openTelemetry(rt, { tracerProvider });
  try {
    if (mode === 'wired') await fn();
    else await tracer.startActiveSpan('caller', (span) => fn().finally(() => span.end()));
  } finally {
    otel.close();
  }
}

const rows: Row[] = [];
await rt.run(async () => {
  await burst(8); // both workers booted and the task module loaded before timing
  const N = pick(200, 50);
  const B = 256;
  for (const [label, run, per] of [
    ['round trip, per call', () => serial(N), N],
    ['burst of 256, per call', () => burst(B), B],
  ] as const) {
    const [off, wired, span] = await measureInterleaved(
      (['off', 'wired', 'span'] as const).map((mode) => ({ name: mode, fn: () => inMode(mode, run) })),
      { unit: 'µs', per, inner: 2 },
    );
    rows.push(ratioRow(`${label}: wired, no active span`, wired!, off!));
    rows.push(ratioRow(`${label}: in an active span (traced)`, span!, off!));
  }
});
await rt.shutdown();
printTable(rows);
