/**
 * A/B between two trees of weft in separate processes, alternating old and
 * new, each process measuring one workload of `core-workloads.ts` (spawn +
 * join, mpsc(1) ping-pong, mpsc(128) streaming) inside `rt.run()` of a
 * default runtime (observation off), timed in CPU time of the process.
 *
 *   git archive REF | tar -x -C /tmp/weft-old && ln -s "$PWD/node_modules" /tmp/weft-old/node_modules
 *   node --conditions=weft-source --import tsx bench/ab-processes.ts /tmp/weft-old [rounds]
 *   node --conditions=weft-source --import tsx bench/ab-processes.ts --modes [rounds]
 *
 * `--only spawn,pingpong` (anywhere on the line) runs just those workloads;
 * `--mode observe` or `--mode taskTimes` runs both trees under that
 * observation mode (default: off).
 *
 * `--modes` compares this tree with itself: observation off, `observe()` and
 * `observe({ taskTimes: true })`, each in its own process (issue 12's cost
 * table without the one-process bias described below).
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
import {
  MPSC_N,
  ROUND_TRIPS,
  SPAWN_N,
  mpscRecv,
  pingPong,
  spawnMany,
  type Lib,
  type Root,
  type Sync,
} from './core-workloads.js';

const WORKLOADS = ['spawn', 'pingpong', 'mpsc'] as const;
type Workload = (typeof WORKLOADS)[number];
const UNIT: Record<Workload, string> = { spawn: 'ns/task', pingpong: 'ns/trip', mpsc: 'ns/value' };

const MODES = ['off', 'observe', 'taskTimes'] as const;
type Mode = (typeof MODES)[number];

/** The child: loads weft from `dir`, runs `workload` in a runtime observing as `mode` says, prints its median CPU ns per operation. */
async function child(dir: string, workload: Workload, mode: Mode): Promise<void> {
  const lib: Lib = {
    root: (await import(resolve(dir, 'src/index.ts'))) as Root,
    sync: (await import(resolve(dir, 'src/sync/index.ts'))) as Sync,
  };
  // One sample, about 15 ms on Node 24: fifty spawn loops (50,000 tasks), three
  // ping-pong runs or two mpsc runs. (With a third of that, a process measured
  // for 45 ms in all, and the medians moved by 5% between runs of one tree.)
  const runs: Record<Workload, [(lib: Lib) => Promise<number>, number, number]> = {
    spawn: [spawnMany, 50, SPAWN_N * 50],
    pingpong: [pingPong, 3, ROUND_TRIPS * 3],
    mpsc: [mpscRecv, 2, MPSC_N * 2],
  };
  const [work, inner, per] = runs[workload];
  const once = async (): Promise<void> => {
    for (let k = 0; k < inner; k++) await work(lib);
  };
  const builder = lib.root.Runtime.builder();
  if (mode === 'observe') builder.observe();
  else if (mode === 'taskTimes') builder.observe({ taskTimes: true });
  const rt = builder.build();
  const samples: number[] = [];
  await rt.run(async () => {
    // Warm-up: 20 samples' worth (for spawn, 1,000,000 tasks), so the samples see the
    // optimised code and a grown retained ring, not the transition to them.
    for (let i = 0; i < 20; i++) await once();
    for (let i = 0; i < 15; i++) {
      const t = process.cpuUsage();
      await once();
      const u = process.cpuUsage(t);
      samples.push(((u.user + u.system) * 1000) / per);
    }
  });
  await rt.shutdown();
  console.log(median(samples));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

const SELF = fileURLToPath(import.meta.url);
const HERE = resolve(SELF, '../..');

/** One child process: `dir`'s weft running `w` under `mode`; its median CPU ns per operation. */
function runChild(dir: string, w: Workload, mode: Mode): number {
  const out = execFileSync(process.execPath, [...process.execArgv, SELF, '--child', dir, w, mode], {
    encoding: 'utf8',
  });
  return Number(out.trim());
}

async function driver(oldDir: string, rounds: number, mode: Mode): Promise<void> {
  const run = (dir: string, w: Workload): number => runChild(dir, w, mode);
  console.log(
    `# A/B in separate processes · Node ${process.version} · ${rounds} rounds, ABBA · observation ${mode} · CPU time`,
  );
  console.log(`# old: ${oldDir} · new: ${HERE}`);
  console.log('| workload | old median (range) | new median (range) | new / old |');
  console.log('|---|---|---|---|');
  for (const w of SELECTED) {
    const old: number[] = [];
    const neu: number[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        old.push(run(oldDir, w));
        neu.push(run(HERE, w));
      } else {
        neu.push(run(HERE, w));
        old.push(run(oldDir, w));
      }
    }
    const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
    console.log(
      `| ${w} | ${median(old).toFixed(0)} ${UNIT[w]} (${range(old)}) | ${median(neu).toFixed(0)} ${UNIT[w]} (${range(neu)}) | ${(median(neu) / median(old)).toFixed(3)} |`,
    );
  }
}

/** This tree under each observation mode, one process per sample, the order rotating every round. */
function modes(rounds: number): void {
  console.log(`# observation modes in separate processes · Node ${process.version} · ${rounds} rounds · CPU time`);
  console.log('| workload | off (range) | observe() (range) | taskTimes (range) | observe / off | taskTimes / off |');
  console.log('|---|---|---|---|---|---|');
  for (const w of SELECTED) {
    const got: Record<Mode, number[]> = { off: [], observe: [], taskTimes: [] };
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < MODES.length; k++) {
        const mode = MODES[(r + k) % MODES.length]!;
        got[mode].push(runChild(HERE, w, mode));
      }
    }
    const cell = (xs: number[]) =>
      `${median(xs).toFixed(0)} ${UNIT[w]} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
    const off = median(got.off);
    console.log(
      `| ${w} | ${cell(got.off)} | ${cell(got.observe)} | ${cell(got.taskTimes)} | ${(median(got.observe) / off).toFixed(3)} | ${(median(got.taskTimes) / off).toFixed(3)} |`,
    );
  }
}

/** Takes `--name value` out of `argv`; the value, or undefined. */
function option(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  if (at < 0) return undefined;
  return argv.splice(at, 2)[1];
}

const args = process.argv.slice(2);
const onlyArg = option(args, '--only');
const only = onlyArg === undefined ? undefined : new Set(onlyArg.split(','));
const modeArg = (option(args, '--mode') ?? 'off') as Mode;
if (!MODES.includes(modeArg)) throw new Error(`--mode: one of ${MODES.join(', ')}, got ${modeArg}`);
const SELECTED = WORKLOADS.filter((w) => only === undefined || only.has(w));
if (args[0] === '--child') await child(args[1]!, args[2] as Workload, (args[3] ?? 'off') as Mode);
else if (args[0] === '--modes') modes(Number(args[1] ?? 8));
else if (args[0] === undefined) throw new Error('usage: bench/ab-processes.ts <old tree> [rounds]');
else await driver(args[0], Number(args[1] ?? 8), modeArg);
