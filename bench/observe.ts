/**
 * What introspection costs (issue 12): spawn, ping-pong and mpsc with
 * observation off against the same workloads on a baseline copy of weft
 * (default: the `main` branch, extracted with `git archive` into a temp
 * directory and loaded in the same process), then with `observe()` and
 * `observe({ taskTimes: true })` against observation off; and the heap a
 * retained finished task takes.
 *
 *   node --expose-gc --conditions=weft-source --import tsx bench/observe.ts [--quick] [--baseline-ref REF]
 *
 * Contenders are interleaved sample by sample (A B C D, A B C D, ...), so
 * machine noise lands on all of them alike, and timed in CPU time of this
 * process (µs of CPU per task / round trip / value), not wall time. Each contender runs its samples
 * inside `rt.run()` of its own runtime; the observing ones retain finished
 * tasks with the defaults (10,000, 60 s), as a real program would.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as weftRoot from 'weft';
import * as weftSync from 'weft/sync';
import {
  MPSC_N,
  ROUND_TRIPS,
  SPAWN_N,
  mpscRecv,
  pingPong,
  spawnMany,
  type Lib,
  type Root,
  type Sync,
} from './core-workloads.js';
import {
  fullGc,
  header,
  isMain,
  pick,
  printTable,
  ratioRow,
  stats,
  textRow,
  type Contender,
  type Row,
  type Stats,
} from './lib.js';

/**
 * `measureInterleaved` on CPU time (`process.cpuUsage()`, user + system)
 * instead of wall time: on a machine shared with other busy processes, wall
 * time mostly measures who else got the cores; CPU time is what the code
 * cost (it still suffers the cache and frequency effects of sharing).
 */
async function measureCpuInterleaved(
  contenders: readonly Contender[],
  options: { inner: number; per: number; samples: number; warmup?: number },
): Promise<Stats[]> {
  const warmup = options.warmup ?? pick(5, 2);
  for (let i = 0; i < warmup; i++) for (const c of contenders) await c.fn();
  const all: number[][] = contenders.map(() => []);
  for (let s = 0; s < options.samples; s++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[k]!;
      const t0 = process.cpuUsage();
      for (let i = 0; i < options.inner; i++) await c.fn();
      const t = process.cpuUsage(t0);
      all[k]!.push((t.user + t.system) / options.inner / options.per); // µs
    }
  }
  return contenders.map((c, k) => stats(c.name, all[k]!, 'µs'));
}

/** Extracts `ref`'s src/ into a temp directory and loads it: the baseline weft. */
async function loadBaseline(ref: string): Promise<{ lib: Lib; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-baseline-'));
  const tar = execFileSync('git', ['archive', ref, 'src'], { maxBuffer: 64 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  const root = (await import(pathToFileURL(join(dir, 'src/index.ts')).href)) as Root;
  const sync = (await import(pathToFileURL(join(dir, 'src/sync/index.ts')).href)) as Sync;
  return { lib: { root, sync }, dir };
}

/** Runs `work` inside `rt.run()` (so spawns land on that runtime). */
function onRuntime(rt: { run<T>(main: () => Promise<T>): Promise<T> }, lib: Lib, work: (lib: Lib) => Promise<number>) {
  return () => rt.run(() => work(lib));
}

/** Heap plus array-buffer memory (the retained ring lives in typed arrays). */
function memory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Memory per retained finished task: spawn `n` trivial tasks on a runtime that retains them all, against one that retains none. */
async function retainedBytes(n: number): Promise<number> {
  const { Runtime, spawn } = weftRoot;
  const measureWith = async (maxRetained: number): Promise<number> => {
    const rt = Runtime.builder().observe({ maxRetained, retain: Infinity }).build();
    await fullGc();
    const before = memory();
    await rt.run(async () => {
      for (let i = 0; i < n; i += 1000) {
        const hs = [];
        for (let k = 0; k < 1000; k++) hs.push(spawn(() => k, { name: 'worker-task' }));
        for (const h of hs) await h;
      }
    });
    await fullGc();
    const after = memory();
    const kept = rt.tasks().length;
    await rt.shutdown();
    if (maxRetained > 0 && kept < n) throw new Error(`expected ${n} retained, got ${kept}`);
    return after - before;
  };
  const none = await measureWith(0);
  const all = await measureWith(n);
  return (all - none) / n;
}

/**
 * The mechanisms task times could be built on, measured on the same
 * workloads: weft's own resume points (what `taskTimes` does) against a
 * prototype on `v8.promiseHooks` and one on `async_hooks`, each timing every
 * promise reaction job that runs inside a weft task (before/after hooks, the
 * least either would need). The hooks are switched on only around their own
 * samples, so the contenders interleave in one process.
 */
export async function mechanismRows(): Promise<Row[]> {
  const { promiseHooks } = await import('node:v8');
  const { createHook } = await import('node:async_hooks');
  const here: Lib = { root: weftRoot, sync: weftSync };
  let busy = 0;
  let started = 0;
  const before = (): void => {
    if (weftRoot.currentTask() !== undefined) started = performance.now();
  };
  const after = (): void => {
    if (started !== 0) {
      busy += performance.now() - started;
      started = 0;
    }
  };
  const ah = createHook({ before, after });
  const rtOff = weftRoot.Runtime.builder().build();
  const rtTimes = weftRoot.Runtime.builder().observe({ taskTimes: true }).build();
  const withPromiseHooks = (fn: () => Promise<unknown>) => async () => {
    const stop = promiseHooks.createHook({ before, after });
    try {
      await fn();
    } finally {
      stop();
    }
  };
  const withAsyncHooks = (fn: () => Promise<unknown>) => async () => {
    ah.enable();
    try {
      await fn();
    } finally {
      ah.disable();
    }
  };
  const rows: Row[] = [];
  const workloads: Array<[string, (lib: Lib) => Promise<number>, number, number]> = [
    [`spawn+join ${SPAWN_N} tasks (CPU µs/task)`, spawnMany, pick(10, 4), SPAWN_N],
    [`ping-pong ${ROUND_TRIPS} round trips (CPU µs/trip)`, pingPong, 1, ROUND_TRIPS],
  ];
  for (const [name, work, inner, per] of workloads) {
    const plain = onRuntime(rtOff, here, work);
    const [off, times, ph, ahs] = await measureCpuInterleaved(
      [
        { name: 'off', fn: plain },
        { name: 'taskTimes', fn: onRuntime(rtTimes, here, work) },
        { name: 'promiseHooks', fn: withPromiseHooks(plain) },
        { name: 'async_hooks', fn: withAsyncHooks(plain) },
      ],
      { inner, per, samples: pick(15, 5) },
    );
    rows.push(ratioRow(`${name}: taskTimes (weft resume points) vs off`, times!, off!));
    rows.push(ratioRow(`${name}: v8.promiseHooks before/after vs off`, ph!, off!));
    rows.push(ratioRow(`${name}: async_hooks before/after vs off`, ahs!, off!));
  }
  await Promise.all([rtOff.shutdown(), rtTimes.shutdown()]);
  if (busy < 0) throw new Error('unreachable'); // keeps `busy` observable to the optimiser
  return rows;
}

export async function observeRows(baselineRef: string): Promise<Row[]> {
  const { lib: base, dir } = await loadBaseline(baselineRef);
  const here: Lib = { root: weftRoot, sync: weftSync };
  const rows: Row[] = [];
  try {
    const rtMain = base.root.Runtime.builder().build();
    const rtOff = weftRoot.Runtime.builder().build();
    const rtObs = weftRoot.Runtime.builder().observe().build();
    const rtTimes = weftRoot.Runtime.builder().observe({ taskTimes: true }).build();
    const workloads: Array<[string, (lib: Lib) => Promise<number>, number, number]> = [
      // name, work, inner, per (figures per task / round trip / value)
      [`spawn+join ${SPAWN_N} tasks (CPU µs/task)`, spawnMany, pick(10, 4), SPAWN_N],
      [`ping-pong ${ROUND_TRIPS} round trips (CPU µs/trip)`, pingPong, 1, ROUND_TRIPS],
      [`mpsc ${MPSC_N} values, cap 128 (CPU µs/value)`, mpscRecv, 1, MPSC_N],
    ];
    for (const [name, work, inner, per] of workloads) {
      const [main, off, obs, times] = await measureCpuInterleaved(
        [
          { name: 'main', fn: onRuntime(rtMain, base, work) },
          { name: 'off', fn: onRuntime(rtOff, here, work) },
          { name: 'observe()', fn: onRuntime(rtObs, here, work) },
          { name: 'taskTimes', fn: onRuntime(rtTimes, here, work) },
        ],
        { inner, per, samples: pick(31, 9) },
      );
      rows.push(ratioRow(`${name}: off vs ${baselineRef}`, off!, main!, { max: 1.03 }));
      if (work !== mpscRecv) rows.push(ratioRow(`${name}: observe() vs off`, obs!, off!, { max: 1.1 }));
      else rows.push(ratioRow(`${name}: observe() vs off`, obs!, off!));
      if (work === spawnMany) rows.push(ratioRow(`${name}: taskTimes vs off`, times!, off!, { max: 1.3 }));
      else rows.push(ratioRow(`${name}: taskTimes vs off`, times!, off!));
    }
    await Promise.all([rtMain.shutdown(), rtOff.shutdown(), rtObs.shutdown(), rtTimes.shutdown()]);
    const bytes = await retainedBytes(pick(50_000, 10_000));
    rows.push(
      ratioRow(
        'memory per retained finished task (heap + array buffers)',
        bytes,
        undefined,
        { max: 300, on: 'value', label: '<= 300 B' },
        { unit: 'B' },
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  rows.push(textRow('machine', 'shared by several engineers: ranges are wide, read the medians with care'));
  return rows;
}

if (isMain(import.meta.url)) {
  const i = process.argv.indexOf('--baseline-ref');
  const ref = i >= 0 ? process.argv[i + 1]! : 'main';
  header('observe: the cost of introspection', `baseline: weft at ${ref} (git archive), same process, interleaved`);
  printTable(await observeRows(ref));
  console.log('\n### task-time mechanisms\n');
  printTable(await mechanismRows());
}
