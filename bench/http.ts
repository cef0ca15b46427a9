/**
 * weft/http's serve() against raw node:http, hello-world, driven by `wrk`
 * (Debian's package) with 1 thread and 50 connections. Rounds alternate raw /
 * weft; each figure is the median over rounds, beside raw node:http's in the
 * same run.
 *
 *   node --conditions=weft-source --import tsx bench/http.ts [--quick] [--rounds=5] [--seconds=5]
 *
 * Both servers run in child processes of their own and answer `hello world`
 * with the same headers; wrk is a third process.
 */
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { serve } from 'weft/http';
import { QUICK, header, printTable, ratioRow, textRow, fmt, type Row } from './lib.js';
import { hasTool, median, runTool, serveAsChild, startServerChild, type ServerChild } from './_load.js';

const FILE = fileURLToPath(import.meta.url);
const BODY = 'hello world';

function rawServer(): Promise<number> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(BODY);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

async function weftServer(): Promise<number> {
  const server = await serve(
    (_req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end(BODY);
    },
    { port: 0, host: '127.0.0.1' },
  );
  return server.address().port;
}

interface Figures {
  rps: number;
  p99: number;
  requests: number;
  /** Server CPU µs per request (filled in by the caller). */
  cpu: number;
}

const UNIT: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };

/** Runs wrk once; returns requests/s and p99 latency (ms). */
function wrk(port: number, seconds: number): Figures {
  const out = runTool('wrk', ['-t1', '-c50', `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/`]);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)$/m.exec(out);
  const requests = /^\s+(\d+) requests in/m.exec(out);
  if (rps === null || p99 === null || requests === null) throw new Error(`could not read wrk's output:\n${out}`);
  return { rps: Number(rps[1]), p99: Number(p99[1]) * UNIT[p99[2]!]!, requests: Number(requests[1]), cpu: NaN };
}

async function orchestrate(): Promise<void> {
  const arg = (name: string, dflt: number): number => {
    const a = process.argv.find((x) => x.startsWith(`--${name}=`));
    return a === undefined ? dflt : Number(a.split('=')[1]);
  };
  const rounds = arg('rounds', QUICK ? 1 : 5);
  const seconds = arg('seconds', QUICK ? 1 : 5);
  header(
    'http',
    `wrk -t1 -c50 -d${seconds}s against serve() and raw node:http (hello world); ${rounds} alternating rounds, medians. Servers in their own processes.`,
  );
  if (!hasTool('wrk')) {
    console.log('wrk is not installed (Debian: apt-get install wrk): nothing measured.\n');
    return;
  }
  const raw = await startServerChild(FILE, ['--server=raw']);
  const weft = await startServerChild(FILE, ['--server=weft']);
  const runs: Record<'raw' | 'weft', Figures[]> = { raw: [], weft: [] };
  try {
    wrk(raw.port, 1); // warm-up (JIT) for both
    wrk(weft.port, 1);
    const measured = async (server: ServerChild): Promise<Figures> => {
      const cpu0 = await server.cpu();
      const f = wrk(server.port, seconds);
      f.cpu = ((await server.cpu()) - cpu0) / f.requests;
      return f;
    };
    for (let r = 0; r < rounds; r++) {
      runs.raw.push(await measured(raw));
      runs.weft.push(await measured(weft));
    }
  } finally {
    raw.stop();
    weft.stop();
  }
  const w = runs.weft;
  const b = runs.raw;
  const rows: Row[] = [
    ratioRow(
      'hello world, requests/s',
      median(w.map((f) => f.rps)),
      median(b.map((f) => f.rps)),
      { min: 0.95 },
      { unit: '/s' },
    ),
    ratioRow('latency p99', median(w.map((f) => f.p99)), median(b.map((f) => f.p99)), { max: 1.1 }, { unit: 'ms' }),
    ratioRow('server CPU per request', median(w.map((f) => f.cpu)), median(b.map((f) => f.cpu)), undefined, {
      unit: 'µs',
    }),
    textRow('requests/s per round', w.map((f) => fmt(f.rps)).join(' '), b.map((f) => fmt(f.rps)).join(' ')),
  ];
  printTable(rows);
  console.log('\nserver CPU per request (µs, lower is better) is the steadier figure when the machine is shared.');
}

const serverArg = process.argv.find((a) => a.startsWith('--server='));
if (serverArg !== undefined) serveAsChild(serverArg.endsWith('raw') ? await rawServer() : await weftServer());
else await orchestrate();
