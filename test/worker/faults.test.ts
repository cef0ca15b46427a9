import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JoinError, Runtime, type JoinHandle } from 'weft';
import { WorkerCrashedError, spawnBlocking, spawnWorker, threadResourceLimits, workerMetrics } from 'weft/worker';
import { existingHub } from '../../src/worker/hub.js';
import * as tasks from '../fixtures/worker-tasks.js';
import { eventually, failure, using } from './helpers.js';

const sleepReal = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles every handle; returns the values and the crash errors (anything else fails the test). */
async function outcomes<T>(handles: JoinHandle<T>[]): Promise<{ values: T[]; crashes: WorkerCrashedError[] }> {
  const values: T[] = [];
  const crashes: WorkerCrashedError[] = [];
  for (const r of await Promise.allSettled(handles)) {
    if (r.status === 'fulfilled') {
      values.push(r.value);
      continue;
    }
    const err: unknown = r.reason;
    assert.ok(err instanceof JoinError && err.isFailed(), `unexpected ${String(err)}`);
    assert.ok(err.cause instanceof WorkerCrashedError, `unexpected cause ${String(err.cause)}`);
    crashes.push(err.cause);
  }
  return { values, crashes };
}

test('a worker that exits settles every task it held with WorkerCrashedError naming the task; a replacement starts', async () => {
  await using(Runtime.builder().multiThread().workerThreads(1).build(), async (rt) => {
    await rt.run(async () => {
      await spawnWorker(tasks.add, 0, 0); // started
      const sleepers = outcomes(Array.from({ length: 10 }, (_, i) => spawnWorker(tasks.slowAdd, i, 0, 300)));
      await sleepReal(50);
      const exit = spawnWorker(tasks.exitThread, 7);
      const err = await failure(exit);
      assert.ok(err instanceof WorkerCrashedError);
      assert.equal(err.taskName, 'exitThread');
      assert.equal(err.exitCode, 7);
      const { values, crashes } = await sleepers;
      assert.equal(values.length, 0);
      assert.equal(crashes.length, 10, 'the dead worker held every sleeper');
      for (const c of crashes) assert.equal(c.taskName, 'slowAdd');
      await eventually(() => workerMetrics(rt).workers.every((w) => w.alive), 10_000, 'the replacement');
      assert.equal(
        workerMetrics(rt).workers.reduce((s, w) => s + w.restarts, 0),
        1,
      );
      assert.equal(await spawnWorker(tasks.add, 2, 3), 5);
    });
  });
});

test('tasks queued for a worker that is terminated run on the other worker and the replacement', async () => {
  await using(Runtime.builder().multiThread().workerThreads(2).build(), async (rt) => {
    await rt.run(async () => {
      await Promise.all([spawnWorker(tasks.add, 0, 0), spawnWorker(tasks.add, 0, 0)]);
      const busy = outcomes([spawnWorker(tasks.spin, 1500), spawnWorker(tasks.spin, 1500)]);
      // Each worker has claimed its spin (on a loaded machine a wake-up can take a while).
      await eventually(() => workerMetrics(rt).workers.every((w) => w.running === 1), 5000, 'both workers spinning');
      const queued = Array.from({ length: 20 }, (_, i) => spawnWorker(tasks.add, i, 1));
      // Both workers are busy spinning: the calls wait in their queues. Kill one that holds some.
      let victim = -1;
      await eventually(
        () => {
          victim = workerMetrics(rt).workers.findIndex((w) => w.queueDepth > 0);
          return victim >= 0;
        },
        5000,
        'a worker with queued tasks',
      );
      void existingHub(rt)!.workerPool!.threadAt(victim)!.terminate();
      const { values } = await outcomes(queued);
      assert.deepEqual(
        values,
        Array.from({ length: 20 }, (_, i) => i + 1),
        'no queued task was lost',
      );
      const spins = await busy;
      assert.equal(spins.crashes.length, 1);
      assert.equal(spins.crashes[0]!.taskName, 'spin');
    });
  });
});

test('an uncaught exception on a worker crashes it; the error is the cause', async () => {
  await using(Runtime.builder().multiThread().workerThreads(1).build(), async (rt) => {
    await rt.run(async () => {
      const err = await failure(spawnWorker(tasks.throwUncaught));
      assert.ok(err instanceof WorkerCrashedError);
      assert.equal((err.cause as Error).message, 'uncaught on the worker');
      assert.equal(await spawnWorker(tasks.add, 1, 1), 2);
    });
  });
});

test('running out of memory under resourceLimits crashes the thread, worker or blocking', async () => {
  await using(Runtime.builder().multiThread().workerThreads(1).maxBlockingThreads(1).build(), async (rt) => {
    threadResourceLimits(rt, { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 });
    await rt.run(async () => {
      const onWorker = await failure(spawnWorker(tasks.allocateForever));
      assert.ok(onWorker instanceof WorkerCrashedError);
      assert.equal((onWorker.cause as { code?: string }).code, 'ERR_WORKER_OUT_OF_MEMORY');
      const onBlocking = await failure(spawnBlocking(tasks.allocateForever));
      assert.ok(onBlocking instanceof WorkerCrashedError);
      assert.equal(await spawnWorker(tasks.add, 1, 2), 3);
    });
  });
});
