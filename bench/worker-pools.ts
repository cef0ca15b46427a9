/**
 * weft's worker threads against the common Node worker pools, all with the
 * same number of threads (2 by default: `WEFT_BENCH_THREADS`), measured
 * interleaved in one process:
 *
 *   node --expose-gc --conditions=weft-source --import tsx bench/worker-pools.ts [--quick]
 *
 * - burst: 10,000 trivial calls submitted at once, until all have resolved;
 *   weft `spawnWorker` on a multi-thread runtime vs piscina, tinypool,
 *   poolifier (FixedThreadPool) and workerpool. Target (issue 4): at least 3x
 *   faster than the best of them.
 * - serial round trip: one trivial call at a time, awaited before the next.
 *   Target: at most 15 µs.
 *
 * CPU-bound figures (speedup, imbalanced load, parMap) are in `worker-cpu.ts`.
 *
 * The competitors' worker scripts are written to a temporary directory at
 * start (plain `.mjs`, the work functions identical to weft's).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { Runtime } from 'weft';
import { defineTask, spawnWorker } from 'weft/worker';
import {
  header,
  isMain,
  measureInterleaved,
  pick,
  printTable,
  ratioRow,
  textRow,
  type Contender,
  type Row,
  type Stats,
} from './lib.js';

export const THREADS = Number(process.env['WEFT_BENCH_THREADS'] ?? 2);

/** Busy-waits `ms` milliseconds: CPU-bound work whose length does not depend on the JIT. */
function burn(ms: number): number {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) n++;
  return n;
}

export const trivial = defineTask(import.meta.url, 'trivial', (x: number) => x);
export const cpu = defineTask(import.meta.url, 'cpu', burn);

/** The same two functions for the other pools, as worker scripts. */
function writeScripts(dir: string): Record<string, string> {
  const resolve = (name: string): string => import.meta.resolve(name);
  const body = `const trivial = (x) => x;
const cpu = (ms) => { const end = performance.now() + ms; let n = 0; while (performance.now() < end) n++; return n; };`;
  const files: Record<string, string> = {
    piscina: `${body}\nexport default trivial;\nexport { cpu };\n`,
    poolifier: `import { ThreadWorker } from ${JSON.stringify(resolve('poolifier'))};\n${body}\nexport default new ThreadWorker({ trivial, cpu });\n`,
    workerpool: `import workerpool from ${JSON.stringify(resolve('workerpool'))};\n${body}\nworkerpool.worker({ trivial, cpu });\n`,
  };
  const paths: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    paths[name] = join(dir, `${name}.mjs`);
    writeFileSync(paths[name], text);
  }
  return paths;
}

/** One pool behind a common face. */
export interface Pool {
  name: string;
  trivial(x: number): Promise<unknown>;
  cpu(ms: number): Promise<unknown>;
  close(): Promise<void>;
}

export async function startPools(dir: string): Promise<Pool[]> {
  const scripts = writeScripts(dir);
  const { Piscina } = await import('piscina');
  const { Tinypool } = await import('tinypool');
  const { FixedThreadPool } = await import('poolifier');
  const workerpool = (await import('workerpool')).default;
  const piscina = new Piscina({ filename: scripts['piscina']!, minThreads: THREADS, maxThreads: THREADS });
  const tinypool = new Tinypool({ filename: scripts['piscina']!, minThreads: THREADS, maxThreads: THREADS });
  const poolifier = new FixedThreadPool(THREADS, scripts['poolifier']!);
  const wp = workerpool.pool(scripts['workerpool']!, {
    minWorkers: THREADS,
    maxWorkers: THREADS,
    workerType: 'thread',
  });
  const pools: Pool[] = [
    {
      name: 'piscina',
      trivial: (x) => piscina.run(x),
      cpu: (ms) => piscina.run(ms, { name: 'cpu' }),
      close: () => piscina.destroy(),
    },
    {
      name: 'tinypool',
      trivial: (x) => tinypool.run(x),
      cpu: (ms) => tinypool.run(ms, { name: 'cpu' }),
      close: () => tinypool.destroy(),
    },
    {
      name: 'poolifier',
      trivial: (x) => poolifier.execute(x, 'trivial'),
      cpu: (ms) => poolifier.execute(ms, 'cpu'),
      close: () => poolifier.destroy(),
    },
    {
      name: 'workerpool',
      trivial: (x) => wp.exec('trivial', [x]),
      cpu: (ms) => wp.exec('cpu', [ms]),
      close: async () => {
        await wp.terminate();
      },
    },
  ];
  // Every thread up and warm.
  for (const p of pools) await Promise.all(Array.from({ length: 200 }, (_, i) => p.trivial(i)));
  return pools;
}

/**
 * Closes the other pools, each given 5 s: on Node 24 one of them now and then
 * never settles its `destroy()` (and keeps nothing alive, so the process
 * would just end); a pool that does not close in time is reported and left.
 */
export async function closePools(pools: readonly Pool[]): Promise<void> {
  await Promise.all(
    pools.map(async (p) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, 5000, true)));
      const closed = await Promise.race([p.close().then(() => false), late]);
      clearTimeout(timer);
      if (closed) console.error(`note: ${p.name} did not finish closing within 5 s`);
    }),
  );
}

/** weft on a multi-thread runtime, as a Pool: each call is a `spawnWorker` in a task of `rt`. */
export function weftPool(rt: Runtime): Pool {
  return {
    name: 'weft',
    trivial: (x) => rt.run(() => spawnWorker(trivial, x)),
    cpu: (ms) => rt.run(() => spawnWorker(cpu, ms)),
    close: () => rt.shutdown(),
  };
}

const burstOf = (n: number, call: (x: number) => Promise<unknown>) => () =>
  Promise.all(Array.from({ length: n }, (_, i) => call(i)));

async function main(): Promise<void> {
  header('worker pools', `threads per pool: ${THREADS}`);
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
  const rt = Runtime.builder().multiThread().workerThreads(THREADS).build();
  const pools = await startPools(dir);
  const rows: Row[] = [];
  try {
    await rt.run(async () => {
      await Promise.all(Array.from({ length: 2000 }, (_, i) => spawnWorker(trivial, i)));
      const BURST = 10_000;
      const weftBurst = burstOf(BURST, (x) => spawnWorker(trivial, x));
      const burst = await measureInterleaved(
        [
          { name: 'weft', fn: weftBurst },
          ...pools.map((p): Contender => ({ name: p.name, fn: burstOf(BURST, p.trivial) })),
        ],
        { samples: pick(10, 3) },
      );
      rows.push(...vsBest('10,000 trivial calls at once', burst, { min: 3 }));

      const SERIAL = pick(4000, 1000);
      const serial = async (call: (x: number) => Promise<unknown>): Promise<void> => {
        for (let i = 0; i < SERIAL; i++) await call(i);
      };
      const rtt = await measureInterleaved(
        [
          { name: 'weft', fn: () => serial((x) => spawnWorker(trivial, x)) },
          ...pools.map((p): Contender => ({ name: p.name, fn: () => serial(p.trivial) })),
        ],
        { samples: pick(10, 3), per: SERIAL, unit: 'µs' },
      );
      const bestRtt = best(rtt.slice(1));
      rows.push(
        ratioRow(`serial round trip (vs ${bestRtt.name})`, rtt[0]!, bestRtt, { max: 15, on: 'value', label: '≤15 µs' }),
      );
      for (const s of rtt.slice(1)) rows.push(ratioRow(`  serial round trip: ${s.name}`, rtt[0]!, s));
    });
  } finally {
    await rt.shutdown();
    await closePools(pools);
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(rows);
}

function best(stats: readonly Stats[]): Stats {
  return stats.reduce((a, b) => (b.median < a.median ? b : a));
}

/** "weft is N times faster than the best" and one row per competitor. */
export function vsBest(figure: string, all: readonly Stats[], target: { min: number }): Row[] {
  const weft = all[0]!;
  const others = all.slice(1);
  const top = best(others);
  return [
    ratioRow(
      `${figure} (vs best: ${top.name})`,
      weft,
      top,
      { min: target.min, label: `≥${target.min}x faster` },
      { invert: true },
    ),
    ...others.map((s) => ratioRow(`  ${figure}: ${s.name}`, weft, s, undefined, { invert: true })),
  ];
}

export { textRow };

if (isMainThread && isMain(import.meta.url)) await main();
