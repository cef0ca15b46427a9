/**
 * `npm start`: a short tour of weft. Each section prints what it did; the last
 * one measures weft against raw promises on this machine.
 */
import { Runtime, spawn, sleep, select, timeout, JoinSet, scope, CancellationToken, TimeoutError, now } from 'weft';
import { mpsc, oneshot, Semaphore } from 'weft/sync';
import { runSummary } from '../bench/summary.js';
import { runEchoShowcase } from './echo-showcase.js';
import { parallelDemo, pipelineDemo } from './parallel.js';

const line = (s = ''): void => console.log(s);
const section = (title: string): void => line(`\n== ${title}`);

async function tasks(): Promise<void> {
  section('tasks: spawn, await, abort');
  const set = new JoinSet<string>();
  for (const [name, ms] of [
    ['fast', 5],
    ['medium', 15],
    ['slow', 10_000],
  ] as const) {
    set.spawn(
      async () => {
        await sleep(ms);
        return `${name} finished after ${ms} ms`;
      },
      { name },
    );
  }
  line(`  ${await set.joinNext()}`);
  line(`  ${await set.joinNext()}`);
  set.abortAll();
  const err = await set.joinNext().catch((e: Error) => e);
  line(`  the slow one was aborted: ${(err as Error).message}`);

  const sum = await scope(async (s) => {
    const parts = [1, 2, 3].map((n) => s.spawn(async () => n * n));
    let total = 0;
    for (const p of parts) total += await p;
    return total;
  });
  line(`  scope(): 1² + 2² + 3² = ${sum}, and no child outlived it`);
}

async function selectAndTimeout(): Promise<void> {
  section('select and timeout');
  const shutdown = new CancellationToken();
  setTimeout(() => shutdown.cancel(), 20);
  const t0 = now();
  const winner = await select({
    shutdown,
    work: (signal) => sleep(5_000, { signal }).then(() => 'work'),
  });
  line(`  select picked '${String(winner.key)}' after ${(now() - t0).toFixed(0)} ms; the losing branch was aborted`);
  const err = await timeout(25, (signal) => sleep(5_000, { signal })).catch((e: unknown) => e);
  line(`  timeout(25 ms, a 5 s sleep) -> ${err instanceof TimeoutError ? `${err.name} (${err.code})` : String(err)}`);
}

async function channels(): Promise<void> {
  section('channels: a CSP pipeline with backpressure, select over receivers');
  const sum = await scope(async (s) => {
    const [numbers, numbersRx] = mpsc.channel<number>(4);
    const [squares, squaresRx] = mpsc.channel<number>(4);
    s.spawn(async () => {
      using tx = numbers;
      for (let i = 1; i <= 1_000; i++) await tx.send(i); // waits whenever the next stage is 4 behind
    });
    s.spawn(async () => {
      using tx = squares;
      for await (const v of numbersRx) await tx.send(v * v);
    });
    let total = 0;
    for await (const v of squaresRx) total += v;
    return total;
  });
  line(`  generate -> square -> sum over channel(4)s: sum of squares 1..1000 = ${sum}`);

  const [tx, rx] = mpsc.channel<string>(8);
  const [replyTx, replyRx] = oneshot<string>();
  setTimeout(() => replyTx.send('reply'), 5);
  setTimeout(() => void tx.send('message'), 15);
  const first = await select({ rx, replyRx }, { biased: true });
  const second = await select({ rx, replyRx: sleep(100).then(() => 'none') });
  line(`  select over a oneshot and an mpsc: '${String(first.value)}', then '${String(second.value)}' — nothing lost`);
  tx.close();

  const limit = new Semaphore(3);
  let running = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: 12 }, () =>
      limit.withPermit(async () => {
        peak = Math.max(peak, ++running);
        await sleep(2);
        running--;
      }),
    ),
  );
  line(`  Semaphore(3) over 12 jobs: at most ${peak} ran at once`);
}

async function gracefulShutdown(): Promise<void> {
  section('graceful shutdown');
  const rt = Runtime.builder().build();
  let cleaned = 0;
  await rt.run(async () => {
    for (let i = 0; i < 3; i++) {
      spawn(async () => {
        try {
          await sleep(60_000);
        } finally {
          cleaned++;
        }
      });
    }
    await sleep(5);
  });
  await rt.shutdown({ timeout: 1_000 });
  const m = rt.metrics();
  line(`  run() returned; ${cleaned} background tasks were aborted and ran their cleanup`);
  line(`  metrics: spawned ${m.spawnedTasks}, completed ${m.completedTasks}, cancelled ${m.cancelledTasks}`);
}

async function workers(): Promise<void> {
  section('worker threads: a CPU-bound job on all cores while the main thread keeps answering');
  for (const l of await parallelDemo()) line(l);
  for (const l of await pipelineDemo()) line(l);
}

async function io(): Promise<void> {
  section('I/O: a weft TCP echo server under load (bench/echo.ts compares it with raw node:net)');
  for (const l of await runEchoShowcase(1_000)) line(`  ${l}`);
}

async function figures(): Promise<void> {
  section('figures: weft against raw promises on this machine (bench/summary.ts; full runs: npm run bench)');
  for (const l of await runSummary()) line(`  ${l}`);
}

await tasks();
await selectAndTimeout();
await channels();
await workers();
await io();
await gracefulShutdown();
await figures();
