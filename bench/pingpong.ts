/**
 * Ping-pong: two parties exchange a value over two capacity-1 channels,
 * 100,000 round trips (200,000 hand-offs).
 *
 *   node --conditions=weft-source --import tsx bench/pingpong.ts [--quick]
 *
 * Contenders, measured interleaved in one process:
 * - weft: two `mpsc.channel(1)`, the two parties as weft tasks (`spawn`);
 * - weft (no task): the same channels used from two plain async functions,
 *   showing what the task context (AsyncLocalStorage) costs on this Node;
 * - raw: a minimal promise hand-off (a one-slot mailbox: `recv` returns a new
 *   promise that the next `send` resolves), two plain async functions;
 * - raw, awaited send: the same mailbox with the channel's shape, where each
 *   `send` returns a resolved promise that is awaited (as `await tx.send(v)`
 *   must be): shown for information, the target is against plain raw;
 * - Effect: two `Queue.bounded(1)`, the second party a forked fiber;
 * - Effection: two `createChannel()` with subscriptions, the second party a
 *   spawned operation.
 *
 * Targets (issue 3): weft at most 2x the raw hand-off; at least 3x faster than
 * Effect and than Effection.
 */
import { Effect, Fiber, Queue } from 'effect';
import { createChannel, run as effectionRun, spawn as effectionSpawn } from 'effection';
import { spawn } from 'weft';
import { mpsc } from 'weft/sync';
import { header, isMain, measureInterleaved, pick, printTable, ratioRow, type Row } from './lib.js';

export const ROUND_TRIPS = 100_000;

/** A one-slot mailbox built from bare promises: the least a hand-off can cost. */
class RawMailbox<T> {
  #value: T | undefined = undefined;
  #full = false;
  #waiter: ((value: T) => void) | undefined = undefined;

  send(value: T): void {
    const w = this.#waiter;
    if (w !== undefined) {
      this.#waiter = undefined;
      w(value);
    } else {
      this.#value = value;
      this.#full = true;
    }
  }

  recv(): Promise<T> {
    if (this.#full) {
      this.#full = false;
      return Promise.resolve(this.#value as T);
    }
    return new Promise<T>((resolve) => (this.#waiter = resolve));
  }
}

const DONE: Promise<void> = Promise.resolve();

/** The raw mailbox with the channel's call shape: `send` returns a promise that is awaited. */
export async function rawAwaitedPingPong(n: number): Promise<number> {
  const ping = new RawMailbox<number>();
  const pong = new RawMailbox<number>();
  const send = (box: RawMailbox<number>, v: number): Promise<void> => {
    box.send(v);
    return DONE;
  };
  const ponger = (async () => {
    for (let i = 0; i < n; i++) await send(pong, (await ping.recv()) + 1);
  })();
  let sum = 0;
  for (let i = 0; i < n; i++) {
    await send(ping, i);
    sum += await pong.recv();
  }
  await ponger;
  return sum;
}

export async function rawPingPong(n: number): Promise<number> {
  const ping = new RawMailbox<number>();
  const pong = new RawMailbox<number>();
  const ponger = (async () => {
    for (let i = 0; i < n; i++) pong.send((await ping.recv()) + 1);
  })();
  let sum = 0;
  for (let i = 0; i < n; i++) {
    ping.send(i);
    sum += await pong.recv();
  }
  await ponger;
  return sum;
}

async function weftPinger(n: number, tx: mpsc.Sender<number>, rx: mpsc.Receiver<number>): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    await tx.send(i);
    sum += (await rx.recv())!;
  }
  return sum;
}

async function weftPonger(n: number, rx: mpsc.Receiver<number>, tx: mpsc.Sender<number>): Promise<void> {
  for (let i = 0; i < n; i++) await tx.send((await rx.recv())! + 1);
}

/** Both parties as weft tasks. */
export async function weftPingPong(n: number): Promise<number> {
  const [pingTx, pingRx] = mpsc.channel<number>(1);
  const [pongTx, pongRx] = mpsc.channel<number>(1);
  const ponger = spawn(() => weftPonger(n, pingRx, pongTx));
  const sum = await spawn(() => weftPinger(n, pingTx, pongRx));
  await ponger;
  return sum;
}

/** The same channels from plain async functions (no weft task around them). */
export async function weftPingPongNoTask(n: number): Promise<number> {
  const [pingTx, pingRx] = mpsc.channel<number>(1);
  const [pongTx, pongRx] = mpsc.channel<number>(1);
  const ponger = weftPonger(n, pingRx, pongTx);
  const sum = await weftPinger(n, pingTx, pongRx);
  await ponger;
  return sum;
}

export function effectPingPong(n: number): Promise<number> {
  return Effect.runPromise(
    Effect.gen(function* () {
      const ping = yield* Queue.bounded<number>(1);
      const pong = yield* Queue.bounded<number>(1);
      const ponger = yield* Effect.fork(
        Effect.gen(function* () {
          for (let i = 0; i < n; i++) yield* Queue.offer(pong, (yield* Queue.take(ping)) + 1);
        }),
      );
      let sum = 0;
      for (let i = 0; i < n; i++) {
        yield* Queue.offer(ping, i);
        sum += yield* Queue.take(pong);
      }
      yield* Fiber.join(ponger);
      return sum;
    }),
  );
}

export function effectionPingPong(n: number): Promise<number> {
  return effectionRun(function* () {
    const ping = createChannel<number>();
    const pong = createChannel<number>();
    const pingSub = yield* ping;
    const pongSub = yield* pong;
    const ponger = yield* effectionSpawn(function* () {
      for (let i = 0; i < n; i++) {
        const next = yield* pingSub.next();
        yield* pong.send((next.value as number) + 1);
      }
    });
    let sum = 0;
    for (let i = 0; i < n; i++) {
      yield* ping.send(i);
      sum += (yield* pongSub.next()).value as number;
    }
    yield* ponger;
    return sum;
  });
}

export async function pingpongRows(): Promise<Row[]> {
  const n = pick(ROUND_TRIPS, 20_000);
  const expected = (n * (n - 1)) / 2 + n;
  const check = (fn: (n: number) => Promise<number>) => async (): Promise<void> => {
    const sum = await fn(n);
    if (sum !== expected) throw new Error(`ping-pong returned ${sum}, expected ${expected}`);
  };
  const [weft, weftNoTask, raw, rawAwaited, effect, effection] = await measureInterleaved(
    [
      { name: 'weft', fn: check(weftPingPong) },
      { name: 'weft (no task)', fn: check(weftPingPongNoTask) },
      { name: 'raw', fn: check(rawPingPong) },
      { name: 'raw, awaited send', fn: check(rawAwaitedPingPong) },
      { name: 'effect', fn: check(effectPingPong) },
      { name: 'effection', fn: check(effectionPingPong) },
    ],
    { warmup: pick(3, 1), samples: pick(9, 3), per: n / 1000, unit: 'ms' },
  );
  const label = `${n.toLocaleString('en-US')} round trips, ms per 1,000`;
  return [
    ratioRow(`ping-pong mpsc.channel(1), tasks vs raw hand-off (${label})`, weft!, raw!, { max: 2 }),
    ratioRow(`ping-pong mpsc.channel(1), no task vs raw hand-off`, weftNoTask!, raw!, { max: 2 }),
    ratioRow(`ping-pong mpsc.channel(1), tasks vs raw with awaited send (same call shape)`, weft!, rawAwaited!),
    ratioRow(`Effect Queue.bounded(1) is Nx slower than weft`, weft!, effect!, { min: 3 }, { invert: true }),
    ratioRow(`Effection channel is Nx slower than weft`, weft!, effection!, { min: 3 }, { invert: true }),
  ];
}

if (isMain(import.meta.url)) {
  header('ping-pong over two capacity-1 channels');
  printTable(await pingpongRows());
}
