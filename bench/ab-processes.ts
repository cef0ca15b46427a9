/**
 * A/B between two trees of weft in separate processes, alternating old and
 * new, each process measuring one workload: spawn + join, mpsc(1)
 * ping-pong, mpsc(128) streaming, all inside `rt.run()` of a default runtime
 * (observation off), timed in CPU time of the process.
 *
 *   git archive REF | tar -x -C /tmp/weft-old && ln -s "$PWD/node_modules" /tmp/weft-old/node_modules
 *   node --conditions=weft-source --import tsx bench/ab-processes.ts /tmp/weft-old [rounds]
 *
 * Why processes: `bench/observe.ts` and `bench/_ab.ts` load both trees in one
 * process and drive them through the same workload functions, whose call
 * sites then see the objects of two module graphs (different hidden
 * classes): V8's inline caches go polymorphic, and how they settle can favour
 * either side by several percent. Here each side runs alone in a fresh
 * process, rounds alternate (old, new, new, old, ...) so drift lands on both,
 * and the figure is the median over rounds of each process's median sample.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const WORKLOADS = ['spawn', 'pingpong', 'mpsc'] as const;
type Workload = (typeof WORKLOADS)[number];
const UNIT: Record<Workload, string> = { spawn: 'ns/task', pingpong: 'ns/trip', mpsc: 'ns/value' };

/** The child: loads weft from `dir`, runs `workload`, prints its median CPU ns per operation. */
async function child(dir: string, workload: Workload): Promise<void> {
  const root = (await import(resolve(dir, 'src/index.ts'))) as typeof import('../src/index.js');
  const sync = (await import(resolve(dir, 'src/sync/index.ts'))) as typeof import('../src/sync/index.js');
  const rt = root.Runtime.builder().build();
  const SPAWN_N = 1000;
  const TRIPS = 20_000;
  const VALUES = 50_000;
  const runs: Record<Workload, [() => Promise<number>, number]> = {
    spawn: [
      async () => {
        let sum = 0;
        for (let k = 0; k < 10; k++) {
          const hs = new Array<PromiseLike<number>>(SPAWN_N);
          for (let i = 0; i < SPAWN_N; i++) hs[i] = root.spawn(async () => i);
          for (let i = 0; i < SPAWN_N; i++) sum += await hs[i]!;
        }
        return sum;
      },
      SPAWN_N * 10,
    ],
    pingpong: [
      async () => {
        const [pingTx, pingRx] = sync.mpsc.channel<number>(1);
        const [pongTx, pongRx] = sync.mpsc.channel<number>(1);
        const ponger = root.spawn(async () => {
          for (let i = 0; i < TRIPS; i++) await pongTx.send((await pingRx.recv())! + 1);
        });
        let s = 0;
        for (let i = 0; i < TRIPS; i++) {
          await pingTx.send(i);
          s += (await pongRx.recv())!;
        }
        await ponger;
        return s;
      },
      TRIPS,
    ],
    mpsc: [
      async () => {
        const [tx, rx] = sync.mpsc.channel<number>(128);
        const producer = root.spawn(async () => {
          for (let i = 0; i < VALUES; i++) await tx.send(i);
          tx.close();
        });
        let s = 0;
        for (let v = await rx.recv(); v !== undefined; v = await rx.recv()) s += v;
        await producer;
        return s;
      },
      VALUES,
    ],
  };
  const [fn, per] = runs[workload];
  const samples: number[] = [];
  await rt.run(async () => {
    for (let i = 0; i < 5; i++) await fn(); // warm-up
    for (let i = 0; i < 15; i++) {
      const t = process.cpuUsage();
      await fn();
      const u = process.cpuUsage(t);
      samples.push(((u.user + u.system) * 1000) / per);
    }
  });
  await rt.shutdown();
  samples.sort((a, b) => a - b);
  console.log(samples[samples.length >> 1]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function driver(oldDir: string, rounds: number): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const here = resolve(self, '../..');
  const run = (dir: string, w: Workload): number =>
    Number(execFileSync(process.execPath, [...process.execArgv, self, '--child', dir, w], { encoding: 'utf8' }).trim());
  console.log(`# A/B in separate processes · Node ${process.version} · ${rounds} rounds, ABBA · CPU time`);
  console.log(`# old: ${oldDir} · new: ${here}`);
  console.log('| workload | old median (range) | new median (range) | new / old |');
  console.log('|---|---|---|---|');
  for (const w of WORKLOADS) {
    const old: number[] = [];
    const neu: number[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        old.push(run(oldDir, w));
        neu.push(run(here, w));
      } else {
        neu.push(run(here, w));
        old.push(run(oldDir, w));
      }
    }
    const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
    console.log(
      `| ${w} | ${median(old).toFixed(0)} ${UNIT[w]} (${range(old)}) | ${median(neu).toFixed(0)} ${UNIT[w]} (${range(neu)}) | ${(median(neu) / median(old)).toFixed(3)} |`,
    );
  }
}

const args = process.argv.slice(2);
if (args[0] === '--child') await child(args[1]!, args[2] as Workload);
else if (args[0] === undefined) throw new Error('usage: bench/ab-processes.ts <old tree> [rounds]');
else await driver(args[0], Number(args[1] ?? 8));
