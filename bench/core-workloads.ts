/**
 * The core workloads the cost benchmarks share (`observe.ts` in one process,
 * `ab-processes.ts` one tree per process), written against a `Lib` so the
 * same code drives whichever weft is loaded: spawn + join of 1,000 tasks, an
 * mpsc(1) ping-pong between two tasks, 50,000 values through an mpsc(128).
 * Each returns a checksum, so the work cannot be optimised away.
 */
import { pick } from './lib.js';

export type Root = typeof import('weft');
export type Sync = typeof import('weft/sync');
/** A weft to measure: this tree's, or another tree's loaded from its src/. */
export interface Lib {
  root: Root;
  sync: Sync;
}

export const SPAWN_N = 1000;
export const ROUND_TRIPS = pick(20_000, 5_000);
export const MPSC_N = pick(50_000, 10_000);

export async function spawnMany({ root }: Lib): Promise<number> {
  const hs = new Array<PromiseLike<number>>(SPAWN_N);
  for (let i = 0; i < SPAWN_N; i++) hs[i] = root.spawn(async () => i);
  let sum = 0;
  for (let i = 0; i < SPAWN_N; i++) sum += await hs[i]!;
  return sum;
}

export async function pingPong({ root, sync }: Lib): Promise<number> {
  const [pingTx, pingRx] = sync.mpsc.channel<number>(1);
  const [pongTx, pongRx] = sync.mpsc.channel<number>(1);
  const ponger = root.spawn(async () => {
    for (let i = 0; i < ROUND_TRIPS; i++) await pongTx.send((await pingRx.recv())! + 1);
  });
  const sum = await root.spawn(async () => {
    let s = 0;
    for (let i = 0; i < ROUND_TRIPS; i++) {
      await pingTx.send(i);
      s += (await pongRx.recv())!;
    }
    return s;
  });
  await ponger;
  return sum;
}

export async function mpscRecv({ root, sync }: Lib): Promise<number> {
  const [tx, rx] = sync.mpsc.channel<number>(128);
  const producer = root.spawn(async () => {
    for (let i = 0; i < MPSC_N; i++) await tx.send(i);
    tx.close();
  });
  const sum = await root.spawn(async () => {
    let s = 0;
    for (let v = await rx.recv(); v !== undefined; v = await rx.recv()) s += v;
    return s;
  });
  await producer;
  return sum;
}
