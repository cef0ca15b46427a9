/**
 * The cost of serving the console to the program it observes, at 10,000 live
 * tasks. Two measurements, both in CPU time of this process (user + system,
 * `process.cpuUsage`), which other processes on a shared machine disturb far
 * less than wall-clock throughput:
 *
 * 1. An mpsc ping-pong's CPU time per round trip with no console and with
 *    `serveConsole` publishing every second to one SSE subscriber. The
 *    subscriber is a child process (like a browser), so its reading costs
 *    this process nothing it would not pay for a real client. Rounds come in
 *    ABBA order (off, on, on, off, ...) so a drift of the machine's load
 *    cancels; each adjacent off/on pair gives one ratio, and the figure is the
 *    median ratio with its quartiles.
 * 2. The CPU time of one steady publish (read 10,000 tasks, diff, lint,
 *    serialise), the console's whole work per interval, as a share of the
 *    interval.
 *
 *   node --conditions=weft-source --import tsx bench/console.ts [--quick]
 */
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Runtime, spawn, sleep } from '../src/index.js';
import { mpsc } from '../src/sync/index.js';
import { serveConsole } from '../src/console/index.js';
import { ConsoleFeed } from '../src/console/feed.js';
import { header, pick } from './lib.js';

const LIVE = 10_000;
const INTERVAL = 1000;
/** Each round spans two publish intervals, so every "on" round holds two publishes wherever it starts. */
const ROUND_MS = pick(2 * INTERVAL, INTERVAL);
const QUADS = pick(8, 1); // ABBA groups: 2 pairs each
const TARGET = 0.05;

header('console: cost to the observed program at 10,000 live tasks');
console.log(
  `load average at start: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);

/**
 * An SSE client in another process; resolves once the first update has
 * arrived (it carries every task: the console's start-up, not its steady
 * cost, so no round measures it).
 */
async function subscriber(url: string): Promise<ChildProcess> {
  const child = spawnChild(
    process.execPath,
    [
      '-e',
      `require('node:http').get(process.argv[1], (res) => {
         let first = true;
         res.setEncoding('utf8');
         res.on('data', (chunk) => { if (first && chunk.includes('data:')) { first = false; process.stdout.write('ready\\n'); } });
       });`,
      new URL('api/updates', url).href,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return child;
}

function quantile(xs: number[], q: number): number {
  const s = xs.slice().sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo]! + (s[Math.ceil(i)]! - s[lo]!) * (i - lo);
}

const rt = new Runtime();
await rt.run(async () => {
  // 10,000 live tasks, each parked on a channel receive (what a server's connection tasks look like).
  const parked: Array<ReturnType<typeof mpsc.channel<number>>> = [];
  const live = [];
  for (let i = 0; i < LIVE; i++) {
    const ch = mpsc.channel<number>(1);
    parked.push(ch);
    live.push(spawn(() => ch[1].recv(), { name: `conn-${i}` }));
  }
  await sleep(10);

  /** One round: µs of CPU per round trip, and round trips per wall second. */
  async function pingPong(ms: number): Promise<{ cpuUs: number; perSec: number }> {
    const [aTx, aRx] = mpsc.channel<number>(1);
    const [bTx, bRx] = mpsc.channel<number>(1);
    const echo = spawn(async () => {
      for (let v; (v = await aRx.recv()) !== undefined;) await bTx.send(v);
    });
    let trips = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const end = t0 + ms;
    while (performance.now() < end) {
      for (let i = 0; i < 200; i++) {
        await aTx.send(i);
        await bRx.recv();
      }
      trips += 200;
    }
    const c = process.cpuUsage(c0);
    const wall = performance.now() - t0;
    aTx.close();
    await echo;
    return { cpuUs: (c.user + c.system) / trips, perSec: (trips / wall) * 1000 };
  }

  async function withConsole<T>(fn: () => Promise<T>): Promise<T> {
    const server = await serveConsole(rt, { port: 0, publishInterval: INTERVAL });
    const reader = await subscriber(server.url);
    try {
      return await fn();
    } finally {
      reader.kill();
      await new Promise((resolve) => reader.once('exit', resolve));
      await server.close();
    }
  }

  const off: Array<{ cpuUs: number; perSec: number }> = [];
  const on: Array<{ cpuUs: number; perSec: number }> = [];
  await pingPong(300); // warm-up
  await withConsole(() => pingPong(300));
  for (let q = 0; q < QUADS; q++) {
    // ABBA: off, on, on, off
    off.push(await pingPong(ROUND_MS));
    on.push(await withConsole(() => pingPong(ROUND_MS)));
    on.push(await withConsole(() => pingPong(ROUND_MS)));
    off.push(await pingPong(ROUND_MS));
  }
  const cpuRatios = on.map((x, i) => x.cpuUs / off[i]!.cpuUs);
  const wallRatios = on.map((x, i) => x.perSec / off[i]!.perSec);

  const feed = new ConsoleFeed(rt, { publishInterval: INTERVAL });
  const publishCpu: number[] = [];
  const publishWall: number[] = [];
  JSON.stringify(feed.tick()); // the first publish sends every task; the steady state sends what changed
  for (let i = 0; i < pick(15, 3); i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    JSON.stringify(feed.tick());
    const c1 = process.cpuUsage(c0);
    publishWall.push(performance.now() - t0);
    publishCpu.push((c1.user + c1.system) / 1000);
    await sleep(5);
  }
  const state0 = performance.now();
  const bytes = JSON.stringify(feed.state()).length;
  const stateMs = performance.now() - state0;
  feed.close();

  const f2 = (x: number): string => x.toFixed(2);
  const f3 = (x: number): string => x.toFixed(3);
  const med = (xs: number[]): number => quantile(xs, 0.5);
  console.log(
    `rounds: ${on.length} pairs of ${ROUND_MS} ms, ABBA order, publishInterval ${INTERVAL} ms, SSE client in a child process`,
  );
  console.log(
    `CPU µs per round trip, no console : median ${f3(med(off.map((x) => x.cpuUs)))} (${off.map((x) => f2(x.cpuUs)).join(', ')})`,
  );
  console.log(
    `CPU µs per round trip, console on : median ${f3(med(on.map((x) => x.cpuUs)))} (${on.map((x) => f2(x.cpuUs)).join(', ')})`,
  );
  const cpuMed = med(cpuRatios);
  console.log(
    `CPU per round trip, on / off      : median ${f3(cpuMed)}x, quartiles ${f3(quantile(cpuRatios, 0.25))}–${f3(quantile(cpuRatios, 0.75))}, range ${f3(Math.min(...cpuRatios))}–${f3(Math.max(...cpuRatios))} (target <= ${1 + TARGET}x: ${cpuMed <= 1 + TARGET ? 'met' : 'missed'})`,
  );
  console.log(
    `wall throughput, on / off         : median ${f3(med(wallRatios))}x, quartiles ${f3(quantile(wallRatios, 0.25))}–${f3(quantile(wallRatios, 0.75))} (disturbed by other processes; for reference)`,
  );
  const pubMed = med(publishCpu);
  console.log(
    `one steady publish at ${LIVE} tasks (read + diff + lint + serialise): CPU median ${pubMed.toFixed(1)} ms (quartiles ${quantile(publishCpu, 0.25).toFixed(1)}–${quantile(publishCpu, 0.75).toFixed(1)}), wall median ${med(publishWall).toFixed(1)} ms = ${((pubMed / INTERVAL) * 100).toFixed(1)}% of the loop at publishInterval ${INTERVAL} (target <= ${TARGET * 100}%: ${pubMed <= TARGET * INTERVAL ? 'met' : 'missed'})`,
  );
  console.log(`GET /api/state at ${LIVE} tasks: ${stateMs.toFixed(1)} ms, ${(bytes / 1024 / 1024).toFixed(2)} MiB`);
  console.log(
    `load average at end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );

  for (const [tx] of parked) tx.close();
  await Promise.all(live);
});
await rt.shutdown();
