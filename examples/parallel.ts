/**
 * A CPU-bound job sped up on all cores while the main thread keeps answering.
 *
 *   node --conditions=weft-source --import tsx examples/parallel.ts
 *
 * The job counts the primes below a bound by trial division, split into
 * ranges. `run()` of the multi-thread runtime starts its worker threads; the
 * demo waits for them (`workersReady()`) and prints how long that took. Then
 * the job runs on the main thread alone: nothing else can run until
 * it is done. Then the same ranges go to the worker threads of a multi-thread
 * runtime with `parMap`, while a weft interval on the main thread keeps
 * ticking; its worst delay shows the main thread stayed responsive.
 *
 * `pipelineDemo()` runs the same job as a CSP pipeline across threads: ranges
 * go to one stage per worker through bounded mpsc channels whose ends were
 * passed as arguments, and the counts come back through another.
 *
 * Both return the lines to print (the showcase uses them).
 */
import { availableParallelism } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { Runtime, interval, now, spawn } from 'weft';
import { mpsc } from 'weft/sync';
import { parMap, spawnWorker, workersReady } from 'weft/worker';
import { countPrimes, primesIn, primesStage, ranges } from './primes.js';

/**
 * Waits for the worker threads `run()` started, and says how long that took:
 * the start-up cost is shown, not hidden in an untimed warm-up call.
 */
async function booted(lines: string[], threads: number, started: number): Promise<void> {
  await workersReady();
  lines.push(
    `  ${threads} worker threads started by run(): ready after ${(performance.now() - started).toFixed(0)} ms (workersReady())`,
  );
}

/** Runs the demo; returns the lines to print. `limit` sizes the job (default: about 0.6 s on one core). */
export async function parallelDemo(limit = 5_000_000): Promise<string[]> {
  const threads = availableParallelism();
  const work = ranges(limit, threads * 16);
  const lines: string[] = [];
  const rt = Runtime.builder().multiThread().workerThreads(threads).build();
  try {
    const started = performance.now();
    await rt.run(async () => {
      await booted(lines, threads, started);
      // One thread: the job blocks the main thread for its whole length.
      const t0 = performance.now();
      const expected = work.reduce((sum, r) => sum + countPrimes(r), 0);
      const single = performance.now() - t0;
      lines.push(
        `  one thread: ${expected.toLocaleString('en-US')} primes below ${limit.toLocaleString('en-US')} in ${single.toFixed(0)} ms`,
      );
      lines.push(`    (the main thread could not answer anything for those ${single.toFixed(0)} ms)`);
      // The same ranges on the workers (their first call of primesIn imports primes.ts there: timed).
      // Meanwhile on the main thread: a 5 ms interval, and its worst lateness.
      let ticks = 0;
      let worstLag = 0;
      const ticker = spawn(async () => {
        const every = interval(5);
        try {
          for (;;) {
            const due = await every.tick();
            worstLag = Math.max(worstLag, now() - due);
            ticks++;
          }
        } finally {
          every[Symbol.dispose]();
        }
      });
      const t1 = performance.now();
      const counts = await parMap(work, primesIn, { chunkSize: 1 });
      const parallel = performance.now() - t1;
      ticker.abort();
      await ticker.catch(() => undefined);
      const total = counts.reduce((a, b) => a + b, 0);
      if (total !== expected) throw new Error(`the workers counted ${total}, expected ${expected}`);
      lines.push(
        `  ${threads} worker threads (parMap, ${work.length} ranges, work stealing): same count in ${parallel.toFixed(0)} ms, ` +
          `${(single / parallel).toFixed(2)}x the speed of one thread`,
      );
      lines.push(
        `    meanwhile the main thread ran a 5 ms interval: ${ticks} ticks, worst delay ${worstLag.toFixed(1)} ms`,
      );
    });
  } finally {
    await rt.shutdown();
  }
  return lines;
}

/**
 * The same job as a CSP pipeline across threads: the main thread feeds
 * ranges into a channel, one stage per worker counts primes, and the counts
 * come back through a second channel, with backpressure at every step.
 */
export async function pipelineDemo(limit = 5_000_000): Promise<string[]> {
  const threads = availableParallelism();
  const work = ranges(limit, threads * 16);
  const capacity = 4;
  const lines: string[] = [];
  const rt = Runtime.builder().multiThread().workerThreads(threads).build();
  try {
    const started = performance.now();
    return await rt.run(async () => {
      await booted(lines, threads, started);
      // The same job on one thread, in this run, as the baseline.
      let t0 = performance.now();
      const expected = work.reduce((sum, r) => sum + countPrimes(r), 0);
      const single = performance.now() - t0;
      t0 = performance.now();
      // One stage per worker, each with its own input channel; they share the output (a clone each).
      const [out, counts] = mpsc.channel<number>(capacity);
      const feeds: mpsc.Sender<[number, number]>[] = [];
      const stages = [];
      for (let i = 0; i < threads; i++) {
        const [feed, input] = mpsc.channel<[number, number]>(capacity);
        feeds.push(feed);
        stages.push(spawnWorker(primesStage, input, out.clone())); // both ends move to the worker
      }
      out.close(); // the stages hold the output now: it closes when they return
      let highWater = 0;
      const feeder = spawn(async () => {
        for (let i = 0; i < work.length; i++) {
          const f = feeds[i % feeds.length]!;
          await f.send(work[i]!);
          highWater = Math.max(highWater, capacity - f.capacity);
        }
        for (const f of feeds) f.close();
      });
      let total = 0;
      for await (const n of counts) total += n;
      await feeder;
      await Promise.all(stages);
      const ms = performance.now() - t0;
      if (total !== expected) throw new Error(`the stages counted ${total}, expected ${expected}`);
      return [
        ...lines,
        `  as a pipeline: main → ${threads} worker stages → main, through mpsc channels of capacity ${capacity}: ` +
          `${total.toLocaleString('en-US')} primes in ${ms.toFixed(0)} ms, ${(single / ms).toFixed(2)}x the speed of ` +
          `one thread (${single.toFixed(0)} ms)`,
        highWater === capacity
          ? `    (the feed channels filled up to their capacity, ${capacity} ranges: the feeder waited for the workers)`
          : `    (the feed channels never filled: at most ${highWater} of ${capacity} ranges waited)`,
      ];
    });
  } finally {
    await rt.shutdown();
  }
}

if (isMainThread && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const line of await parallelDemo()) console.log(line);
  for (const line of await pipelineDemo()) console.log(line);
}
