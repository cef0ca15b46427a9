/**
 * Memory per parked task.
 *
 *   node --expose-gc --conditions=weft-source --import tsx bench/memory.ts [--quick]
 *
 * 100,000 weft tasks parked on a weft wait, against 100,000 raw async
 * functions parked on a never-resolving promise: heapUsed after a full gc with
 * everything parked, minus heapUsed after a full gc before, per task. What the
 * caller keeps to await them (the JoinHandles, the raw promises) is counted
 * on both sides. At the end everything is unparked (the token cancelled, the
 * tasks aborted, the raw promise resolved) and awaited.
 *
 * weft waits measured: `await token.cancelled()` on one shared token (a Parked
 * in a wait-queue) and `await sleep(1e9)` (a Parked in the timer heap), each in
 * an async task body, as the raw baseline is an async function.
 *
 * On Node 20 AsyncLocalStorage's promise hooks put extra fields on every
 * promise once an ALS is enabled, so the raw figure is taken twice: first in a
 * pristine process, then after weft has run.
 */
import { CancellationToken, sleep, spawn, type JoinHandle } from 'weft';
import { fmtBytes, fullGc, header, heapUsed, isMain, pick, printTable, ratioRow, requireGc, tick } from './lib.js';

export const MEMORY_N = 100_000;

const swallow = (): void => undefined;

async function rawParked(never: Promise<void>): Promise<void> {
  await never;
}

/** Bytes per raw async function parked on a never-resolving promise. */
export async function rawBytesPerTask(n: number): Promise<number> {
  let release!: () => void;
  const never = new Promise<void>((resolve) => {
    release = resolve;
  });
  await fullGc();
  const before = heapUsed();
  const ps = new Array<Promise<void>>(n);
  for (let i = 0; i < n; i++) ps[i] = rawParked(never);
  await tick();
  await fullGc();
  const after = heapUsed();
  release();
  await Promise.all(ps);
  ps.length = 0;
  return (after - before) / n;
}

// Task bodies are async functions, like the raw baseline, and shared: no closure per task.
let currentToken = new CancellationToken();
async function parkOnToken(): Promise<void> {
  await currentToken.cancelled();
}
async function parkOnSleep(): Promise<void> {
  await sleep(1e9);
}

/** Bytes per weft task parked on a weft wait; then the token is cancelled or the tasks aborted. */
export async function weftBytesPerTask(
  n: number,
  kind: 'token' | 'sleep',
): Promise<{ bytes: number; unparked: number }> {
  const token = (currentToken = new CancellationToken());
  const body = kind === 'token' ? parkOnToken : parkOnSleep;
  await fullGc();
  const before = heapUsed();
  const hs = new Array<JoinHandle<void>>(n);
  for (let i = 0; i < n; i++) hs[i] = spawn(body);
  await tick();
  await fullGc();
  const after = heapUsed();
  if (kind === 'token') token.cancel();
  else for (const h of hs) h.abort();
  let unparked = 0;
  for (const h of hs) {
    await h.then(swallow, swallow);
    if (h.isFinished) unparked++;
  }
  return { bytes: (after - before) / n, unparked };
}

async function main(): Promise<void> {
  requireGc('memory.ts');
  const n = pick(MEMORY_N, 20_000);
  header(
    'memory per parked task',
    `${n.toLocaleString('en-US')} tasks parked; heapUsed delta after full gc, per task (the awaiting side's handle/promise included).`,
  );
  const rounds = pick(3, 1);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rawPristine: number[] = [];
  for (let r = 0; r < rounds; r++) rawPristine.push(await rawBytesPerTask(n));
  const token: number[] = [];
  const sleeps: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = await weftBytesPerTask(n, 'token');
    const s = await weftBytesPerTask(n, 'sleep');
    if (t.unparked !== n || s.unparked !== n) throw new Error('not every task was unparked');
    token.push(t.bytes);
    sleeps.push(s.bytes);
  }
  const rawAfter: number[] = [];
  for (let r = 0; r < rounds; r++) rawAfter.push(await rawBytesPerTask(n));
  await fullGc();
  const bytes = { unit: 'B' };
  printTable([
    ratioRow(
      'weft task on token.cancelled() (vs raw, pristine)',
      median(token),
      median(rawPristine),
      { max: 2 },
      bytes,
    ),
    ratioRow('weft task on sleep(1e9) (vs raw, pristine)', median(sleeps), median(rawPristine), { max: 2 }, bytes),
    ratioRow('weft task on token.cancelled() (vs raw, same state)', median(token), median(rawAfter), { max: 2 }, bytes),
    ratioRow('raw parked fn after weft ran (vs pristine)', median(rawAfter), median(rawPristine), undefined, bytes),
  ]);
  console.log(
    `\nper 100,000 tasks: weft (token) ${fmtBytes(median(token) * 1e5)}, raw ${fmtBytes(median(rawPristine) * 1e5)}`,
  );
  // The issue asks what 1,000,000 parked tasks take: one round each, raw first (same process state for both).
  const big = pick(1_000_000, 100_000);
  const rawBig = await rawBytesPerTask(big);
  const weftBig = await weftBytesPerTask(big, 'token');
  if (weftBig.unparked !== big) throw new Error('not every task was unparked');
  console.log();
  printTable([
    ratioRow(
      `heap for ${big.toLocaleString('en-US')} tasks parked on token.cancelled()`,
      (weftBig.bytes * big) / 1e6,
      (rawBig * big) / 1e6,
      { max: 2 },
      { unit: 'MB' },
    ),
  ]);
}

if (isMain(import.meta.url)) await main();
