/**
 * A quick (about a second) summary of weft's core costs against raw promises,
 * for the showcase (`npm start`) and standalone:
 *
 *   node --conditions=weft-source --import tsx bench/summary.ts
 *
 * spawn+await of 1,000 tasks, a context switch between two tasks (Notify
 * ping-pong), a yield (yieldNow against a setImmediate promise), and the p99
 * lateness of 5,000 concurrent sleeps of 0–50 ms against setTimeout. Short
 * runs on whatever machine this is: indicative only; bench/RESULTS.md has the
 * full figures.
 */
import { envLine, fmt, formatTable, isMain, measureInterleaved, quantile, ratioRow, type Row } from './lib.js';
import { notifyBaton, rawPingPong, rawSpawn, rawYield, weftPingPong, weftSpawn, weftYield } from './spawn.js';
import { delays, sleepRound } from './sleeps.js';
import { sleep } from 'weft';

/** Runs the quick summary and returns the lines to print. */
export async function runSummary(): Promise<string[]> {
  const t0 = performance.now();
  const n = 1000;
  const [wSpawn, rSpawn] = await measureInterleaved(
    [
      { name: 'weft', fn: () => weftSpawn(n), inner: 5 },
      { name: 'raw', fn: () => rawSpawn(n), inner: 30 },
    ],
    { per: n, unit: 'µs', warmup: 5, samples: 9 },
  );
  const rounds = 2000;
  const [wSwitch, rSwitch] = await measureInterleaved(
    [
      { name: 'weft', fn: () => weftPingPong(rounds, notifyBaton) },
      { name: 'raw', fn: () => rawPingPong(rounds) },
    ],
    { per: rounds * 2, unit: 'ns', warmup: 2, samples: 7 },
  );
  const yields = 200;
  const [wYield, rYield] = await measureInterleaved(
    [
      { name: 'weft', fn: () => weftYield(yields) },
      { name: 'raw', fn: () => rawYield(yields) },
    ],
    { per: yields, unit: 'µs', warmup: 1, samples: 5 },
  );
  const ds = delays(5000, 50);
  const rawSleeper = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));
  await sleepRound(delays(500, 5), rawSleeper); // warm-up
  await sleepRound(delays(500, 5), (ms) => sleep(ms));
  const rawSleeps = await sleepRound(ds, rawSleeper);
  const weftSleeps = await sleepRound(ds, (ms) => sleep(ms));
  const p99 = (r: typeof rawSleeps): number => quantile(r.latenessAfterSetup, 0.99);

  const rows: Row[] = [
    ratioRow('spawn + await, per task (1,000 tasks)', wSpawn!, rSpawn!),
    ratioRow('context switch (Notify ping-pong)', wSwitch!, rSwitch!),
    ratioRow('yield (yieldNow vs setImmediate)', wYield!, rYield!),
    ratioRow('timer p99 lateness (5,000 sleeps 0–50 ms)', p99(weftSleeps), p99(rawSleeps), undefined, {
      unit: 'ms',
    }),
  ].map((r) => ({ ...r, target: '', met: '' }));
  const table = formatTable(rows).map((l) => l.replace(/\|[^|]*\|[^|]*\|$/, '|'));
  return [
    `weft vs raw promises (${envLine()}; quick run, indicative only, ${fmt(performance.now() - t0)} ms):`,
    ...table,
  ];
}

if (isMain(import.meta.url)) for (const line of await runSummary()) console.log(line);
