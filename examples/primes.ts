/**
 * The CPU-bound job of the parallel demos (examples/parallel.ts) and the
 * tasks the worker threads run. A worker thread imports this module to find
 * a task by name, so it holds only the tasks and what they need: the lighter
 * a task module, the sooner a fresh worker runs its first call.
 */
import type { mpsc } from 'weft/sync';
import { defineTask } from 'weft/worker';

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/** Primes in [from, to). */
export function countPrimes([from, to]: readonly [number, number]): number {
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
export function ranges(limit: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < parts; i++) {
    const from = Math.floor(limit * Math.sqrt(i / parts));
    const to = Math.floor(limit * Math.sqrt((i + 1) / parts));
    out.push([from, to]);
  }
  return out;
}
