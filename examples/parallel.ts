/**
 * A CPU-bound job sped up on all cores while the main thread keeps answering.
 *
 *   node --conditions=weft-source --import tsx examples/parallel.ts
 *
 * The job counts the primes below a bound by trial division, split into
 * ranges. First it runs on the main thread alone: nothing else can run until
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
import { defineTask, parMap, spawnWorker } from 'weft/worker';

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/** Primes in [from, to). */
function countPrimes([from, to]: readonly [number, number]): number {
  let count = 0;
  for (let n = from; n < to; n++) if (isPrime(n)) count++;
  return count;
}

/** The task the workers run: a worker imports this module and finds it by name. */
export const primesIn = defineTask(import.meta.url, 'primesIn', countPrimes);

/**
 * A pipeline stage for a worker: counts the primes of each range that comes
 * in and sends the count on. Both channel ends arrive as arguments; sending
 * waits while `out` is full, so a slow consumer slows this stage down.
 */
export const primesStage = defineTask(
  import.meta.url,
  'primesStage',
  async (input: mpsc.Receiver<[number, number]>, out: mpsc.Sender<number>) => {
    for await (const range of input) await out.send(countPrimes(range));
  },
);

/** Splits [0, limit) into `parts` ranges of about equal work (later ranges cost more per number). */
function ranges(limit: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < parts; i++) {
    const from = Math.floor(limit * Math.sqrt(i / parts));
    const to = Math.floor(limit * Math.sqrt((i + 1) / parts));
    out.push([from, to]);
  }
  return out;
}

/** Runs the demo; returns the lines to print. `limit` sizes the job (default: about 0.3 s on one core). */
export async function parallelDemo(limit = 2_000_000): Promise<string[]> {
  const threads = availableParallelism();
  const work = ranges(limit, threads * 16);
  const lines: string[] = [];

  // One thread: the job blocks the main thread for its whole length.
  const t0 = performance.now();
  const expected = work.reduce((sum, r) => sum + countPrimes(r), 0);
  const single = performance.now() - t0;
  lines.push(
    `  one thread: ${expected.toLocaleString('en-US')} primes below ${limit.toLocaleString('en-US')} in ${single.toFixed(0)} ms`,
  );
  lines.push(`    (the main thread could not answer anything for those ${single.toFixed(0)} ms)`);

  const rt = Runtime.builder().multiThread().workerThreads(threads).build();
  try {
    await rt.run(async () => {
      await parMap([[0, 10]], primesIn); // start the workers (not timed)
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
export async function pipelineDemo(limit = 2_000_000): Promise<string[]> {
  const threads = availableParallelism();
  const work = ranges(limit, threads * 16);
  const capacity = 4;
  const rt = Runtime.builder().multiThread().workerThreads(threads).build();
  try {
    return await rt.run(async () => {
      await parMap([[0, 10]], primesIn); // start the workers (not timed)
      const t0 = performance.now();
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
      return [
        `  as a pipeline: main → ${threads} worker stages → main, through mpsc channels of capacity ${capacity}: ` +
          `${total.toLocaleString('en-US')} primes in ${ms.toFixed(0)} ms`,
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
