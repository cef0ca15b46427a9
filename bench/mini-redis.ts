/**
 * mini-redis (examples/mini-redis.ts) against the same server on raw
 * node:net, driven by `redis-benchmark` (Debian's redis-tools) with 50
 * connections, without pipelining (-P 1) and with 16 requests in flight per
 * connection (-P 16), SET and GET. Rounds alternate raw / weft; each figure is
 * the median over rounds, beside the raw server's in the same run.
 *
 *   node --conditions=weft-source --import tsx bench/mini-redis.ts [--quick] [--rounds=5] [--requests=200000]
 *
 * The raw server uses the same RespCodec and command code on 'data' events
 * and answers each read with one socket.write: the difference is weft's
 * streams, Framed and a task per connection.
 */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { TcpListener } from 'weft/net';
import { BytesBuffer } from 'weft/codec';
import { RespCodec, execute, runMiniRedis, type Db } from '../examples/mini-redis.js';
import { QUICK, header, printTable, ratioRow, textRow, fmt, type Row } from './lib.js';
import { hasTool, median, runTool, serveAsChild, startServerChild } from './_load.js';

const FILE = fileURLToPath(import.meta.url);

function rawServer(): Promise<number> {
  const db: Db = new Map();
  const server = createServer({ noDelay: true }, (s) => {
    const codec = new RespCodec();
    const inbuf = new BytesBuffer();
    const out = new BytesBuffer();
    s.on('data', (chunk: Buffer) => {
      inbuf.write(chunk);
      try {
        for (let f = codec.decode(inbuf); f !== undefined; f = codec.decode(inbuf)) codec.encode(execute(db, f), out);
      } catch {
        s.destroy();
        return;
      }
      if (out.length > 0) {
        s.write(out.toUint8Array());
        out.clear();
      }
    });
    s.on('error', () => s.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

async function weftServer(): Promise<number> {
  const listener = await TcpListener.bind('127.0.0.1:0');
  void runMiniRedis(listener);
  return listener.localAddr().port;
}

interface Figures {
  rps: number;
  p99: number;
}

/** Runs redis-benchmark once; returns requests/s and p99 (ms) per test (SET, GET). */
function redisBenchmark(port: number, pipeline: number, requests: number): Map<string, Figures> {
  const csv = runTool('redis-benchmark', [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-n',
    String(requests),
    '-c',
    '50',
    '-P',
    String(pipeline),
    '-t',
    'set,get',
    '--csv',
  ]);
  const out = new Map<string, Figures>();
  for (const line of csv.trim().split('\n').slice(1)) {
    const cells = line.split(',').map((c) => c.replace(/"/g, ''));
    out.set(cells[0]!, { rps: Number(cells[1]), p99: Number(cells[6]) });
  }
  return out;
}

async function orchestrate(): Promise<void> {
  const arg = (name: string, dflt: number): number => {
    const a = process.argv.find((x) => x.startsWith(`--${name}=`));
    return a === undefined ? dflt : Number(a.split('=')[1]);
  };
  const rounds = arg('rounds', QUICK ? 1 : 5);
  const requests = arg('requests', QUICK ? 20_000 : 200_000);
  header(
    'mini-redis',
    `redis-benchmark -n ${requests} -c 50 -t set,get at -P 1 and -P 16 against examples/mini-redis.ts and the same server on raw node:net; ${rounds} alternating rounds, medians. Servers in their own processes.`,
  );
  if (!hasTool('redis-benchmark')) {
    console.log('redis-benchmark is not installed (Debian: apt-get install redis-tools): nothing measured.\n');
    return;
  }
  const raw = await startServerChild(FILE, ['--server=raw']);
  const weft = await startServerChild(FILE, ['--server=weft']);
  const runs: Record<string, Figures[]> = {};
  const record = (key: string, f: Figures): void => void (runs[key] ??= []).push(f);
  try {
    for (const p of [1, 16]) redisBenchmark(weft.port, p, Math.min(requests, 20_000)); // warm-up (JIT)
    for (let r = 0; r < rounds; r++) {
      for (const p of [1, 16]) {
        for (const [impl, server] of [
          ['raw', raw],
          ['weft', weft],
        ] as const) {
          const cpu0 = await server.cpu();
          for (const [test, f] of redisBenchmark(server.port, p, requests)) record(`${impl} ${test} -P ${p}`, f);
          // SET and GET: 2 × requests answered.
          record(`${impl} cpu -P ${p}`, { rps: 0, p99: ((await server.cpu()) - cpu0) / (2 * requests) });
        }
      }
    }
  } finally {
    raw.stop();
    weft.stop();
  }
  const rows: Row[] = [];
  for (const p of [1, 16]) {
    for (const test of ['SET', 'GET']) {
      const w = runs[`weft ${test} -P ${p}`]!;
      const b = runs[`raw ${test} -P ${p}`]!;
      rows.push(
        ratioRow(
          `${test} -P ${p}, requests/s`,
          median(w.map((f) => f.rps)),
          median(b.map((f) => f.rps)),
          { min: 0.9 },
          { unit: '/s' },
        ),
      );
      rows.push(
        ratioRow(
          `${test} -P ${p}, p99`,
          median(w.map((f) => f.p99)),
          median(b.map((f) => f.p99)),
          { max: 1.5 },
          { unit: 'ms' },
        ),
      );
      rows.push(
        textRow(
          `${test} -P ${p}, requests/s per round`,
          w.map((f) => fmt(f.rps)).join(' '),
          b.map((f) => fmt(f.rps)).join(' '),
        ),
      );
    }
  }
  for (const p of [1, 16]) {
    rows.push(
      ratioRow(
        `server CPU per request (SET+GET) -P ${p}`,
        median(runs[`weft cpu -P ${p}`]!.map((f) => f.p99)),
        median(runs[`raw cpu -P ${p}`]!.map((f) => f.p99)),
        undefined,
        { unit: 'µs' },
      ),
    );
  }
  printTable(rows);
  console.log('\nserver CPU per request (µs, lower is better) is the steadier figure when the machine is shared.');
}

const serverArg = process.argv.find((a) => a.startsWith('--server='));
if (serverArg !== undefined) serveAsChild(serverArg.endsWith('raw') ? await rawServer() : await weftServer());
else await orchestrate();
