/**
 * The cost of serving the console to the program it observes, at 10,000 live
 * tasks: an mpsc ping-pong's round trips per second with no console, then
 * with `serveConsole` publishing every second to one SSE subscriber (in a
 * worker thread, like a browser in another process). Rounds alternate in one
 * process. Also the time one publish takes (reading 10,000 tasks, diffing,
 * serialising), the figure the issue asks for per publish interval.
 *
 *   node --conditions=weft-source --import tsx bench/console.ts [--quick]
 */
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Runtime, spawn, sleep } from '../src/index.js';
import { mpsc } from '../src/sync/index.js';
import { serveConsole } from '../src/console/index.js';
import { ConsoleFeed } from '../src/console/feed.js';
import { header, pick } from './lib.js';

const LIVE = 10_000;
const ROUND_MS = pick(3000, 1200);
const ROUNDS = pick(6, 2);

header('console: cost to the observed program at 10,000 live tasks');

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

  async function pingPong(ms: number): Promise<number> {
    const [aTx, aRx] = mpsc.channel<number>(1);
    const [bTx, bRx] = mpsc.channel<number>(1);
    const echo = spawn(async () => {
      for (let v; (v = await aRx.recv()) !== undefined;) await bTx.send(v);
    });
    let trips = 0;
    const end = performance.now() + ms;
    while (performance.now() < end) {
      for (let i = 0; i < 200; i++) {
        await aTx.send(i);
        await bRx.recv();
      }
      trips += 200;
    }
    aTx.close();
    await echo;
    return (trips / ms) * 1000;
  }

  const off: number[] = [];
  const on: number[] = [];
  await pingPong(300); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    off.push(await pingPong(ROUND_MS));
    const server = await serveConsole(rt, { port: 0, publishInterval: 1000 });
    const reader = new Worker(
      `const http = require('node:http'); let bytes = 0;
       http.get(${JSON.stringify(new URL('api/updates', server.url).href)}, (res) => res.on('data', (c) => { bytes += c.length; }));
       require('node:worker_threads').parentPort.on('message', () => process.exit(0));`,
      { eval: true },
    );
    await sleep(200);
    on.push(await pingPong(ROUND_MS));
    reader.postMessage('stop');
    await new Promise((resolve) => reader.once('exit', resolve));
    await server.close();
  }

  const feed = new ConsoleFeed(rt, { publishInterval: 1000 });
  const publish: number[] = [];
  const publishCpu: number[] = [];
  JSON.stringify(feed.tick()); // the first publish sends every task; the steady state sends what changed
  for (let i = 0; i < pick(10, 3); i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    JSON.stringify(feed.tick());
    const c1 = process.cpuUsage(c0);
    publish.push(performance.now() - t0);
    publishCpu.push((c1.user + c1.system) / 1000);
    await sleep(5);
  }
  const state0 = performance.now();
  const bytes = JSON.stringify(feed.state()).length;
  const stateMs = performance.now() - state0;
  feed.close();

  const fmt = (xs: number[]): string => xs.map((x) => Math.round(x).toLocaleString('en')).join(', ');
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const ratio = mean(on) / mean(off);
  const pairs = on.map((x, i) => x / off[i]!).sort((a, b) => a - b);
  const sorted = publish.slice().sort((a, b) => a - b);
  const cpuSorted = publishCpu.slice().sort((a, b) => a - b);
  console.log(`ping-pong round trips/s, no console : ${fmt(off)}`);
  console.log(`ping-pong round trips/s, console on : ${fmt(on)}`);
  const cpuMedian = cpuSorted[cpuSorted.length >> 1]!;
  const pairMedian = pairs[pairs.length >> 1]!;
  console.log(
    `throughput with console / without   : ${ratio.toFixed(3)}x of the means; per round pair ${pairs.map((x) => x.toFixed(2)).join(', ')} (target >= 0.95x by the median pair: ${pairMedian >= 0.95 ? 'met' : 'missed'})`,
  );
  console.log(
    `one steady publish at ${LIVE} tasks (read + diff + lint + serialise): wall median ${sorted[sorted.length >> 1]!.toFixed(1)} ms (max ${sorted.at(-1)!.toFixed(1)} ms), CPU median ${cpuMedian.toFixed(1)} ms = ${(cpuMedian / 10).toFixed(1)}% of the loop at publishInterval 1000 (target <= 5%: ${cpuMedian <= 50 ? 'met' : 'missed'})`,
  );
  console.log(`GET /api/state at ${LIVE} tasks: ${stateMs.toFixed(1)} ms, ${(bytes / 1024 / 1024).toFixed(2)} MiB`);

  for (const [tx] of parked) tx.close();
  await Promise.all(live);
});
await rt.shutdown();
