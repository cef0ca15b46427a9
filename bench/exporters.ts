/**
 * What weft/observe's exporters cost.
 *
 *   node --conditions=weft-source --import tsx bench/exporters.ts [--quick] [--rounds=5] [--seconds=5]
 *
 * 1. serve() with openTelemetry() wired (a real SDK BasicTracerProvider whose
 *    spans go nowhere, so the figure is weft's hook plus the SDK's span
 *    bookkeeping) against serve() without it, hello world under `wrk -t1
 *    -c50`, rounds alternating, each server in its own process.
 * 2. One Prometheus scrape (`registry.metrics()`) of a runtime with 10,000
 *    parked tasks and 100 named channels, observing, beside a scrape of
 *    prom-client's own default metrics in the same run.
 */
import { fileURLToPath } from 'node:url';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import client, { Registry } from 'prom-client';
import { Runtime, spawn, sleep } from 'weft';
import { mpsc } from 'weft/sync';
import { serve } from 'weft/http';
import { openTelemetry, prometheus } from 'weft/observe';
import { QUICK, header, measureInterleaved, printTable, ratioRow, textRow, fmt, type Row } from './lib.js';
import { hasTool, median, runTool, serveAsChild, startServerChild } from './_load.js';

const FILE = fileURLToPath(import.meta.url);

async function server(rt: Runtime, withOtel: boolean): Promise<number> {
  if (withOtel) openTelemetry(rt, { tracerProvider: new BasicTracerProvider() });
  const s = await serve(
    (_req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end('hello world');
    },
    { port: 0, host: '127.0.0.1' },
  );
  return s.address().port;
}

function wrk(port: number, seconds: number): number {
  const out = runTool('wrk', ['-t1', '-c50', `-d${seconds}s`, `http://127.0.0.1:${port}/`]);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (rps === null) throw new Error(`could not read wrk's output:\n${out}`);
  return Number(rps[1]);
}

async function scrape(): Promise<Row[]> {
  const rt = Runtime.builder().observe().build();
  const weftRegistry = new Registry();
  const exporter = prometheus(rt, { registry: weftRegistry });
  const nodeRegistry = new Registry();
  client.collectDefaultMetrics({ register: nodeRegistry });
  let rows: Row[] = [];
  await rt.run(async () => {
    const tasks = Array.from({ length: 10_000 }, () => spawn(() => sleep(1e9)));
    const chans = Array.from({ length: 100 }, (_, i) => mpsc.channel<number>(8, { name: `c${i}` }));
    await sleep(1);
    const [weft, node] = await measureInterleaved(
      [
        { name: 'weft', fn: () => weftRegistry.metrics() },
        { name: 'node', fn: () => nodeRegistry.metrics() },
      ],
      { unit: 'µs', inner: 20 },
    );
    rows = [ratioRow('scrape: 10k tasks, 100 named channels vs prom-client defaults', weft!, node!)];
    for (const t of tasks) t.abort();
    await Promise.allSettled(tasks);
    for (const [, rx] of chans) rx.close();
  });
  exporter.close();
  await rt.shutdown();
  return rows;
}

async function orchestrate(): Promise<void> {
  const arg = (name: string, dflt: number): number => {
    const a = process.argv.find((x) => x.startsWith(`--${name}=`));
    return a === undefined ? dflt : Number(a.split('=')[1]);
  };
  const rounds = arg('rounds', QUICK ? 1 : 5);
  const seconds = arg('seconds', QUICK ? 1 : 5);
  header(
    'exporters',
    `serve() with/without openTelemetry() (wrk -t1 -c50 -d${seconds}s, ${rounds} alternating rounds, medians); a Prometheus scrape`,
  );
  const rows: Row[] = [];
  if (!hasTool('wrk'))
    rows.push(textRow('serve() with OTel', 'wrk is not installed (apt-get install wrk): not measured'));
  else {
    const plain = await startServerChild(FILE, ['--server=plain']);
    const otel = await startServerChild(FILE, ['--server=otel']);
    const runs = { plain: [] as number[], otel: [] as number[] };
    try {
      wrk(plain.port, 1);
      wrk(otel.port, 1);
      for (let r = 0; r < rounds; r++) {
        runs.plain.push(wrk(plain.port, seconds));
        runs.otel.push(wrk(otel.port, seconds));
      }
    } finally {
      plain.stop();
      otel.stop();
    }
    rows.push(
      ratioRow('serve() + SERVER span per request, requests/s', median(runs.otel), median(runs.plain), undefined, {
        unit: '/s',
      }),
    );
    rows.push(
      textRow('requests/s per round', runs.otel.map((x) => fmt(x)).join(' '), runs.plain.map((x) => fmt(x)).join(' ')),
    );
  }
  rows.push(...(await scrape()));
  printTable(rows);
}

const serverArg = process.argv.find((a) => a.startsWith('--server='));
if (serverArg !== undefined) {
  const rt = Runtime.builder().build();
  void rt.run(async () => {
    serveAsChild(await server(rt, serverArg.endsWith('otel')));
    await sleep(Infinity);
  });
} else await orchestrate();
