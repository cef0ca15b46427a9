/**
 * A/B of an actor's message path between two weft trees in one process
 * (loaded side by side, alternated sample by sample, CPU time): 20,000
 * `send`s to one local actor that sums them, then one `ask`. No tracer is
 * installed: this is what carrying trace context costs when it is off.
 *
 *   git archive <ref> src | tar -x -C /tmp/weft-a && echo '{"type":"module"}' > /tmp/weft-a/package.json
 *   node --conditions=weft-source --import tsx bench/_ab-actor-send.ts /tmp/weft-a . [samples]
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
const dirs = [process.argv[2]!, process.argv[3]!];
const samples = Number(process.argv[4] ?? 21);
const N = 20_000;
type W = typeof import('../src/index.js');
type A = typeof import('../src/actor/index.js');
const sides = await Promise.all(
  dirs.map(async (d) => ({
    w: (await import(pathToFileURL(resolve(d, 'src/index.ts')).href)) as W,
    a: (await import(pathToFileURL(resolve(d, 'src/actor/index.ts')).href)) as A,
  })),
);
type Msg = number | { reply: { send(v: number): boolean } };
const cs = sides.map(({ w, a }, k) => {
  const rt = w.Runtime.builder().build();
  const fn = () =>
    rt.run(async () => {
      const ref = a.spawnActor({
        init: () => 0,
        receive: (s: number, m: Msg) => {
          if (typeof m === 'number') return s + m;
          m.reply.send(s);
          return s;
        },
      });
      for (let i = 0; i < N; i++) await ref.send(1);
      const total = await ref.ask<number>((reply) => ({ reply }) as Msg);
      if (total !== N) throw new Error('bad');
      await ref.stop();
    });
  return { name: k === 0 ? 'A' : 'B', fn, rt };
});
for (let i = 0; i < 5; i++) for (const c of cs) await c.fn();
const all: number[][] = cs.map(() => []);
for (let s = 0; s < samples; s++)
  for (let k = 0; k < cs.length; k++) {
    const t0 = process.cpuUsage();
    await cs[k]!.fn();
    const t = process.cpuUsage(t0);
    all[k]!.push(((t.user + t.system) / N) * 1000);
  }
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
cs.forEach((c, k) => console.log(c.name, 'median ns/message', med(all[k]!).toFixed(0)));
console.log('B/A', (med(all[1]!) / med(all[0]!)).toFixed(3));
for (const c of cs) await c.rt.shutdown();
