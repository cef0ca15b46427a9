/**
 * broadcast fan-out: 1 sender, 100 receivers, 100,000 values.
 *
 *   node --conditions=weft-source --import tsx bench/broadcast.ts [--quick]
 *
 * The sender task sends in bursts of 256 and yields to the event loop
 * between bursts (`yieldNow()`), as long as the slowest receiver is more than
 * `capacity - 256` values behind (so nobody lags; lags would be counted and
 * shown); each receiver is a weft task looping on `recv()` until the channel
 * closes. The ring holds 1,024 values.
 *
 * Baseline, measured in the same run: the same shape over 100 bare-promise
 * mailboxes (the sender pushes each value into every mailbox; each consumer
 * is an async function awaiting its mailbox): what a fan-out costs with no
 * channel at all. Figures: values sent per second (each to 100 receivers).
 */
import { spawn, yieldNow } from 'weft';
import { broadcast, LaggedError } from 'weft/sync';
import { fmt, header, isMain, measureInterleaved, pick, printTable, ratioRow, textRow, type Row } from './lib.js';

export const VALUES = 100_000;
export const RECEIVERS = 100;
export const CAPACITY = 1024;
const BURST = 256;

let lags = 0;

function backlog(rxs: readonly { length: number }[]): number {
  let max = 0;
  for (const rx of rxs) if (rx.length > max) max = rx.length;
  return max;
}

export async function weftBroadcast(values: number, receivers = RECEIVERS): Promise<void> {
  const [tx, first] = broadcast<number>(CAPACITY);
  const rxs = [first, ...Array.from({ length: receivers - 1 }, () => tx.subscribe())];
  const readers = rxs.map((rx) =>
    spawn(async () => {
      let n = 0;
      for (;;) {
        try {
          if ((await rx.recv()) === undefined) return n;
          n++;
        } catch (e) {
          if (!(e instanceof LaggedError)) throw e;
          lags++;
        }
      }
    }),
  );
  await spawn(async () => {
    for (let i = 0; i < values; i++) {
      tx.send(i);
      if (i % BURST === BURST - 1) {
        do await yieldNow();
        while (backlog(rxs) > CAPACITY - BURST);
      }
    }
    tx.close();
  });
  for (const r of readers) {
    const n = await r;
    if (n > values) throw new Error(`a receiver got ${n} of ${values} values`);
  }
}

/** A bare-promise unbounded mailbox (the baseline's per-consumer queue). */
class Mailbox {
  #items: (number | undefined)[] = [];
  #head = 0;
  #waiter: ((v: number | undefined) => void) | undefined = undefined;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(v: number | undefined): void {
    const w = this.#waiter;
    if (w !== undefined) {
      this.#waiter = undefined;
      w(v);
    } else this.#items.push(v);
  }

  take(): Promise<number | undefined> {
    if (this.#head < this.#items.length) {
      const v = this.#items[this.#head++];
      if (this.#head === this.#items.length) {
        this.#items.length = 0;
        this.#head = 0;
      }
      return Promise.resolve(v);
    }
    return new Promise((resolve) => (this.#waiter = resolve));
  }
}

export async function rawFanOut(values: number, receivers = RECEIVERS): Promise<void> {
  const boxes = Array.from({ length: receivers }, () => new Mailbox());
  const readers = boxes.map(async (box) => {
    let n = 0;
    while ((await box.take()) !== undefined) n++;
    return n;
  });
  for (let i = 0; i < values; i++) {
    for (const box of boxes) box.push(i);
    if (i % BURST === BURST - 1) {
      do await new Promise((resolve) => setImmediate(resolve));
      while (backlog(boxes) > CAPACITY - BURST);
    }
  }
  for (const box of boxes) box.push(undefined);
  for (const n of await Promise.all(readers)) if (n !== values) throw new Error(`a consumer got ${n} of ${values}`);
}

export async function broadcastRows(): Promise<Row[]> {
  const n = pick(VALUES, 20_000);
  lags = 0;
  const [weft, raw] = await measureInterleaved(
    [
      { name: 'weft broadcast', fn: () => weftBroadcast(n) },
      { name: 'raw fan-out', fn: () => rawFanOut(n) },
    ],
    { warmup: pick(2, 1), samples: pick(7, 3), unit: 'ms' },
  );
  const rate = (ms: number): number => n / (ms / 1000);
  return [
    ratioRow(
      `broadcast(${CAPACITY}): 1 sender, ${RECEIVERS} receivers, ${fmt(n)} values, values sent/s (vs raw fan-out)`,
      rate(weft!.median),
      rate(raw!.median),
      undefined,
      { unit: 'values/s' },
    ),
    textRow(
      '  deliveries/s (values x receivers)',
      `${fmt(rate(weft!.median) * RECEIVERS)}/s`,
      `${fmt(rate(raw!.median) * RECEIVERS)}/s`,
    ),
    textRow('  lagged receives during the weft runs', String(lags)),
  ];
}

if (isMain(import.meta.url)) {
  header('broadcast fan-out');
  printTable(await broadcastRows());
}
