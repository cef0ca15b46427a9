/**
 * A/B of what `observe({ taskTimes: true })` adds to a spawn, in one process:
 * the weft of one tree against the weft of another (e.g. an export of the
 * commit before a change), loaded side by side and measured in alternation
 * sample by sample (A off, A taskTimes, B off, B taskTimes, ...), in CPU time
 * of the process. Workload: spawn 1,000 trivial tasks and await each handle,
 * as `bench/observe.ts` does; 10 runs per sample.
 *
 *   git archive <ref> src | tar -x -C /tmp/weft-a && echo '{"type":"module"}' > /tmp/weft-a/package.json
 *   node --conditions=weft-source --import tsx bench/_ab-task-times.ts /tmp/weft-a . [samples]
 *
 * Prints per contender the median and quartiles (µs per task), and the
 * ratios taskTimes / off of each side and B / A of taskTimes.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
const [dirA, dirB] = [process.argv[2]!, process.argv[3]!];
const samples = Number(process.argv[4] ?? 21);
const N = 1000;
type W = typeof import('../src/index.js');
async function load(dir: string): Promise<W> {
  return (await import(pathToFileURL(resolve(dir, 'src/index.ts')).href)) as W;
}
const sides = await Promise.all([load(dirA), load(dirB)]);
function work(w: W) {
  return async () => {
    const hs = new Array<PromiseLike<number>>(N);
    for (let i = 0; i < N; i++) hs[i] = w.spawn(async () => i);
    let sum = 0;
    for (let i = 0; i < N; i++) sum += await hs[i]!;
    return sum;
  };
}
const contenders = sides.flatMap((w, k) => {
  const name = k === 0 ? 'A' : 'B';
  const off = w.Runtime.builder().build();
  const times = w.Runtime.builder().observe({ taskTimes: true }).build();
  const fn = work(w);
  return [
    { name: `${name} off`, rt: off, fn },
    { name: `${name} taskTimes`, rt: times, fn },
  ];
});
for (let i = 0; i < 10; i++) for (const c of contenders) await c.rt.run(c.fn);
const all: number[][] = contenders.map(() => []);
for (let s = 0; s < samples; s++) {
  for (let k = 0; k < contenders.length; k++) {
    const c = contenders[k]!;
    const t0 = process.cpuUsage();
    for (let i = 0; i < 10; i++) await c.rt.run(c.fn);
    const t = process.cpuUsage(t0);
    all[k]!.push((t.user + t.system) / 10 / N);
  }
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const q = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) * p)]!;
contenders.forEach((c, k) =>
  console.log(
    c.name.padEnd(14),
    'median',
    med(all[k]!).toFixed(3),
    'µs/task  p25-p75',
    q(all[k]!, 0.25).toFixed(3),
    '-',
    q(all[k]!, 0.75).toFixed(3),
  ),
);
console.log(
  'A taskTimes/off',
  (med(all[1]!) / med(all[0]!)).toFixed(3),
  ' B taskTimes/off',
  (med(all[3]!) / med(all[2]!)).toFixed(3),
  ' B/A taskTimes',
  (med(all[3]!) / med(all[1]!)).toFixed(3),
);
for (const c of contenders) await c.rt.shutdown();
