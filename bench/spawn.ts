/**
 * Spawn cost, context switch and yield, and what AsyncLocalStorage costs.
 *
 *   node --expose-gc --conditions=weft-source --import tsx bench/spawn.ts [--quick]
 *
 * - spawn and await 1,000 tasks: weft `spawn` + awaiting each handle, against
 *   1,000 raw `async` functions + `Promise.all`, Effect (`Effect.fork` +
 *   `Fiber.join`) and Effection v4 (`spawn` inside `run`).
 * - context switch: two tasks handing a baton back and forth (each hand-off
 *   resumes the other side through one resolved promise: a yield-free
 *   switch). Through weft's `Notify` (a Parked wait in a wait-queue, resumed
 *   through the scheduler) and through a plain promise inside weft tasks,
 *   against two raw async functions doing the same with a plain promise.
 * - yield: `yieldNow()` against `await new Promise(r => setImmediate(r))`.
 * - ALS: raw promises with AsyncLocalStorage never enabled (a "pristine"
 *   process), enabled but no store active, and inside `als.run(store, ...)`.
 *
 * Spawn and ALS figures come from fresh child processes, one contender per
 * process, contenders alternating, several rounds (the figure is the median
 * of the processes' medians): in one process, each contender pays for the
 * garbage of the one before it (Effection's especially), and on Node 20
 * AsyncLocalStorage is built on async_hooks promise hooks, which, once any ALS
 * has `run()`, tax every promise in the process and cannot be undone. So the
 * raw baseline runs in a process where no ALS was ever enabled, as it would
 * in a program without weft. Context switch and yield run in this process,
 * interleaved.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawn, yieldNow } from 'weft';
import { Notify } from 'weft/sync';
import {
  NODE_MAJOR,
  QUICK,
  fmt,
  header,
  isMain,
  measure,
  measureInterleaved,
  pick,
  printTable,
  ratioRow,
  stats,
  textRow,
  type Row,
  type Stats,
} from './lib.js';

export const SPAWN_N = 1000;

// ---------------------------------------------------------------- spawn workloads

/** 1,000 raw async functions + Promise.all. */
export async function rawSpawn(n = SPAWN_N): Promise<number> {
  const ps = new Array<Promise<number>>(n);
  for (let i = 0; i < n; i++) ps[i] = (async () => i)();
  const values = await Promise.all(ps);
  return values.length;
}

/** 1,000 weft tasks, each handle awaited in turn. */
export async function weftSpawn(n = SPAWN_N): Promise<number> {
  const hs = new Array<PromiseLike<number>>(n);
  for (let i = 0; i < n; i++) hs[i] = spawn(async () => i);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await hs[i]!;
  return sum;
}

/** 1,000 weft tasks, handles joined with Promise.all. */
export async function weftSpawnAll(n = SPAWN_N): Promise<number> {
  const hs = new Array<PromiseLike<number>>(n);
  for (let i = 0; i < n; i++) hs[i] = spawn(async () => i);
  const values = await Promise.all(hs);
  return values.length;
}

// Effect and Effection are loaded only by this benchmark's main (not by the summary).
type EffectLib = typeof import('effect');
type EffectionLib = typeof import('effection');

/** 1,000 Effect fibers: Effect.fork + Fiber.join (effect v3). */
export function effectSpawn({ Effect, Fiber }: EffectLib, n = SPAWN_N): Promise<number> {
  const program = Effect.gen(function* () {
    const fibers = new Array<import('effect').Fiber.RuntimeFiber<number>>(n);
    for (let i = 0; i < n; i++) fibers[i] = yield* Effect.fork(Effect.succeed(i));
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* Fiber.join(fibers[i]!);
    return sum;
  });
  return Effect.runPromise(program);
}

/** 1,000 Effection tasks: spawn inside run, each task awaited with yield* (effection v4). */
export function effectionSpawnMany({ run, spawn: spawnOp }: EffectionLib, n = SPAWN_N): Promise<number> {
  return run(function* () {
    const tasks = [];
    for (let i = 0; i < n; i++) {
      tasks.push(
        yield* spawnOp(function* () {
          return i;
        }),
      );
    }
    let sum = 0;
    for (const t of tasks) sum += yield* t;
    return sum;
  });
}

// ---------------------------------------------------------------- context switch

/** A one-permit hand-off built on plain promises (the raw baseline). */
class PromiseBaton {
  #resolve: (() => void) | undefined = undefined;
  #permit = false;
  wait(): Promise<void> {
    if (this.#permit) {
      this.#permit = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
  }
  pass(): void {
    const r = this.#resolve;
    if (r === undefined) this.#permit = true;
    else {
      this.#resolve = undefined;
      r();
    }
  }
}

interface Baton {
  wait(): Promise<void>;
  pass(): void;
}

/** The weft hand-off: `Notify` (a permit is stored when nobody waits, as in Tokio). */
export function notifyBaton(): Baton {
  const n = new Notify();
  return { wait: () => n.notified(), pass: () => n.notifyOne() };
}

/** The raw hand-off, as a Baton. */
export function promiseBaton(): Baton {
  return new PromiseBaton();
}

async function player(me: Baton, other: Baton, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await me.wait();
    other.pass();
  }
}

/** `rounds` round trips between two raw async functions (2 switches each). */
export async function rawPingPong(rounds: number): Promise<void> {
  const a = new PromiseBaton();
  const b = new PromiseBaton();
  const pa = player(a, b, rounds);
  const pb = player(b, a, rounds);
  a.pass();
  await Promise.all([pa, pb]);
}

/** `rounds` round trips between two weft tasks through `make()` batons. */
export async function weftPingPong(rounds: number, make: () => Baton): Promise<void> {
  const a = make();
  const b = make();
  const ha = spawn(() => player(a, b, rounds));
  const hb = spawn(() => player(b, a, rounds));
  a.pass();
  await ha;
  await hb;
}

/** `n` yields via weft's yieldNow. */
export async function weftYield(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await yieldNow();
}

/** `n` yields via a raw setImmediate promise. */
export async function rawYield(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

// ---------------------------------------------------------------- ALS micro-benchmark

/** `n` sequential awaits of fresh resolved promises returned by an async function. */
async function awaitChain(n: number): Promise<number> {
  let x = 0;
  for (let i = 0; i < n; i++) x += await step(i);
  return x;
}
async function step(i: number): Promise<number> {
  return i & 1;
}

const CHAIN_N = 10_000;

/**
 * What a child process measures. Each runs alone in a fresh process, so that
 * no contender pays for another's garbage, and (on Node 20) so that the state
 * of async_hooks, which cannot be undone in-process, is what the name says.
 */
const CHILD_MEASURES = {
  // spawn and await 1,000 (the sample sizes give each sample some ms)
  weft: { unit: 'µs', per: SPAWN_N, inner: 20, fn: () => weftSpawn() },
  weftAll: { unit: 'µs', per: SPAWN_N, inner: 20, fn: () => weftSpawnAll() },
  raw: { unit: 'µs', per: SPAWN_N, inner: 100, fn: () => rawSpawn() },
  effect: { unit: 'µs', per: SPAWN_N, inner: 3, fn: async () => effectSpawn(await import('effect')) },
  effection: { unit: 'µs', per: SPAWN_N, inner: 1, fn: async () => effectionSpawnMany(await import('effection')) },
  // ALS: raw promises with ALS never enabled, enabled (outside any store), inside als.run
  'fan:pristine': { unit: 'µs', per: SPAWN_N, inner: 50, fn: () => rawSpawn() },
  'fan:enabled': { unit: 'µs', per: SPAWN_N, inner: 50, fn: () => rawSpawn() },
  'fan:store': { unit: 'µs', per: SPAWN_N, inner: 50, fn: () => rawSpawn() },
  'chain:pristine': { unit: 'ns', per: CHAIN_N, inner: 5, fn: () => awaitChain(CHAIN_N) },
  'chain:enabled': { unit: 'ns', per: CHAIN_N, inner: 5, fn: () => awaitChain(CHAIN_N) },
  'chain:store': { unit: 'ns', per: CHAIN_N, inner: 5, fn: () => awaitChain(CHAIN_N) },
} as const satisfies Record<string, { unit: 'µs' | 'ns'; per: number; inner: number; fn: () => Promise<unknown> }>;

type ChildMeasure = keyof typeof CHILD_MEASURES;

/** In a child process: measures one thing and prints its median. */
async function child(name: ChildMeasure): Promise<void> {
  const m = CHILD_MEASURES[name];
  let fn: () => Promise<unknown> = m.fn;
  if (name.endsWith(':enabled') || name.endsWith(':store')) {
    const als = new AsyncLocalStorage<object>();
    als.run({}, () => undefined); // enables it for the whole process
    if (name.endsWith(':store')) {
      const store = {};
      fn = () => als.run(store, m.fn);
    }
  }
  if (name.startsWith('effect')) await fn(); // loads the library outside the timing
  const s = await measure(name, fn, {
    warmup: pick(10, 4),
    samples: pick(15, 7),
    per: m.per,
    unit: m.unit,
    inner: m.inner,
  });
  process.stdout.write(JSON.stringify(s.median));
}

/** Runs each named measure in fresh child processes, names alternating, `rounds` times. */
function inChildren(names: readonly ChildMeasure[], rounds: number): Record<string, Stats> {
  const samples: Record<string, number[]> = {};
  const script = fileURLToPath(import.meta.url);
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const args = [...process.execArgv, script, '--child', name, ...(QUICK ? ['--quick'] : [])];
      const res = spawnSync(process.execPath, args, { encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`child ${name} failed: ${res.stderr}`);
      (samples[name] ??= []).push(JSON.parse(res.stdout) as number);
    }
  }
  const out: Record<string, Stats> = {};
  for (const name of names) out[name] = stats(name, samples[name]!, CHILD_MEASURES[name].unit);
  return out;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  header(
    'spawn, context switch, yield, AsyncLocalStorage',
    [
      `spawn: ${SPAWN_N} tasks spawned, then each awaited; µs per task. Each contender runs in fresh child`,
      `processes, contenders alternating, ${pick(4, 1)} round(s); figure = median of the processes' medians.`,
      `ALS: fan-out = ${SPAWN_N} raw async fns + Promise.all (per fn), chain = ${CHAIN_N} sequential awaits (per await),`,
      `in processes where ALS was never enabled (pristine), enabled but no store active, or inside als.run().`,
    ].join('\n'),
  );
  const samples = pick(21, 7);
  const c = inChildren(Object.keys(CHILD_MEASURES) as ChildMeasure[], pick(4, 1));

  const rounds = pick(20_000, 10_000);
  const [swWeft, swTask, swRaw] = await measureInterleaved(
    [
      { name: 'Notify', fn: () => weftPingPong(rounds, notifyBaton) },
      { name: 'promise in tasks', fn: () => weftPingPong(rounds, promiseBaton) },
      { name: 'raw', fn: () => rawPingPong(rounds) },
    ],
    { per: rounds * 2, unit: 'ns', samples },
  );

  const yields = pick(2_000, 500);
  const [yWeft, yRaw] = await measureInterleaved(
    [
      { name: 'yieldNow', fn: () => weftYield(yields) },
      { name: 'setImmediate', fn: () => rawYield(yields) },
    ],
    { per: yields, unit: 'µs', samples: pick(9, 5) },
  );

  const spawnTarget = { max: NODE_MAJOR >= 24 ? 1.5 : 2.5 };
  const rows: Row[] = [
    ratioRow('spawn + await each handle (vs raw async fns + Promise.all)', c['weft']!, c['raw']!, spawnTarget),
    ratioRow('spawn + Promise.all(handles) (vs raw)', c['weftAll']!, c['raw']!),
    ratioRow('Effect fork+join: Nx slower than weft', c['weft']!, c['effect']!, { min: 3 }, { invert: true }),
    ratioRow('Effection spawn: Nx slower than weft', c['weft']!, c['effection']!, { min: 3 }, { invert: true }),
    textRow(
      '  Effect / Effection per task',
      `${fmt(c['effect']!.median, 'µs')}`,
      `${fmt(c['effection']!.median, 'µs')}`,
    ),
    ratioRow('context switch via Notify (vs raw promise)', swWeft!, swRaw!),
    ratioRow('context switch, plain promise inside tasks (vs raw)', swTask!, swRaw!),
    ratioRow('yieldNow (vs setImmediate promise)', yWeft!, yRaw!),
    ratioRow('ALS enabled, no store: fan-out (vs pristine)', c['fan:enabled']!, c['fan:pristine']!),
    ratioRow('ALS inside als.run: fan-out (vs pristine)', c['fan:store']!, c['fan:pristine']!),
    ratioRow('ALS enabled, no store: await chain (vs pristine)', c['chain:enabled']!, c['chain:pristine']!),
    ratioRow('ALS inside als.run: await chain (vs pristine)', c['chain:store']!, c['chain:pristine']!),
  ];
  printTable(rows);
}

if (isMain(import.meta.url)) {
  const i = process.argv.indexOf('--child');
  if (i >= 0) await child(process.argv[i + 1] as ChildMeasure);
  else await main();
}
