/**
 * Abort 10,000 parked tasks and await them: cost per task.
 *
 *   node --conditions=weft-source --import tsx bench/abort.ts [--quick]
 *
 * weft: 10,000 tasks, each parked on a weft wait (`sleep(1e9)`, which sits in
 * the timer heap, or `CancellationToken.cancelled()` on a token of its own,
 * which sits in a wait-queue); then every handle is aborted and awaited (each
 * rejects with a cancelled `JoinError`).
 *
 * Baseline: 10,000 raw async functions, each parked on an AbortSignal-aware
 * promise of its own AbortController (the listener removed on settle, as
 * careful code does); then every controller is aborted and every promise
 * awaited.
 *
 * The set-up (spawn and park) is timed too and shown as a second figure.
 */
import { CancellationToken, JoinError, sleep, spawn, type JoinHandle } from 'weft';
import { header, isMain, pick, printTable, ratioRow, stats, tick, type Stats } from './lib.js';

export const ABORT_N = 10_000;

interface Phases {
  park: number;
  abort: number;
}

function abortable(signal: AbortSignal): Promise<void> {
  return new Promise<void>((_resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function rawParked(signal: AbortSignal): Promise<void> {
  await abortable(signal);
}

const swallow = (): number => 0;

/** One round of the raw baseline; returns ms spent parking and aborting. */
export async function rawRound(n: number): Promise<Phases> {
  const t0 = performance.now();
  const controllers = new Array<AbortController>(n);
  const ps = new Array<Promise<unknown>>(n);
  for (let i = 0; i < n; i++) {
    const c = new AbortController();
    controllers[i] = c;
    ps[i] = rawParked(c.signal);
  }
  await tick();
  const t1 = performance.now();
  for (let i = 0; i < n; i++) controllers[i]!.abort();
  let failed = 0;
  for (let i = 0; i < n; i++) failed += await ps[i]!.then(swallow, () => 1);
  const t2 = performance.now();
  if (failed !== n) throw new Error(`raw: ${failed}/${n} rejected`);
  return { park: t1 - t0, abort: t2 - t1 };
}

/** One round of weft; `wait` is what each task parks on. */
export async function weftRound(n: number, wait: () => Promise<unknown>): Promise<Phases> {
  const t0 = performance.now();
  const hs = new Array<JoinHandle<unknown>>(n);
  for (let i = 0; i < n; i++) hs[i] = spawn(wait);
  await tick(); // every body has started and parked
  const t1 = performance.now();
  for (let i = 0; i < n; i++) hs[i]!.abort();
  let cancelled = 0;
  for (let i = 0; i < n; i++) {
    cancelled += await hs[i]!.then(swallow, (e: unknown) => (e instanceof JoinError && e.isCancelled() ? 1 : 0));
  }
  const t2 = performance.now();
  if (cancelled !== n) throw new Error(`weft: ${cancelled}/${n} cancelled`);
  return { park: t1 - t0, abort: t2 - t1 };
}

const onSleep = (): Promise<void> => sleep(1e9);
const onToken = (): Promise<void> => new CancellationToken().cancelled();

async function main(): Promise<void> {
  const n = ABORT_N;
  header(
    'abort parked tasks',
    `${n.toLocaleString('en-US')} tasks parked, then each aborted and awaited; µs per task. Baseline: raw async fns parked on their own AbortController's signal.`,
  );
  const warmup = pick(3, 1);
  const samples = pick(11, 3);
  const contenders: [string, () => Promise<Phases>][] = [
    ['raw', () => rawRound(n)],
    ['sleep', () => weftRound(n, onSleep)],
    ['token', () => weftRound(n, onToken)],
  ];
  for (let w = 0; w < warmup; w++) for (const [, fn] of contenders) await fn();
  const park: number[][] = contenders.map(() => []);
  const abort: number[][] = contenders.map(() => []);
  for (let s = 0; s < samples; s++) {
    for (let k = 0; k < contenders.length; k++) {
      const r = await contenders[k]![1]();
      park[k]!.push((r.park / n) * 1000);
      abort[k]!.push((r.abort / n) * 1000);
    }
  }
  const st = (k: number, a: number[][], what: string): Stats => stats(`${contenders[k]![0]} ${what}`, a[k]!, 'µs');
  printTable([
    ratioRow('abort+await, parked on sleep(1e9)', st(1, abort, 'abort'), st(0, abort, 'abort')),
    ratioRow('abort+await, parked on token.cancelled()', st(2, abort, 'abort'), st(0, abort, 'abort')),
    ratioRow('spawn+park on sleep(1e9) (set-up)', st(1, park, 'park'), st(0, park, 'park')),
    ratioRow('spawn+park on token.cancelled() (set-up)', st(2, park, 'park'), st(0, park, 'park')),
  ]);
}

if (isMain(import.meta.url)) await main();
