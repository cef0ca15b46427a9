/**
 * A/B in one process: the weft of this tree against the weft of another tree
 * (e.g. an export of `main`), loaded side by side as two separate module
 * graphs and measured in alternation, sample by sample, so that both see the
 * same machine load. For structural changes whose effect is small next to
 * the noise of a shared machine.
 *
 *   git archive main | tar -x -C /tmp/weft-main
 *   node --expose-gc --conditions=weft-source --import tsx bench/_ab.ts /tmp/weft-main [samples] [workload substring]
 *
 * Workloads (each one sample = one run): spawn 10,000 tasks and await each
 * handle inside a task; 10,000 Notify round trips between two tasks; 10,000
 * mpsc.channel(1) round trips between two tasks; 200,000 messages through
 * mpsc.channel(1024) with recv() and with recvMany(). Each sample is the
 * process's CPU time (user + system) for the run, which a loaded machine
 * disturbs far less than wall time. Prints the median and the best per side
 * and the ratio new / old of the medians (< 1: new faster).
 *
 * Both trees run through the same workload functions here, whose inline
 * caches then see two module graphs' classes; that can favour either side by
 * several percent. For a figure that must hold, use `ab-processes.ts` (one
 * tree per process).
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

type Weft = typeof import('../src/index.js');
type Sync = typeof import('../src/sync/index.js');
interface Side {
  name: string;
  weft: Weft;
  sync: Sync;
}

async function load(name: string, dir: string): Promise<Side> {
  const weft = (await import(pathToFileURL(resolve(dir, 'src/index.ts')).href)) as Weft;
  const sync = (await import(pathToFileURL(resolve(dir, 'src/sync/index.ts')).href)) as Sync;
  return { name, weft, sync };
}

const workloads: Array<{ name: string; unit: string; per: number; run: (s: Side) => Promise<void> }> = [
  {
    name: 'spawn + await each handle, in a task',
    unit: 'µs/task',
    per: 10_000,
    run: async ({ weft }) => {
      await weft.spawn(async () => {
        const hs = new Array<PromiseLike<number>>(10_000);
        for (let i = 0; i < 10_000; i++) hs[i] = weft.spawn(async () => i);
        for (let i = 0; i < 10_000; i++) await hs[i]!;
      });
    },
  },
  {
    name: 'Notify round trip between two tasks',
    unit: 'µs/trip',
    per: 10_000,
    run: async ({ weft, sync }) => {
      const a = new sync.Notify();
      const b = new sync.Notify();
      const player = async (me: typeof a, other: typeof a): Promise<void> => {
        for (let i = 0; i < 10_000; i++) {
          await me.notified();
          other.notifyOne();
        }
      };
      const ha = weft.spawn(() => player(a, b));
      const hb = weft.spawn(() => player(b, a));
      a.notifyOne();
      await ha;
      await hb;
    },
  },
  {
    name: 'mpsc.channel(1) ping-pong between two tasks',
    unit: 'µs/trip',
    per: 10_000,
    run: async ({ weft, sync }) => {
      const [tx1, rx1] = sync.mpsc.channel<number>(1);
      const [tx2, rx2] = sync.mpsc.channel<number>(1);
      const ping = weft.spawn(async () => {
        for (let i = 0; i < 10_000; i++) {
          await tx1.send(i);
          await rx2.recv();
        }
      });
      const pong = weft.spawn(async () => {
        for (let i = 0; i < 10_000; i++) {
          const v = (await rx1.recv())!;
          await tx2.send(v);
        }
      });
      await ping;
      await pong;
    },
  },
  {
    name: 'mpsc.channel(1024) recv()',
    unit: 'ns/msg',
    per: 200_000,
    run: async ({ weft, sync }) => {
      const [tx, rx] = sync.mpsc.channel<number>(1024);
      const prod = weft.spawn(async () => {
        for (let i = 0; i < 200_000; i++) await tx.send(i);
        tx.close();
      });
      const cons = weft.spawn(async () => {
        while ((await rx.recv()) !== undefined);
      });
      await prod;
      await cons;
    },
  },
  {
    name: 'mpsc.channel(1024) recvMany(1024)',
    unit: 'ns/msg',
    per: 200_000,
    run: async ({ weft, sync }) => {
      const [tx, rx] = sync.mpsc.channel<number>(1024);
      const prod = weft.spawn(async () => {
        for (let i = 0; i < 200_000; i++) await tx.send(i);
        tx.close();
      });
      const cons = weft.spawn(async () => {
        const buf: number[] = [];
        while ((await rx.recvMany(buf, 1024)) > 0) buf.length = 0;
      });
      await prod;
      await cons;
    },
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const oldDir = process.argv[2];
  if (oldDir === undefined) throw new Error('usage: bench/_ab.ts <old tree> [samples]');
  const samples = Number(process.argv[3] ?? 15);
  const sides = [await load('old', oldDir), await load('new', resolve(import.meta.dirname, '..'))];
  const gc = (globalThis as { gc?: () => void }).gc;
  console.log(`# A/B in one process · Node ${process.version} · ${samples} samples per side, alternating · CPU time`);
  console.log('| workload | old median (best) | new median (best) | new / old |');
  console.log('|---|---|---|---|');
  const only = process.argv[4];
  for (const w of workloads) {
    if (only !== undefined && !w.name.includes(only)) continue;
    const times: number[][] = [[], []];
    for (let i = 0; i < 3; i++) for (const s of sides) await w.run(s); // warm-up
    for (let i = 0; i < samples; i++) {
      for (let k = 0; k < 2; k++) {
        const j = (i + k) % 2; // alternate which side goes first
        gc?.();
        // CPU time, not wall time: on a shared machine the process is often
        // descheduled, and wall time then measures the other users.
        const c0 = process.cpuUsage();
        await w.run(sides[j]!);
        const c = process.cpuUsage(c0);
        times[j]!.push((c.user + c.system) / 1000);
      }
    }
    const scale = w.unit.startsWith('ns') ? 1e6 : 1e3;
    const fmt = (xs: number[]): string =>
      `${((median(xs) * scale) / w.per).toFixed(3)} (${((Math.min(...xs) * scale) / w.per).toFixed(3)}) ${w.unit}`;
    console.log(
      `| ${w.name} | ${fmt(times[0]!)} | ${fmt(times[1]!)} | ${(median(times[1]!) / median(times[0]!)).toFixed(2)} |`,
    );
  }
}

await main();
