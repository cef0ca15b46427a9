/**
 * mpsc throughput: 1,000,000 numbers through `mpsc.channel(1024)`, one
 * producer task (`await tx.send(i)`), one consumer task, receiving with
 * `recvMany(buf, 1024)` and with plain `recv()`.
 *
 *   node --conditions=weft-source --import tsx bench/mpsc-throughput.ts [--quick]
 *
 * Baseline, measured in the same run: the same producer/consumer over a
 * minimal single-producer single-consumer bounded queue built from a ring
 * array and bare promises (no cancellation, no fairness, no budget): what
 * the hand-off itself costs in this Node. Figures are messages per second.
 *
 * Target (issue 3): at least 10 million messages/s with `recvMany` on Node 24.
 */
import { spawn } from 'weft';
import { mpsc } from 'weft/sync';
import { NODE_MAJOR, fmt, header, isMain, measureInterleaved, pick, printTable, ratioRow, type Row } from './lib.js';

export const MESSAGES = 1_000_000;
export const CAPACITY = 1024;

/** The bare-promise SPSC bounded queue used as the baseline. */
class RawBounded {
  readonly #buf: number[];
  readonly #mask: number;
  #head = 0;
  #len = 0;
  #closed = false;
  #recvWaiter: (() => void) | undefined = undefined;
  #sendWaiter: (() => void) | undefined = undefined;

  constructor(capacity: number) {
    this.#buf = new Array<number>(capacity).fill(0);
    this.#mask = capacity - 1; // capacity is a power of two here
  }

  async send(v: number): Promise<void> {
    while (this.#len === this.#buf.length) await new Promise<void>((r) => (this.#sendWaiter = r));
    this.#buf[(this.#head + this.#len) & this.#mask] = v;
    this.#len++;
    const w = this.#recvWaiter;
    if (w !== undefined) {
      this.#recvWaiter = undefined;
      w();
    }
  }

  close(): void {
    this.#closed = true;
    this.#recvWaiter?.();
  }

  async recvMany(into: number[], limit: number): Promise<number> {
    while (this.#len === 0) {
      if (this.#closed) return 0;
      await new Promise<void>((r) => (this.#recvWaiter = r));
    }
    const n = Math.min(limit, this.#len);
    for (let i = 0; i < n; i++) into.push(this.#buf[(this.#head + i) & this.#mask]!);
    this.#head = (this.#head + n) & this.#mask;
    this.#len -= n;
    const w = this.#sendWaiter;
    if (w !== undefined) {
      this.#sendWaiter = undefined;
      w();
    }
    return n;
  }

  async recv(): Promise<number | undefined> {
    const into: number[] = [];
    return (await this.recvMany(into, 1)) === 0 ? undefined : into[0];
  }
}

function expectSum(n: number, sum: number): void {
  const expected = (n * (n - 1)) / 2;
  if (sum !== expected) throw new Error(`received sum ${sum}, expected ${expected}`);
}

export async function weftRecvMany(n: number): Promise<void> {
  const [tx, rx] = mpsc.channel<number>(CAPACITY);
  const producer = spawn(async () => {
    for (let i = 0; i < n; i++) await tx.send(i);
    tx.close();
  });
  const sum = await spawn(async () => {
    const buf: number[] = [];
    let s = 0;
    while ((await rx.recvMany(buf, CAPACITY)) > 0) {
      for (let i = 0; i < buf.length; i++) s += buf[i]!;
      buf.length = 0;
    }
    return s;
  });
  await producer;
  expectSum(n, sum);
}

export async function weftRecv(n: number): Promise<void> {
  const [tx, rx] = mpsc.channel<number>(CAPACITY);
  const producer = spawn(async () => {
    for (let i = 0; i < n; i++) await tx.send(i);
    tx.close();
  });
  const sum = await spawn(async () => {
    let s = 0;
    for (let v = await rx.recv(); v !== undefined; v = await rx.recv()) s += v;
    return s;
  });
  await producer;
  expectSum(n, sum);
}

export async function rawRecvMany(n: number): Promise<void> {
  const q = new RawBounded(CAPACITY);
  const producer = (async () => {
    for (let i = 0; i < n; i++) await q.send(i);
    q.close();
  })();
  const buf: number[] = [];
  let sum = 0;
  while ((await q.recvMany(buf, CAPACITY)) > 0) {
    for (let i = 0; i < buf.length; i++) sum += buf[i]!;
    buf.length = 0;
  }
  await producer;
  expectSum(n, sum);
}

export async function rawRecv(n: number): Promise<void> {
  const q = new RawBounded(CAPACITY);
  const producer = (async () => {
    for (let i = 0; i < n; i++) await q.send(i);
    q.close();
  })();
  let sum = 0;
  for (let v = await q.recv(); v !== undefined; v = await q.recv()) sum += v;
  await producer;
  expectSum(n, sum);
}

export async function throughputRows(): Promise<Row[]> {
  const n = pick(MESSAGES, 200_000);
  const [many, one, rawMany, rawOne] = await measureInterleaved(
    [
      { name: 'weft recvMany', fn: () => weftRecvMany(n) },
      { name: 'weft recv', fn: () => weftRecv(n) },
      { name: 'raw recvMany', fn: () => rawRecvMany(n) },
      { name: 'raw recv', fn: () => rawRecv(n) },
    ],
    { warmup: pick(2, 1), samples: pick(7, 3), unit: 'ms' },
  );
  const rate = (ms: number): number => n / (ms / 1000);
  const label = `${fmt(n)} msgs, channel(${CAPACITY}), msg/s`;
  const target =
    NODE_MAJOR >= 24 ? { min: 10_000_000, on: 'value' as const, label: '≥10M msg/s (Node 24)' } : undefined;
  return [
    ratioRow(`recvMany: weft vs raw SPSC queue (${label})`, rate(many!.median), rate(rawMany!.median), target, {
      unit: 'msg/s',
    }),
    ratioRow(`recv: weft vs raw SPSC queue`, rate(one!.median), rate(rawOne!.median), undefined, { unit: 'msg/s' }),
  ];
}

if (isMain(import.meta.url)) {
  header('mpsc throughput: one producer, one consumer');
  printTable(await throughputRows());
}
