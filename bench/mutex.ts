/**
 * Mutex under contention and uncontended, against async-mutex.
 *
 *   node --conditions=weft-source --import tsx bench/mutex.ts [--quick]
 *
 * - contended: 1,000 concurrent workers each doing 100 × (lock, a one-line
 *   critical section, unlock): 100,000 lock hand-offs through a FIFO queue of
 *   up to 999 waiters. weft `Mutex.lock()` + `guard.release()` against
 *   async-mutex `Mutex.acquire()` + `release()`; and weft `runExclusive`
 *   against async-mutex `runExclusive`. Workers are plain async functions for
 *   both (and, in one extra row, weft tasks, to show what a task adds).
 * - uncontended: one worker doing lock/unlock in a loop (the fast path; weft
 *   spends its cooperative budget here and yields a macrotask every 128 ops).
 *
 * Ratio = weft time / async-mutex time (below 1: weft is faster).
 * Target (issue 3): contended 1,000 × 100 at least as fast as async-mutex.
 */
import { Mutex as AsyncMutex } from 'async-mutex';
import { spawn } from 'weft';
import { Mutex } from 'weft/sync';
import { header, isMain, measureInterleaved, pick, printTable, ratioRow, type Row } from './lib.js';

const WORKERS = pick(1000, 200);
const ROUNDS = 100;

export async function weftContended(workers = WORKERS, rounds = ROUNDS): Promise<number> {
  const m = new Mutex({ n: 0 });
  const worker = async (): Promise<void> => {
    for (let i = 0; i < rounds; i++) {
      const g = await m.lock();
      g.value.n++;
      g.release();
    }
  };
  const all = new Array<Promise<void>>(workers);
  for (let w = 0; w < workers; w++) all[w] = worker();
  await Promise.all(all);
  return m.tryLock()!.value.n;
}

export async function weftContendedTasks(workers = WORKERS, rounds = ROUNDS): Promise<number> {
  const m = new Mutex({ n: 0 });
  const worker = async (): Promise<void> => {
    for (let i = 0; i < rounds; i++) {
      const g = await m.lock();
      g.value.n++;
      g.release();
    }
  };
  const all = new Array<PromiseLike<void>>(workers);
  for (let w = 0; w < workers; w++) all[w] = spawn(worker);
  await Promise.all(all);
  return m.tryLock()!.value.n;
}

export async function weftRunExclusive(workers = WORKERS, rounds = ROUNDS): Promise<number> {
  const m = new Mutex({ n: 0 });
  const bump = (v: { n: number }): void => {
    v.n++;
  };
  const worker = async (): Promise<void> => {
    for (let i = 0; i < rounds; i++) await m.runExclusive(bump);
  };
  const all = new Array<Promise<void>>(workers);
  for (let w = 0; w < workers; w++) all[w] = worker();
  await Promise.all(all);
  return m.tryLock()!.value.n;
}

export async function asyncMutexContended(workers = WORKERS, rounds = ROUNDS): Promise<number> {
  const m = new AsyncMutex();
  const state = { n: 0 };
  const worker = async (): Promise<void> => {
    for (let i = 0; i < rounds; i++) {
      const release = await m.acquire();
      state.n++;
      release();
    }
  };
  const all = new Array<Promise<void>>(workers);
  for (let w = 0; w < workers; w++) all[w] = worker();
  await Promise.all(all);
  return state.n;
}

export async function asyncMutexRunExclusive(workers = WORKERS, rounds = ROUNDS): Promise<number> {
  const m = new AsyncMutex();
  const state = { n: 0 };
  const bump = (): void => {
    state.n++;
  };
  const worker = async (): Promise<void> => {
    for (let i = 0; i < rounds; i++) await m.runExclusive(bump);
  };
  const all = new Array<Promise<void>>(workers);
  for (let w = 0; w < workers; w++) all[w] = worker();
  await Promise.all(all);
  return state.n;
}

const SOLO = pick(100_000, 20_000);

export async function weftUncontended(n = SOLO): Promise<number> {
  const m = new Mutex({ n: 0 });
  for (let i = 0; i < n; i++) {
    const g = await m.lock();
    g.value.n++;
    g.release();
  }
  return n;
}

export async function asyncMutexUncontended(n = SOLO): Promise<number> {
  const m = new AsyncMutex();
  const state = { n: 0 };
  for (let i = 0; i < n; i++) {
    const release = await m.acquire();
    state.n++;
    release();
  }
  return state.n;
}

async function main(): Promise<void> {
  header('Mutex: weft vs async-mutex', `${WORKERS} workers × ${ROUNDS} lock/unlock; uncontended: ${SOLO} in a row`);
  // Sanity: every variant does the same work.
  const expected = WORKERS * ROUNDS;
  for (const f of [weftContended, weftContendedTasks, weftRunExclusive, asyncMutexContended, asyncMutexRunExclusive]) {
    const got = await f();
    if (got !== expected) throw new Error(`${f.name} counted ${got}, expected ${expected}`);
  }
  const ops = WORKERS * ROUNDS;
  const [w, wTasks, wRun, am, amRun] = await measureInterleaved(
    [
      { name: 'weft lock', fn: () => weftContended() },
      { name: 'weft lock in tasks', fn: () => weftContendedTasks() },
      { name: 'weft runExclusive', fn: () => weftRunExclusive() },
      { name: 'async-mutex acquire', fn: () => asyncMutexContended() },
      { name: 'async-mutex runExclusive', fn: () => asyncMutexRunExclusive() },
    ],
    { per: ops, unit: 'ns', warmup: pick(3, 1), samples: pick(11, 3) },
  );
  const [wSolo, amSolo] = await measureInterleaved(
    [
      { name: 'weft', fn: () => weftUncontended() },
      { name: 'async-mutex', fn: () => asyncMutexUncontended() },
    ],
    { per: SOLO, unit: 'ns', warmup: pick(3, 1), samples: pick(11, 3) },
  );
  const rows: Row[] = [
    ratioRow(`contended ${WORKERS}×${ROUNDS}: lock/release, per op`, w!, am!, { max: 1 }),
    ratioRow(`contended ${WORKERS}×${ROUNDS}: runExclusive, per op`, wRun!, amRun!, { max: 1 }),
    ratioRow(`contended, weft workers as tasks vs async-mutex`, wTasks!, am!),
    ratioRow(`uncontended lock/release, per op`, wSolo!, amSolo!),
  ];
  printTable(rows);
}

if (isMain(import.meta.url)) await main();
