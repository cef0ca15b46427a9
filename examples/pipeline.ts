/**
 * A CSP pipeline in three stages, each a weft task joined by bounded mpsc
 * channels: generate 1..N, square each number, print the squares. The small
 * capacities apply backpressure: the generator can never run more than a few
 * values ahead of the printer. Closing a stage's sender ends the next stage's
 * `for await` loop, so shutdown flows down the pipeline by itself.
 *
 *   node --conditions=weft-source --import tsx examples/pipeline.ts [N]
 */
import { scope } from 'weft';
import { mpsc } from 'weft/sync';

const n = Number(process.argv[2] ?? 10);

/** Stage 1: sends 1..n, then closes its sender. */
async function generate(out: mpsc.Sender<number>, count: number): Promise<void> {
  using tx = out; // closed when the stage ends, however it ends
  for (let i = 1; i <= count; i++) await tx.send(i);
}

/** Stage 2: squares what it receives until its input closes. */
async function square(input: mpsc.Receiver<number>, out: mpsc.Sender<number>): Promise<void> {
  using tx = out;
  for await (const v of input) await tx.send(v * v);
}

/** Stage 3: prints what it receives; returns the sum. */
async function print(input: mpsc.Receiver<number>): Promise<number> {
  let sum = 0;
  for await (const v of input) {
    console.log(v);
    sum += v;
  }
  return sum;
}

const total = await scope(async (s) => {
  const [numbers, numbersRx] = mpsc.channel<number>(2);
  const [squares, squaresRx] = mpsc.channel<number>(2);
  s.spawn(() => generate(numbers, n), { name: 'generate' });
  s.spawn(() => square(numbersRx, squares), { name: 'square' });
  return s.spawn(() => print(squaresRx), { name: 'print' });
});
const expected = (n * (n + 1) * (2 * n + 1)) / 6;
console.log(`sum of squares 1..${n} = ${total}${total === expected ? '' : ` (expected ${expected}!)`}`);
if (total !== expected) process.exitCode = 1;
