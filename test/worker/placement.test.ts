import '../helpers/guard.js';
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime } from 'weft';
import { mpsc, oneshot } from 'weft/sync';
import { spawnWorker, transfer, workersReady } from 'weft/worker';
import * as pl from '../fixtures/worker-placement.js';
import { eventually, noThreadsLeft } from './helpers.js';
import { linkStats } from '../../src/worker/channels/remote-link.js';

/** CPU time of each call: long enough that thread start-up and messaging are noise beside it. */
const BURN_MS = 250;

/**
 * Runs the same two CPU-bound calls one after the other (`one()` twice), then
 * together in one turn (`pair()`): together they must report two different
 * threads every time, and take under 0.6x the serial time. Other processes
 * share this machine's cores, so the timing gets up to three rounds (serial
 * and parallel measured side by side in each); the thread check gets none.
 */
async function assertParallel(one: () => Promise<number>, pair: () => Promise<number[]>): Promise<void> {
  await workersReady();
  await Promise.all([one(), one()]); // each worker has imported the fixture module: the timing below is the work alone
  const ratios: string[] = [];
  for (let round = 0; round < 3; round++) {
    let t = performance.now();
    await one();
    await one();
    const serial = performance.now() - t;
    t = performance.now();
    const ids = await pair();
    const parallel = performance.now() - t;
    assert.equal(new Set(ids).size, 2, `both calls ran on thread ${ids[0]}: placement serialized them`);
    if (parallel < serial * 0.6) return;
    ratios.push(`${parallel.toFixed(0)} ms against ${serial.toFixed(0)} ms serial`);
  }
  assert.fail(`two calls in parallel never took under 0.6x the serial time: ${ratios.join('; ')}`);
}

describe('calls whose arguments travel by message are spread over the workers', () => {
  const rt = Runtime.builder().multiThread().workerThreads(2).threadName('place').build();
  before(async () => {
    // Both fixture-module imports happen per thread on first use; start the threads now.
    await rt.run(() => workersReady());
  });
  // A channel end moved to a worker closes its link shortly after the call settles.
  afterEach(async () => {
    await eventually(() => linkStats.open === 0, 5000, 'every channel link on the main thread to close');
  });
  after(async () => {
    await rt.shutdown();
    await noThreadsLeft();
  });

  test('two CPU-bound calls with a SharedArrayBuffer argument run on two threads in parallel', async () => {
    await rt.run(async () => {
      const sab = (): Int32Array => new Int32Array(new SharedArrayBuffer(64));
      await assertParallel(
        () => spawnWorker(pl.burnWith, sab(), BURN_MS),
        () => Promise.all([spawnWorker(pl.burnWith, sab(), BURN_MS), spawnWorker(pl.burnWith, sab(), BURN_MS)]),
      );
    });
  });

  test('two CPU-bound calls with a transfer()ed buffer run on two threads in parallel', async () => {
    await rt.run(async () => {
      const moved = (): Uint8Array => {
        const bytes = new Uint8Array(1024);
        return transfer(bytes, [bytes.buffer]);
      };
      await assertParallel(
        () => spawnWorker(pl.burnWith, moved(), BURN_MS),
        () => Promise.all([spawnWorker(pl.burnWith, moved(), BURN_MS), spawnWorker(pl.burnWith, moved(), BURN_MS)]),
      );
    });
  });

  test('two CPU-bound CSP stages each given an mpsc receiver run on two threads in parallel', async () => {
    await rt.run(async () => {
      const stage = (): Promise<number> => {
        const [tx, rx] = mpsc.channel<number>(1);
        tx.trySend(1);
        tx.close();
        return spawnWorker(pl.burnStage, rx, BURN_MS);
      };
      await assertParallel(stage, () => Promise.all([stage(), stage()]));
    });
  });

  test('two CPU-bound calls each given a oneshot sender run on two threads in parallel', async () => {
    await rt.run(async () => {
      const call = async (): Promise<number> => {
        const [tx, rx] = oneshot<number>();
        const [id, answer] = await Promise.all([spawnWorker(pl.burnReply, tx, BURN_MS), rx]);
        assert.equal(answer, id);
        return id;
      };
      await assertParallel(call, () => Promise.all([call(), call()]));
    });
  });

  test('two CPU-bound calls with payloads over 1 MiB run on two threads in parallel', async () => {
    await rt.run(async () => {
      const big = 'x'.repeat(1.5 * 1024 * 1024);
      await assertParallel(
        () => spawnWorker(pl.burnWith, big, BURN_MS),
        () => Promise.all([spawnWorker(pl.burnWith, big, BURN_MS), spawnWorker(pl.burnWith, big, BURN_MS)]),
      );
    });
  });
});
