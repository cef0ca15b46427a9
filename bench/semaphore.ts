/**
 * Bounded concurrency: a Semaphore(8) guarding 100,000 async calls, against
 * p-limit(8).
 *
 *   node --conditions=weft-source --import tsx bench/semaphore.ts [--quick]
 *
 * All calls are started at once and joined with `Promise.all`; each call is
 * a trivial async function (the figure is the limiter's own overhead).
 * - weft `sem.withPermit(fn)` against p-limit's `limit(fn)` (the same shape);
 * - weft `acquire()` + `permit.release()` written out by hand in an async
 *   function (informational: it pays for an async frame and a permit object
 *   per call, which `withPermit` avoids);
 * - the unlimited floor: the same calls with no limiter at all.
 *
 * Ratio = p-limit time / weft time ("how many times faster weft is").
 * Target (issue 3): at least 2x faster than p-limit.
 */
import pLimit from 'p-limit';
import { Semaphore } from 'weft/sync';
import { header, isMain, measureInterleaved, pick, printTable, ratioRow, type Row } from './lib.js';

const CALLS = pick(100_000, 20_000);
const LIMIT = 8;

let sink = 0;
async function work(i: number): Promise<number> {
  sink += i;
  return i;
}

export async function weftWithPermit(calls = CALLS): Promise<number> {
  const sem = new Semaphore(LIMIT);
  const all = new Array<Promise<number>>(calls);
  for (let i = 0; i < calls; i++) all[i] = sem.withPermit(() => work(i));
  const values = await Promise.all(all);
  return values.length;
}

export async function weftAcquire(calls = CALLS): Promise<number> {
  const sem = new Semaphore(LIMIT);
  const one = async (i: number): Promise<number> => {
    const permit = await sem.acquire();
    try {
      return await work(i);
    } finally {
      permit.release();
    }
  };
  const all = new Array<Promise<number>>(calls);
  for (let i = 0; i < calls; i++) all[i] = one(i);
  const values = await Promise.all(all);
  return values.length;
}

export async function pLimitCalls(calls = CALLS): Promise<number> {
  const limit = pLimit(LIMIT);
  const all = new Array<Promise<number>>(calls);
  for (let i = 0; i < calls; i++) all[i] = limit(() => work(i));
  const values = await Promise.all(all);
  return values.length;
}

export async function unlimited(calls = CALLS): Promise<number> {
  const all = new Array<Promise<number>>(calls);
  for (let i = 0; i < calls; i++) all[i] = work(i);
  const values = await Promise.all(all);
  return values.length;
}

async function main(): Promise<void> {
  header('Semaphore: weft vs p-limit', `Semaphore(${LIMIT}) / pLimit(${LIMIT}) guarding ${CALLS} async calls`);
  for (const f of [weftWithPermit, weftAcquire, pLimitCalls, unlimited]) {
    const got = await f();
    if (got !== CALLS) throw new Error(`${f.name} completed ${got} calls, expected ${CALLS}`);
  }
  const [wp, wa, pl, none] = await measureInterleaved(
    [
      { name: 'weft withPermit', fn: () => weftWithPermit() },
      { name: 'weft acquire/release', fn: () => weftAcquire() },
      { name: 'p-limit', fn: () => pLimitCalls() },
      { name: 'no limiter', fn: () => unlimited() },
    ],
    { per: CALLS, unit: 'ns', warmup: pick(3, 1), samples: pick(11, 3) },
  );
  const rows: Row[] = [
    ratioRow(`${CALLS} calls: withPermit vs p-limit (x faster)`, wp!, pl!, { min: 2 }, { invert: true }),
    // Informational: the same guard written out by hand (an async frame and a permit object per call).
    ratioRow(`${CALLS} calls: acquire/release by hand vs p-limit (x faster)`, wa!, pl!, undefined, { invert: true }),
    ratioRow(`withPermit vs no limiter at all (x slower)`, wp!, none!),
  ];
  printTable(rows);
  if (sink === -1) console.log(sink);
}

if (isMain(import.meta.url)) await main();
