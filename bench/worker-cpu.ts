/**
 * CPU-bound work on weft's worker threads, against one thread and against the
 * common Node worker pools with the same number of threads (2 by default:
 * `WEFT_BENCH_THREADS`), measured interleaved in one process:
 *
 *   node --expose-gc --conditions=weft-source --import tsx bench/worker-cpu.ts [--quick]
 *
 * - 200 calls of ~5 ms of CPU each, submitted at once: speedup over running
 *   the same work one call after the other on one thread. Target (issue 4):
 *   at least 1.85x with 2 threads.
 * - imbalanced load: 100 calls of 1–50 ms (random, the same list for every
 *   contender) submitted at once from one thread: total time against the
 *   ideal, the sum of the work divided by the threads. Target: within 1.15x.
 * - `parMap` over 1,000,000 small items (`x => x * 2 + 1`, default chunking):
 *   items per second against a plain loop on one thread.
 *
 * The work is a busy-wait on `performance.now()`, so its length is the same
 * in every contender and does not depend on the JIT.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { Runtime } from 'weft';
import { defineTask, parMap, spawnWorker } from 'weft/worker';
import {
  header,
  isMain,
  measureInterleaved,
  pick,
  printTable,
  ratioRow,
  textRow,
  type Row,
  type Stats,
} from './lib.js';
import { THREADS, closePools, cpu, startPools, type Pool } from './worker-pools.js';

const affineFn = (x: number): number => x * 2 + 1;
export const affine = defineTask(import.meta.url, 'affine', affineFn);

function burn(ms: number): number {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) n++;
  return n;
}

/** A fixed pseudo-random list of durations in [1, 50] ms (the same in every run). */
function imbalancedLoad(n: number): number[] {
  let s = 12345;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out.push(1 + ((s >>> 8) % 50));
  }
  return out;
}

async function main(): Promise<void> {
  header('worker threads: CPU-bound work', `threads: ${THREADS}`);
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
  const rt = Runtime.builder().multiThread().workerThreads(THREADS).build();
  const pools: Pool[] = await startPools(dir);
  const rows: Row[] = [];
  try {
    await rt.run(async () => {
      await Promise.all(Array.from({ length: 200 }, () => spawnWorker(cpu, 0)));

      // 200 calls of ~5 ms.
      const CALLS = pick(200, 100);
      const MS = 5;
      const all = (call: (ms: number) => PromiseLike<unknown>) => () =>
        Promise.all(Array.from({ length: CALLS }, () => call(MS)));
      const cpuStats = await measureInterleaved(
        [
          {
            name: 'one thread',
            fn: () => {
              for (let i = 0; i < CALLS; i++) burn(MS);
            },
          },
          { name: 'weft', fn: all((ms) => spawnWorker(cpu, ms)) },
          ...pools.map((p) => ({ name: p.name, fn: all(p.cpu) })),
        ],
        { samples: pick(5, 2), warmup: 1 },
      );
      const [one, weft, ...others] = cpuStats as [Stats, Stats, ...Stats[]];
      rows.push(
        ratioRow(
          `${CALLS} calls of ${MS} ms: speedup over one thread`,
          weft,
          one,
          { min: 1.85, label: '≥1.85x' },
          { invert: true },
        ),
      );
      for (const s of others)
        rows.push(ratioRow(`  ${s.name}: speedup over one thread`, s, one, undefined, { invert: true }));

      // Imbalanced load.
      const load = imbalancedLoad(pick(100, 40));
      const ideal = load.reduce((a, b) => a + b, 0) / THREADS;
      const run = (call: (ms: number) => PromiseLike<unknown>) => () => Promise.all(load.map((ms) => call(ms)));
      const imb = await measureInterleaved(
        [
          { name: 'weft', fn: run((ms) => spawnWorker(cpu, ms)) },
          ...pools.map((p) => ({ name: p.name, fn: run(p.cpu) })),
        ],
        { samples: pick(3, 1), warmup: 1 },
      );
      rows.push(
        ratioRow(
          `imbalanced 1–50 ms ×${load.length}: time vs ideal (${ideal.toFixed(0)} ms)`,
          imb[0]!,
          ideal,
          { max: 1.15, label: '≤1.15x' },
          { unit: 'ms' },
        ),
      );
      for (const s of imb.slice(1))
        rows.push(ratioRow(`  ${s.name}: time vs ideal`, s, ideal, undefined, { unit: 'ms' }));

      // parMap over 1,000,000 small items.
      const N = pick(1_000_000, 200_000);
      const items = Array.from({ length: N }, (_, i) => i);
      const pm = await measureInterleaved(
        [
          {
            name: 'loop',
            fn: () => {
              const out = new Array<number>(N);
              for (let i = 0; i < N; i++) out[i] = affineFn(items[i]!);
              return out;
            },
          },
          { name: 'parMap', fn: () => parMap(items, affine) },
        ],
        { samples: pick(7, 3), warmup: 2 },
      );
      const perSec = (s: Stats): number => N / (s.median / 1000);
      rows.push(
        textRow(
          `parMap over ${N.toLocaleString('en-US')} items (x => x*2+1), items/s`,
          `${(perSec(pm[1]!) / 1e6).toFixed(1)} M/s (${pm[1]!.median.toFixed(1)} ms)`,
          `${(perSec(pm[0]!) / 1e6).toFixed(1)} M/s loop (${pm[0]!.median.toFixed(1)} ms)`,
          `${(perSec(pm[1]!) / perSec(pm[0]!)).toFixed(2)}x`,
          'report',
          '—',
        ),
      );
    });
  } finally {
    await rt.shutdown();
    await closePools(pools);
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(rows);
}

if (isMainThread && isMain(import.meta.url)) await main();
