/**
 * Load test of the weft echo server on loopback, bounded in count and time.
 *
 * The server (examples/echo-server.ts, line protocol, frameTimeout 1 s) runs
 * in a child process. This process first measures 50 normal clients alone
 * (each sends a 4 KiB line and waits for its echo, over and over), then opens
 * 1,000 idle connections, 50 slow-loris clients (one byte every 400 ms, never
 * a newline; reconnecting when cut off) and 50 clients that send lines but
 * never read, and measures the same 50 normal clients again while all that
 * goes on. Then everything is closed and file descriptors are counted again.
 *
 * Pass: loaded p99 at most 2x the unloaded p99; no errors on normal or idle
 * connections; every slow-loris connection closed by the server; file
 * descriptors of both processes back to their baseline.
 *
 *   node --conditions=weft-source --import tsx bench/echo-load.ts [--quick]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TcpListener } from 'weft/net';
import { ReadTimeoutError } from 'weft/codec';
import { runEchoServer } from '../examples/echo-server.js';
import { QUICK, fmtBytes, header, pick, printTable, ratioRow, textRow, type Row } from './lib.js';

const FILE = fileURLToPath(import.meta.url);
const LINE = Buffer.from('x'.repeat(4095) + '\n');
const FRAME_TIMEOUT = 1000;
const NORMAL = 50;
const LORIS = 50;
const NEVER_READ = 50;
const WANT_IDLE = 1000;
const PHASE_MS = pick(3000, 1000);

function fds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

// ---------- server child ----------

async function serverChild(): Promise<void> {
  const listener = await TcpListener.bind('127.0.0.1:0', { backlog: 4096, maxPending: 4096 });
  const stats = { timedOut: 0, otherErrors: 0 };
  void runEchoServer(listener, {
    lines: true,
    frameTimeout: FRAME_TIMEOUT,
    onError: (err) => {
      if (err instanceof ReadTimeoutError) stats.timedOut++;
      else stats.otherErrors++;
    },
  });
  process.send!({ port: listener.localAddr().port });
  process.on('message', (m) => {
    if (m === 'stats') process.send!({ fds: fds(), rss: process.memoryUsage().rss, ...stats });
    else void listener.close().then(() => process.exit(0));
  });
}

// ---------- clients (raw node:net, callback style: cheap for the load generator) ----------

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', noDelay: true }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** 50 normal clients for `ms`: RTTs in µs and errors. */
async function normalClients(port: number, ms: number): Promise<{ rtts: Float64Array; errors: number }> {
  const rtts: number[] = [];
  let errors = 0;
  const sockets = await Promise.all(Array.from({ length: NORMAL }, () => open(port)));
  const end = performance.now() + ms;
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((resolve) => {
          let got = 0;
          let sent = performance.now();
          s.on('data', (d: Buffer) => {
            got += d.length;
            if (got < LINE.length) return;
            got -= LINE.length;
            const now = performance.now();
            rtts.push((now - sent) * 1000);
            if (now >= end) {
              s.end();
              return;
            }
            sent = now;
            s.write(LINE);
          });
          s.on('error', () => {
            errors++;
            resolve();
          });
          s.on('close', () => resolve());
          s.write(LINE);
        }),
    ),
  );
  return { rtts: Float64Array.from(rtts).sort(), errors };
}

function q(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

interface Adversaries {
  idle: Socket[];
  idleClosed: number;
  lorisClosedByServer: number;
  lorisSockets: Set<Socket>;
  neverReaders: Socket[];
  neverReadBytes: number;
  stop(): Promise<void>;
}

async function adversaries(port: number, idleCount: number): Promise<Adversaries> {
  const a: Adversaries = {
    idle: [],
    idleClosed: 0,
    lorisClosedByServer: 0,
    lorisSockets: new Set(),
    neverReaders: [],
    neverReadBytes: 0,
    stop: async () => {},
  };
  let stopping = false;
  // Idle connections, opened in batches.
  for (let i = 0; i < idleCount; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, idleCount - i) }, () => open(port)));
    for (const s of batch) {
      s.on('error', () => {});
      s.on('close', () => {
        if (!stopping) a.idleClosed++;
      });
      a.idle.push(s);
    }
  }
  // Slow loris: one byte every 400 ms, never a newline; reconnect when the server cuts it off.
  const timers = new Set<NodeJS.Timeout>();
  const loris = async (): Promise<void> => {
    if (stopping) return;
    const s = await open(port);
    a.lorisSockets.add(s);
    s.on('error', () => {});
    const timer = setInterval(() => s.write('y'), 400);
    timers.add(timer);
    s.write('y');
    s.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
      a.lorisSockets.delete(s);
      if (stopping) return;
      a.lorisClosedByServer++;
      void loris().catch(() => {});
    });
  };
  await Promise.all(Array.from({ length: LORIS }, () => loris()));
  // Never-readers: send lines until the server pushes back (bounded at 16 MiB each), never read.
  for (let i = 0; i < NEVER_READ; i++) {
    const s = await open(port);
    s.pause();
    s.on('error', () => {});
    a.neverReaders.push(s);
    let sent = 0;
    const pump = (): void => {
      while (!stopping && sent < 16 * 1024 * 1024) {
        sent += LINE.length;
        a.neverReadBytes += LINE.length;
        if (!s.write(LINE)) {
          s.once('drain', pump);
          return;
        }
      }
    };
    pump();
  }
  // Wait until the never-readers are held back (no progress for 300 ms), at most 5 s.
  let last = -1;
  for (let t = 0; t < 5000 && a.neverReadBytes !== last; t += 300) {
    last = a.neverReadBytes;
    await new Promise((r) => setTimeout(r, 300));
  }
  a.stop = async () => {
    stopping = true;
    for (const t of timers) clearInterval(t);
    const all = [...a.idle, ...a.lorisSockets, ...a.neverReaders];
    await Promise.all(
      all.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.closed) return resolve();
            s.once('close', () => resolve());
            s.destroy();
          }),
      ),
    );
  };
  return a;
}

// ---------- orchestration ----------

function message<T>(c: ChildProcess, send?: string): Promise<T> {
  return new Promise((resolve) => {
    c.once('message', (m) => resolve(m as T));
    if (send !== undefined) c.send(send);
  });
}

async function until(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

async function main(): Promise<void> {
  // Each connection costs one fd here and one in the server.
  let soft = Infinity;
  try {
    soft = Number(execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim()) || Infinity;
  } catch {
    // unknown: assume enough
  }
  const needed = NORMAL + LORIS + NEVER_READ + 64;
  const idleCount = Math.max(0, Math.min(WANT_IDLE, Math.floor((soft - needed) * 0.9)));
  const note =
    idleCount < WANT_IDLE
      ? `NOTE: ulimit -n is ${soft}; scaled idle connections down to ${idleCount} (raise it with ulimit -n 4096 for the full test)`
      : undefined;
  header(
    'echo-load',
    `weft line-echo server (frameTimeout ${FRAME_TIMEOUT} ms) in a child process; ${NORMAL} normal clients × 4 KiB lines for ${PHASE_MS / 1000} s unloaded, then the same with ${idleCount} idle + ${LORIS} slow-loris + ${NEVER_READ} never-reading connections${note === undefined ? '' : `\n${note}`}`,
  );
  const server = fork(FILE, ['--server'], {
    execArgv: ['--conditions=weft-source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port } = await message<{ port: number }>(server);
  type Stats = { fds: number; rss: number; timedOut: number; otherErrors: number };
  const stats = (): Promise<Stats> => message<Stats>(server, 'stats');
  try {
    const base = await stats();
    const clientFds0 = fds();
    await normalClients(port, 300); // warm-up
    const unloaded = await normalClients(port, PHASE_MS);
    const t0 = performance.now();
    const adv = await adversaries(port, idleCount);
    const rampMs = performance.now() - t0;
    const peakBefore = await stats();
    const loaded = await normalClients(port, PHASE_MS);
    const during = await stats();
    const idleAlive = adv.idle.filter((s) => !s.closed).length;
    const lorisClosed = adv.lorisClosedByServer;
    await adv.stop();
    const back = await until(async () => (await stats()).fds <= base.fds, 5000);
    const end = await stats();
    const clientBack = await until(async () => fds() <= clientFds0, 5000);

    const p99u = q(unloaded.rtts, 0.99);
    const p99l = q(loaded.rtts, 0.99);
    // Server-side errors count until the load stops (tearing down never-readers resets them on purpose).
    const errors = unloaded.errors + loaded.errors + adv.idleClosed + during.otherErrors;
    const rows: Row[] = [
      ratioRow('normal clients p99 round trip, loaded vs unloaded', p99l, p99u, { max: 2 }, { unit: 'µs' }),
      ratioRow(
        'normal clients p50 round trip, loaded vs unloaded',
        q(loaded.rtts, 0.5),
        q(unloaded.rtts, 0.5),
        undefined,
        {
          unit: 'µs',
        },
      ),
      ratioRow(
        'normal round trips/s, loaded vs unloaded',
        loaded.rtts.length / (PHASE_MS / 1000),
        unloaded.rtts.length / (PHASE_MS / 1000),
        undefined,
      ),
      textRow(
        'errors (normal clients, idle connections, server during load)',
        String(errors),
        '—',
        '—',
        '0',
        errors === 0 ? 'yes' : 'NO',
      ),
      textRow(
        `idle connections still open under load`,
        `${idleAlive} / ${idleCount}`,
        '—',
        '—',
        `${idleCount}`,
        idleAlive === idleCount ? 'yes' : 'NO',
      ),
      textRow(
        'slow-loris connections cut by frameTimeout (server count)',
        String(during.timedOut),
        '—',
        '—',
        `≥${LORIS}`,
        during.timedOut >= LORIS && lorisClosed >= LORIS ? 'yes' : 'NO',
      ),
      textRow('never-readers: bytes sent before held back (mostly kernel buffers)', fmtBytes(adv.neverReadBytes)),
      textRow(
        'server RSS: baseline → under load',
        `${fmtBytes(base.rss)} → ${fmtBytes(Math.max(peakBefore.rss, during.rss))}`,
      ),
      textRow(
        'server fds: baseline → under load → after',
        `${base.fds} → ${during.fds} → ${end.fds}`,
        '—',
        '—',
        'back',
        back ? 'yes' : 'NO',
      ),
      textRow(
        'load-generator fds back to baseline',
        `${fds()} (baseline ${clientFds0})`,
        '—',
        '—',
        'back',
        clientBack ? 'yes' : 'NO',
      ),
      textRow('ramp-up (connect + never-readers held back)', `${(rampMs / 1000).toFixed(1)} s`),
    ];
    printTable(rows);
    console.log(
      `\nunloaded: p50 ${(q(unloaded.rtts, 0.5) / 1000).toFixed(2)} ms, p99 ${(p99u / 1000).toFixed(2)} ms; loaded: p50 ${(q(loaded.rtts, 0.5) / 1000).toFixed(2)} ms, p99 ${(p99l / 1000).toFixed(2)} ms${QUICK ? ' (quick mode: short phases, noisier p99)' : ''}`,
    );
  } finally {
    server.send('exit');
    await new Promise((r) => server.once('exit', r));
  }
}

if (process.argv.includes('--server')) await serverChild();
else await main();
