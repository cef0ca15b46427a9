/**
 * weft's side of `npm run bench:native`: one scenario, one contender, one
 * process, printing one JSON line shaped like the Rust side's
 * (src/measure.rs, src/memory.rs, src/mulberry.rs).
 *
 *   node --expose-gc --conditions=weft-source --import tsx bench/native/weft.ts <weft|raw> <scenario> [key=value ...]
 *
 * The workloads are bench/'s own (spawn.ts, pingpong.ts, mpsc-throughput.ts,
 * sleeps.ts), imported rather than copied, so this measures exactly what
 * `npm run bench` measures; `raw` is each benchmark's raw-Node baseline.
 * The timing rule is bench/lib.ts `measure` with the counts run.ts passes to
 * both sides. Echo is not here: run.ts forks bench/echo.ts's own children.
 */
import { CancellationToken, spawn, sleep, type JoinHandle } from 'weft';
import { fullGc, heapUsed, measure, quantile, tick } from '../lib.js';
import { rawSpawn, weftSpawn } from '../spawn.js';
import { rawPingPong, weftPingPong } from '../pingpong.js';
import { rawRecv, weftRecv } from '../mpsc-throughput.js';
import { delays, sleepRound } from '../sleeps.js';

type Impl = 'weft' | 'raw';

function params(args: readonly string[]): (key: string, dflt: number) => number {
  const map = new Map(args.map((a) => a.split('=') as [string, string]));
  return (key, dflt) => (map.has(key) ? Number(map.get(key)) : dflt);
}

function check(what: string, got: number, expected: number): void {
  if (got !== expected) throw new Error(`${what}: got ${got}, expected ${expected}`);
}

async function timeScenario(
  num: (k: string, d: number) => number,
  per: number,
  fn: () => Promise<void>,
): Promise<object> {
  const s = await measure('x', fn, {
    warmup: num('warmup', 5),
    samples: num('samples', 15),
    inner: num('inner', 1),
    per,
    unit: 'ns',
  });
  return { unit: 'ns', median: s.median, samples: s.samples };
}

// Parked bodies as in bench/memory.ts: async functions, shared, no closure per task.
let token = new CancellationToken();
async function parkOnToken(): Promise<void> {
  await token.cancelled();
}
async function rawParked(never: Promise<void>): Promise<void> {
  await never;
}

/**
 * Bytes per parked task: heapUsed after a full gc (the live JS heap, as the
 * Rust side counts live allocator bytes) and RSS, each as the delta from
 * before spawning to everything parked, per task; the caller's handles or
 * promises counted, as the Rust side keeps its JoinHandles.
 */
async function parkedMemory(impl: Impl, n: number): Promise<object> {
  let release!: () => void;
  const never = new Promise<void>((resolve) => (release = resolve));
  token = new CancellationToken();
  await fullGc();
  const heap0 = heapUsed();
  const rss0 = process.memoryUsage().rss;
  const waits = new Array<JoinHandle<void> | Promise<void>>(n);
  if (impl === 'weft') for (let i = 0; i < n; i++) waits[i] = spawn(parkOnToken);
  else for (let i = 0; i < n; i++) waits[i] = rawParked(never);
  await tick();
  await fullGc();
  const heap1 = heapUsed();
  const rss1 = process.memoryUsage().rss;
  token.cancel();
  release();
  for (const w of waits) await w;
  return { unit: 'B', heap: (heap1 - heap0) / n, rss: (rss1 - rss0) / n, n };
}

/** bench/sleeps.ts's round: weft "task each" (a spawned task per sleep) or raw setTimeout promises. */
async function timers(impl: Impl, n: number, max: number): Promise<object> {
  const sleeper =
    impl === 'weft'
      ? (ms: number) => spawn(() => sleep(ms))
      : (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  await sleepRound(delays(2000, 10), sleeper); // warm-up, as sleeps.ts
  const ds = delays(n, max);
  const r = await sleepRound(ds, sleeper);
  const after = r.latenessAfterSetup;
  return {
    unit: 'ms',
    p50: quantile(after, 0.5),
    p99: quantile(after, 0.99),
    max: after[after.length - 1],
    p99call: quantile(r.lateness, 0.99),
    setup: r.setup,
    total: r.total,
    delaysSum: ds.reduce((a, b) => a + b, 0),
  };
}

async function run(impl: Impl, scenario: string, num: (k: string, d: number) => number): Promise<object> {
  switch (scenario) {
    case 'spawn': {
      const n = num('n', 1000);
      const f = impl === 'weft' ? weftSpawn : rawSpawn;
      // weftSpawn returns the sum, rawSpawn the count (as in spawn.ts)
      const expected = impl === 'weft' ? (n * (n - 1)) / 2 : n;
      return timeScenario(num, n, async () => check('spawn', await f(n), expected));
    }
    case 'pingpong': {
      const n = num('n', 100_000);
      const f = impl === 'weft' ? weftPingPong : rawPingPong;
      return timeScenario(num, n, async () => check('pingpong', await f(n), (n * (n - 1)) / 2 + n));
    }
    case 'mpsc': {
      const n = num('n', 1_000_000);
      check('capacity (fixed in mpsc-throughput.ts)', num('capacity', 1024), 1024);
      const f = impl === 'weft' ? weftRecv : rawRecv; // each checks its sum
      return timeScenario(num, n, () => f(n));
    }
    case 'memory':
      return parkedMemory(impl, num('n', 100_000));
    case 'timers':
      return timers(impl, num('n', 100_000), num('max', 100));
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

const [impl, scenario, ...rest] = process.argv.slice(2);
if (impl !== 'weft' && impl !== 'raw') throw new Error('usage: weft.ts <weft|raw> <scenario> [key=value ...]');
process.stdout.write(JSON.stringify(await run(impl, scenario!, params(rest))) + '\n');
