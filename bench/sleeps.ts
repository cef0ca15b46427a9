/**
 * 100,000 concurrent sleeps of random 0–100 ms: lateness and total time.
 *
 *   node --conditions=weft-source --import tsx bench/sleeps.ts [--quick]
 *
 * The same delays (integers 0..100 ms from a seeded generator, since Node's
 * setTimeout has 1 ms resolution) are slept with weft's `sleep` and with raw
 * `setTimeout` promises, in alternating rounds. Lateness is the time a sleep
 * resumes minus (the time it was called + its delay); total time runs from
 * the first call until the last sleep resumed.
 *
 * Starting 100,000 sleeps is one synchronous loop that blocks the event loop
 * for tens to hundreds of ms, so a short sleep started early cannot resume
 * before that loop ends, whatever the timer system. The target figure (p99
 * lateness ≤ 5 ms) is therefore taken beyond the set-up: resumed −
 * max(called + delay, end of the set-up loop). The lateness from the call,
 * which includes the set-up time, is shown too, and so is the set-up time. A third contender runs each
 * weft sleep inside its own spawned task.
 */
import { sleep, spawn } from 'weft';
import { fmt, header, isMain, pick, printTable, quantile, ratioRow, stats, textRow } from './lib.js';

export const SLEEPS_N = 100_000;
export const MAX_DELAY = 100;

/** mulberry32: the same delays in every run. */
export function delays(n: number, max: number, seed = 42): Int32Array {
  const out = new Int32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (max + 1));
  }
  return out;
}

export interface SleepRound {
  /** Lateness of each sleep in ms, sorted ascending. */
  lateness: Float64Array;
  /** Lateness beyond the end of the set-up loop: resumed − max(called + delay, set-up done), sorted. */
  latenessAfterSetup: Float64Array;
  /** ms from the first call until the last sleep resumed. */
  total: number;
  /** ms the loop that starts every sleep took (the event loop is blocked meanwhile). */
  setup: number;
}

type Sleeper = (ms: number) => PromiseLike<unknown>;

const rawSleep: Sleeper = (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const weftSleep: Sleeper = (ms) => sleep(ms);
const taskSleep: Sleeper = (ms) => spawn(() => sleep(ms));

/** Runs every delay concurrently through `sleeper`. */
export async function sleepRound(ds: Int32Array, sleeper: Sleeper): Promise<SleepRound> {
  const n = ds.length;
  const lateness = new Float64Array(n);
  const dues = new Float64Array(n);
  const ps = new Array<PromiseLike<unknown>>(n);
  const t0 = performance.now();
  let last = t0;
  for (let i = 0; i < n; i++) {
    const d = ds[i]!;
    const due = performance.now() + d;
    dues[i] = due;
    ps[i] = sleeper(d).then(() => {
      const t = performance.now();
      lateness[i] = t - due;
      if (t > last) last = t;
    });
  }
  const setupDone = performance.now();
  for (let i = 0; i < n; i++) await ps[i];
  const latenessAfterSetup = new Float64Array(n);
  for (let i = 0; i < n; i++) latenessAfterSetup[i] = lateness[i]! + dues[i]! - Math.max(dues[i]!, setupDone);
  lateness.sort();
  latenessAfterSetup.sort();
  return { lateness, latenessAfterSetup, total: last - t0, setup: setupDone - t0 };
}

async function main(): Promise<void> {
  const n = pick(SLEEPS_N, 20_000);
  header(
    'concurrent sleeps',
    `${n.toLocaleString('en-US')} concurrent sleeps of random integer 0–${MAX_DELAY} ms; lateness = resumed − (called + delay).`,
  );
  const ds = delays(n, MAX_DELAY);
  const rounds = pick(7, 3);
  const contenders: [string, Sleeper][] = [
    ['raw', rawSleep],
    ['weft', weftSleep],
    ['task', taskSleep],
  ];
  await sleepRound(delays(2000, 10), rawSleep); // warm-up
  await sleepRound(delays(2000, 10), weftSleep);
  await sleepRound(delays(2000, 10), taskSleep);
  const p99: number[][] = contenders.map(() => []);
  const p50: number[][] = contenders.map(() => []);
  const max: number[][] = contenders.map(() => []);
  const p99call: number[][] = contenders.map(() => []);
  const setup: number[][] = contenders.map(() => []);
  const total: number[][] = contenders.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const res = await sleepRound(ds, contenders[k]![1]);
      p50[k]!.push(quantile(res.latenessAfterSetup, 0.5));
      p99[k]!.push(quantile(res.latenessAfterSetup, 0.99));
      max[k]!.push(res.latenessAfterSetup[n - 1]!);
      p99call[k]!.push(quantile(res.lateness, 0.99));
      setup[k]!.push(res.setup);
      total[k]!.push(res.total);
    }
  }
  const s = (a: number[][], k: number) => stats(contenders[k]![0], a[k]!, 'ms');
  printTable([
    ratioRow('p99 lateness beyond set-up, weft sleep', s(p99, 1), s(p99, 0), { max: 5, on: 'value', label: '≤5 ms' }),
    ratioRow('total time, weft sleep', s(total, 1), s(total, 0), { max: 1.1 }),
    ratioRow('p50 lateness beyond set-up, weft sleep', s(p50, 1), s(p50, 0)),
    ratioRow('max lateness beyond set-up, weft sleep', s(max, 1), s(max, 0)),
    ratioRow('p99 lateness from the call, weft sleep', s(p99call, 1), s(p99call, 0)),
    ratioRow('set-up loop (starting every sleep), weft', s(setup, 1), s(setup, 0)),
    ratioRow('p99 lateness beyond set-up, task each', s(p99, 2), s(p99, 0), { max: 5, on: 'value', label: '≤5 ms' }),
    ratioRow('total time, sleep in a task each', s(total, 2), s(total, 0), { max: 1.1 }),
    ratioRow('set-up loop, sleep in a task each', s(setup, 2), s(setup, 0)),
    textRow('rounds (median of)', String(rounds), fmt(n) + ' sleeps each'),
  ]);
}

if (isMain(import.meta.url)) await main();
