import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime } from 'weft';
import { spawnWorker, workerMetrics, workersReady } from 'weft/worker';
import * as tasks from '../fixtures/worker-tasks.js';
import { whenImported } from '../fixtures/worker-preload.js';
import { using } from './helpers.js';

test('run() of a multi-thread runtime starts its worker threads before any call is made', async () => {
  await using(Runtime.builder().multiThread().workerThreads(2).threadName('boot').build(), async (rt) => {
    assert.equal(workerMetrics(rt).workers.length, 0, 'building a runtime starts no thread');
    await rt.run(async () => {
      const workers = workerMetrics().workers;
      assert.equal(workers.length, 2);
      assert.ok(
        workers.every((w) => w.alive),
        'both threads are booting as soon as run() starts',
      );
      await workersReady();
      assert.equal(workerMetrics().liveThreads, 2);
      assert.deepEqual(
        workerMetrics().workers.map((w) => w.tasksRun),
        [0, 0],
        'no call was needed to start them',
      );
      assert.equal(await spawnWorker(tasks.add, 2, 3), 5);
    });
  });
});

test('workersReady() resolves at once on a current-thread runtime and after shutdown, and starts no thread', async () => {
  const rt = Runtime.builder().currentThread().build();
  await rt.run(() => workersReady());
  const mt = Runtime.builder().multiThread().workerThreads(1).build();
  await mt.shutdown();
  await workersReady(mt);
  assert.equal(workerMetrics(mt).workers.length, 0);
  await rt.shutdown();
});

test('workersReady() on a runtime that has not run yet starts its threads and waits for them', async () => {
  await using(Runtime.builder().multiThread().workerThreads(2).build(), async (rt) => {
    await workersReady(rt);
    assert.equal(workerMetrics(rt).workers.filter((w) => w.alive).length, 2);
  });
});

test('booting workers import the task modules defined so far: workersReady() covers the import, not the first call', async () => {
  await using(Runtime.builder().multiThread().workerThreads(2).build(), async (rt) => {
    await rt.run(async () => {
      await workersReady();
      const readyAt = performance.timeOrigin + performance.now();
      const imported = await Promise.all(Array.from({ length: 8 }, () => spawnWorker(whenImported)));
      for (const at of imported)
        assert.ok(at < readyAt, 'the module was imported before the threads said they were ready');
    });
  });
});
