/**
 * mpsc channels across threads: values per second through a bounded weft
 * channel whose sender (or receiver) was passed to a worker, against a raw
 * `MessagePort` carrying the same values between the same two threads, one
 * `postMessage` per value and no backpressure, measured interleaved in one run:
 *
 *   node --conditions=weft-source --import tsx bench/worker-channels.ts [--quick]
 *
 * - worker → main: a worker task `await tx.send(i)` for i < N into
 *   `mpsc.channel(256)`; the main thread drains it with `recvMany`.
 *   Raw: a worker posts N numbers on a port; the main thread counts them.
 * - main → worker: the receiver moves to a worker task that sums what
 *   arrives; the main thread `await tx.send(i)`s N values and closes.
 *   Raw: the main thread posts N numbers; the worker sums them and answers.
 *
 * A second baseline sends arrays of 256 numbers per message (what a careful
 * hand-written pipeline does; it has no backpressure either). weft batches
 * the values posted in one event-loop turn into one message. No target is set
 * by the issue; the ratios show what capacity accounting, ordering and
 * backpressure cost over a bare port.
 */
import { MessageChannel, Worker, isMainThread, type MessagePort } from 'node:worker_threads';
import { Runtime } from 'weft';
import { mpsc } from 'weft/sync';
import { defineTask, spawnWorker } from 'weft/worker';
import {
  header,
  isMain,
  measureInterleaved,
  pick,
  printTable,
  ratioRow,
  textRow,
  type Row,
  type Stats,
} from './lib.js';

const N = pick(100_000, 10_000);
const CAPACITY = 256;

export const produceN = defineTask(import.meta.url, 'produceN', async (tx: mpsc.Sender<number>, n: number) => {
  for (let i = 0; i < n; i++) await tx.send(i);
});

export const sumAll = defineTask(import.meta.url, 'sumAll', async (rx: mpsc.Receiver<number>) => {
  let sum = 0;
  const batch: number[] = [];
  while ((await rx.recvMany(batch, 256)) > 0) {
    for (const v of batch) sum += v;
    batch.length = 0;
  }
  return sum;
});

/** A bare worker: posts `n` numbers on a port, or sums `n` numbers from one. */
const RAW_WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ cmd, port, n, batch }) => {
  if (cmd === 'produce') {
    if (batch > 1) {
      for (let i = 0; i < n; i += batch) {
        const chunk = [];
        for (let j = i; j < Math.min(n, i + batch); j++) chunk.push(j);
        port.postMessage(chunk);
      }
    } else for (let i = 0; i < n; i++) port.postMessage(i);
    port.close();
  } else {
    let sum = 0, seen = 0;
    port.on('message', (v) => {
      if (Array.isArray(v)) { for (const x of v) sum += x; seen += v.length; }
      else { sum += v; seen++; }
      if (seen === n) { port.postMessage(sum); port.close(); }
    });
  }
});`;

/** Raw: the worker posts n numbers, one per message or in arrays of `batch`; resolves when all arrived. */
function rawProduce(worker: Worker, n: number, batch: number): Promise<void> {
  const { port1, port2 } = new MessageChannel();
  let seen = 0;
  return new Promise((resolve) => {
    port1.on('message', (v: number | number[]) => {
      seen += Array.isArray(v) ? v.length : 1;
      if (seen === n) {
        port1.close();
        resolve();
      }
    });
    worker.postMessage({ cmd: 'produce', port: port2, n, batch }, [port2 as MessagePort]);
  });
}

/** Raw: this thread posts n numbers (one per message or in arrays of `batch`); the worker answers their sum. */
function rawConsume(worker: Worker, n: number, batch: number): Promise<number> {
  const { port1, port2 } = new MessageChannel();
  return new Promise((resolve) => {
    port1.once('message', (sum: number) => {
      port1.close();
      resolve(sum);
    });
    worker.postMessage({ cmd: 'consume', port: port2, n }, [port2 as MessagePort]);
    if (batch > 1) {
      for (let i = 0; i < n; i += batch) {
        const chunk: number[] = [];
        for (let j = i; j < Math.min(n, i + batch); j++) chunk.push(j);
        port1.postMessage(chunk);
      }
    } else for (let i = 0; i < n; i++) port1.postMessage(i);
  });
}

export async function runWorkerChannels(): Promise<Row[]> {
  const rt = Runtime.builder().multiThread().workerThreads(1).build();
  const raw = new Worker(RAW_WORKER, { eval: true });
  const expected = (N * (N - 1)) / 2;
  try {
    return await rt.run(async () => {
      const weftOut = async (): Promise<void> => {
        const [tx, rx] = mpsc.channel<number>(CAPACITY);
        const h = spawnWorker(produceN, tx, N);
        const batch: number[] = [];
        let got = 0;
        for (let n; (n = await rx.recvMany(batch, 256)) > 0; batch.length = 0) got += n;
        await h;
        if (got !== N) throw new Error(`received ${got} of ${N}`);
      };
      const weftIn = async (): Promise<void> => {
        const [tx, rx] = mpsc.channel<number>(CAPACITY);
        const h = spawnWorker(sumAll, rx);
        for (let i = 0; i < N; i++) await tx.send(i);
        tx.close();
        if ((await h) !== expected) throw new Error('wrong sum');
      };
      const checkSum = async (batch: number): Promise<void> => {
        if ((await rawConsume(raw, N, batch)) !== expected) throw new Error('wrong sum');
      };
      const [wOut, rOut, bOut, wIn, rIn, bIn] = await measureInterleaved(
        [
          { name: 'weft worker→main', fn: weftOut },
          { name: 'raw port worker→main', fn: () => rawProduce(raw, N, 1) },
          { name: 'raw port worker→main, batched', fn: () => rawProduce(raw, N, CAPACITY) },
          { name: 'weft main→worker', fn: weftIn },
          { name: 'raw port main→worker', fn: () => checkSum(1) },
          { name: 'raw port main→worker, batched', fn: () => checkSum(CAPACITY) },
        ],
        { warmup: pick(3, 1), samples: pick(9, 3), per: N, unit: 'ns' },
      );
      const perSec = (s: Stats): string => `${(1e9 / s.median / 1e6).toFixed(2)}M/s`;
      const n = N.toLocaleString('en-US');
      return [
        ratioRow(`worker→main, ${n} values, capacity ${CAPACITY} vs a message per value (ns/value)`, wOut!, rOut!),
        ratioRow(`worker→main vs arrays of ${CAPACITY} per message (ns/value)`, wOut!, bOut!),
        ratioRow(`main→worker, ${n} values, capacity ${CAPACITY} vs a message per value (ns/value)`, wIn!, rIn!),
        ratioRow(`main→worker vs arrays of ${CAPACITY} per message (ns/value)`, wIn!, bIn!),
        textRow(
          'values/s: weft — raw per value, raw batched (worker→main; main→worker)',
          `${perSec(wOut!)}; ${perSec(wIn!)}`,
          `${perSec(rOut!)}, ${perSec(bOut!)}; ${perSec(rIn!)}, ${perSec(bIn!)}`,
        ),
      ];
    });
  } finally {
    await raw.terminate();
    await rt.shutdown();
  }
}

if (isMainThread && isMain(import.meta.url)) {
  header('mpsc channels across threads', 'values through a bounded channel vs a raw MessagePort, 2 threads');
  printTable(await runWorkerChannels());
}
