/**
 * Echo benchmark: 50 connections, each sending a 4 KiB message and reading the
 * echo back, over and over, on loopback. weft server + weft client against a
 * raw node:net server + raw node:net client doing the same, measured in the
 * same run: throughput (bytes/s echoed) and round-trip latency (p50, p99).
 *
 *   node --conditions=weft-source --import tsx bench/echo.ts [--quick] [--seconds=5]
 *
 * Servers and clients each run in their own child process (server and client
 * never share an event loop). Full mode: 5 s per stack in two interleaved
 * rounds of 2.5 s (raw, weft, raw, weft); --quick: one round of 1 s each.
 * Each client warms up for 300 ms before measuring.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { TcpListener } from 'weft/net';
import { runEchoServer } from '../examples/echo-server.js';
import { runEchoLoad } from '../examples/echo-client.js';
import { QUICK, header, printTable, ratioRow, textRow, fmt, type Row } from './lib.js';

const CONNECTIONS = 50;
const SIZE = 4096;
const WARMUP_MS = 300;
const FILE = fileURLToPath(import.meta.url);
const CHILD_ARGV = ['--conditions=weft-source', '--import', 'tsx'];

type Impl = 'raw' | 'weft';

interface ClientResult {
  bytes: number;
  ms: number;
  errors: number;
  rtts: number[];
  /** CPU time (user + system) the client process used while measuring, in µs. */
  cpu: number;
  /** CPU time the server process used meanwhile, in µs (filled in by the parent). */
  serverCpu: number;
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

// ---------- raw node:net ----------

function rawServer(): Promise<number> {
  const server = createServer({ noDelay: true }, (s) => {
    s.on('data', (d: Buffer) => s.write(d));
    s.on('error', () => s.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

/** The raw client: per connection, write a message, wait until SIZE bytes came back, repeat. */
async function rawLoad(port: number, durationMs: number): Promise<ClientResult> {
  const rtts: number[] = [];
  let bytes = 0;
  let errors = 0;
  const sockets = await Promise.all(
    Array.from(
      { length: CONNECTIONS },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(s));
          s.once('error', reject);
        }),
    ),
  );
  const t0 = performance.now();
  const end = t0 + durationMs;
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((resolve) => {
          const msg = Buffer.alloc(SIZE, 120);
          let got = 0;
          let sent = performance.now();
          s.on('data', (d: Buffer) => {
            got += d.length;
            if (got < SIZE) return;
            got -= SIZE;
            const now = performance.now();
            rtts.push((now - sent) * 1000);
            bytes += SIZE;
            if (now >= end) {
              s.end();
              return;
            }
            sent = now;
            s.write(msg);
          });
          s.on('error', () => {
            errors++;
            resolve();
          });
          s.on('close', () => resolve());
          s.write(msg);
        }),
    ),
  );
  return { bytes, ms: performance.now() - t0, errors, rtts, cpu: 0, serverCpu: 0 };
}

// ---------- children ----------

async function serverChild(impl: Impl): Promise<void> {
  let port: number;
  if (impl === 'raw') port = await rawServer();
  else {
    const listener = await TcpListener.bind('127.0.0.1:0');
    port = listener.localAddr().port;
    void runEchoServer(listener);
  }
  process.send!({ port });
  process.on('message', (m) => {
    if (m === 'cpu') process.send!({ cpu: cpuNow() });
    else process.exit(0);
  });
}

async function clientChild(impl: Impl, port: number, ms: number): Promise<void> {
  const load =
    impl === 'raw'
      ? (d: number) => rawLoad(port, d)
      : async (d: number): Promise<ClientResult> => {
          const r = await runEchoLoad(
            { host: '127.0.0.1', port },
            { connections: CONNECTIONS, size: SIZE, durationMs: d },
          );
          return { bytes: r.bytes, ms: r.ms, errors: r.errors, rtts: Array.from(r.rtts), cpu: 0, serverCpu: 0 };
        };
  await load(WARMUP_MS);
  process.send!('measuring');
  const c0 = cpuNow();
  const result = await load(ms);
  result.cpu = cpuNow() - c0;
  process.send!(result, () => process.exit(0));
}

function child(args: string[]): ChildProcess {
  return fork(FILE, args, { execArgv: CHILD_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function firstMessage<T>(c: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`child exited with ${code} before reporting`));
    c.once('message', (m) => {
      c.off('exit', onExit);
      resolve(m as T);
    });
    c.once('exit', onExit);
  });
}

// ---------- orchestration ----------

function summarise(results: ClientResult[]): {
  bytesPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  n: number;
  cpuPerTrip: number;
  serverCpuPerTrip: number;
} {
  const rtts = Float64Array.from(results.flatMap((r) => r.rtts)).sort();
  const bytes = results.reduce((a, r) => a + r.bytes, 0);
  const ms = results.reduce((a, r) => a + r.ms, 0);
  const q = (p: number): number => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))] ?? NaN;
  return {
    bytesPerSec: bytes / (ms / 1000),
    p50: q(0.5),
    p99: q(0.99),
    errors: results.reduce((a, r) => a + r.errors, 0),
    n: rtts.length,
    cpuPerTrip: results.reduce((a, r) => a + r.cpu, 0) / rtts.length,
    serverCpuPerTrip: results.reduce((a, r) => a + r.serverCpu, 0) / rtts.length,
  };
}

async function orchestrate(): Promise<void> {
  const secondsArg = process.argv.find((a) => a.startsWith('--seconds='));
  const total = secondsArg !== undefined ? Number(secondsArg.split('=')[1]) * 1000 : QUICK ? 1000 : 5000;
  const rounds = QUICK ? 2 : 4;
  const perRound = total / rounds;
  header(
    'echo',
    `${CONNECTIONS} connections × ${SIZE / 1024} KiB messages, echo round trips on loopback; ${rounds} interleaved rounds of ${perRound / 1000} s per stack, server and client in separate processes. CPU µs per round trip is the steadier figure on a busy machine.`,
  );
  const servers = new Map<Impl, { proc: ChildProcess; port: number }>();
  for (const impl of ['raw', 'weft'] as const) {
    const proc = child([`--server=${impl}`]);
    servers.set(impl, { proc, port: (await firstMessage<{ port: number }>(proc)).port });
  }
  const runs: Record<string, ClientResult[]> = { raw: [], weft: [], 'raw client → weft server': [] };
  const serverCpu = async (impl: Impl): Promise<number> => {
    const { proc } = servers.get(impl)!;
    const reply = firstMessage<{ cpu: number }>(proc);
    proc.send('cpu');
    return (await reply).cpu;
  };
  const run = async (client: Impl, server: Impl, key: string): Promise<void> => {
    const c = child([`--client=${client}`, `--port=${servers.get(server)!.port}`, `--ms=${perRound}`]);
    await firstMessage<string>(c); // warm-up done
    const s0 = await serverCpu(server);
    const result = await firstMessage<ClientResult>(c);
    result.serverCpu = (await serverCpu(server)) - s0;
    runs[key]!.push(result);
  };
  try {
    for (let r = 0; r < rounds; r++) {
      await run('raw', 'raw', 'raw');
      await run('weft', 'weft', 'weft');
    }
    await run('raw', 'weft', 'raw client → weft server');
  } finally {
    for (const { proc } of servers.values()) proc.send('exit');
  }
  const raw = summarise(runs['raw']!);
  const weft = summarise(runs['weft']!);
  const mixed = summarise(runs['raw client → weft server']!);
  const rows: Row[] = [
    ratioRow('throughput, bytes/s echoed', weft.bytesPerSec, raw.bytesPerSec, { min: 0.9 }, { unit: 'B/s' }),
    ratioRow('round trip p50', weft.p50, raw.p50, undefined, { unit: 'µs' }),
    ratioRow('round trip p99', weft.p99, raw.p99, { max: 1.2 }, { unit: 'µs' }),
    ratioRow(
      'CPU per round trip: server + client',
      weft.cpuPerTrip + weft.serverCpuPerTrip,
      raw.cpuPerTrip + raw.serverCpuPerTrip,
      undefined,
      { unit: 'µs' },
    ),
    ratioRow('CPU per round trip: server', weft.serverCpuPerTrip, raw.serverCpuPerTrip, undefined, { unit: 'µs' }),
    ratioRow('CPU per round trip: client', weft.cpuPerTrip, raw.cpuPerTrip, undefined, { unit: 'µs' }),
    ratioRow('weft server only (raw client): throughput', mixed.bytesPerSec, raw.bytesPerSec, undefined, {
      unit: 'B/s',
    }),
    ratioRow('weft server only (raw client): p99', mixed.p99, raw.p99, undefined, { unit: 'µs' }),
    textRow('round trips measured', fmt(weft.n), fmt(raw.n)),
    textRow(
      'connection errors',
      String(weft.errors + mixed.errors),
      String(raw.errors),
      '—',
      '0',
      weft.errors + mixed.errors === 0 ? 'yes' : 'NO',
    ),
  ];
  printTable(rows);
  console.log(
    `\nweft: ${(weft.bytesPerSec / 1e6).toFixed(1)} MB/s; raw node:net: ${(raw.bytesPerSec / 1e6).toFixed(1)} MB/s`,
  );
}

const serverArg = process.argv.find((a) => a.startsWith('--server='));
const clientArg = process.argv.find((a) => a.startsWith('--client='));
if (serverArg !== undefined) await serverChild(serverArg.split('=')[1] as Impl);
else if (clientArg !== undefined) {
  const get = (name: string): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))!.split('=')[1]);
  await clientChild(clientArg.split('=')[1] as Impl, get('port'), get('ms'));
} else await orchestrate();
