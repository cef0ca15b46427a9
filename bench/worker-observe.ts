/**
 * What observing costs a call to a worker thread: on an observing runtime the
 * worker threads observe too and report their tasks to it (one message per
 * turn with a spawn or an end, `src/worker/task-report.ts`).
 *
 *   node --conditions=weft-source --import tsx bench/worker-observe.ts [--quick]
 *
 * `spawnWorker(add, i, 1)` on two 2-worker runtimes, one built with
 * `observe()` and one without, one call at a time (round trip) and 256 at
 * once (burst), interleaved sample by sample (wall time: the work is spread
 * over three threads).
 */
import { Runtime } from 'weft';
import { spawnWorker } from 'weft/worker';
import { header, measureInterleaved, printTable, ratioRow, pick, type Row } from './lib.js';
import { add } from './_traced-tasks.js';

header('worker-observe', 'spawnWorker round trip and burst: runtime without observe() vs with it');

const off = Runtime.builder().multiThread().workerThreads(2).build();
const observed = Runtime.builder().multiThread().workerThreads(2).observe().build();

const serial = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await spawnWorker(add, i, 1);
};
const burst = async (n: number): Promise<void> => {
  await Promise.all(Array.from({ length: n }, (_, i) => spawnWorker(add, i, 1)));
};

const rows: Row[] = [];
const N = pick(200, 50);
const B = 256;
for (const rt of [off, observed]) await rt.run(() => burst(8)); // workers booted, task module loaded
for (const [label, run, per] of [
  ['round trip, per call', () => serial(N), N],
  ['burst of 256, per call', () => burst(B), B],
] as const) {
  const [base, obs] = await measureInterleaved(
    [
      { name: 'off', fn: () => off.run(run) },
      { name: 'observe()', fn: () => observed.run(run) },
    ],
    { unit: 'µs', per, inner: 2 },
  );
  rows.push(ratioRow(`${label}: observe() vs off`, obs!, base!));
}
await Promise.all([off.shutdown(), observed.shutdown()]);
printTable(rows);
