import '../helpers/guard.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { JoinError, Runtime, spawn } from 'weft';
import { RuntimeFlavorError, parMap, workerMetrics } from 'weft/worker';
import * as tasks from '../fixtures/worker-tasks.js';
import { noThreadsLeft, rejection } from './helpers.js';

test('parMap on a current-thread runtime throws RuntimeFlavorError; bad arguments throw at once', () => {
  assert.throws(() => void parMap([1], tasks.square), RuntimeFlavorError);
  assert.throws(() => void parMap(5 as never, tasks.square), TypeError);
  assert.throws(() => void parMap([1], {} as never), TypeError);
});

describe('parMap', () => {
  const rt = Runtime.builder().multiThread().workerThreads(2).build();
  after(async () => {
    await rt.shutdown();
    await noThreadsLeft();
  });

  test('maps in parallel and keeps input order, for any chunk size', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const expected = items.map((i) => i * i);
    await rt.run(async () => {
      for (const chunkSize of [undefined, 1, 7, 100, 1000, 5000]) {
        const out = await parMap(items, tasks.square, chunkSize === undefined ? undefined : { chunkSize });
        assert.deepEqual(out, expected, `chunkSize ${String(chunkSize)}`);
      }
      assert.deepEqual(await parMap([], tasks.square), []);
      assert.deepEqual(await parMap(new Set([3, 4]), tasks.square), [9, 16]);
      assert.throws(() => void parMap(items, tasks.square, { chunkSize: 0 }), RangeError);
      assert.throws(() => void parMap(items, tasks.square, { chunkSize: 1.5 }), RangeError);
    });
  });

  test('numbers and other values come back as they were: -0, NaN, mixed results and mixed items', async () => {
    await rt.run(async () => {
      const out = await parMap([0, 1, 2, 3, 4, 5, NaN], tasks.numberOrText, { chunkSize: 4 });
      assert.deepEqual(out, [-0, -1, '#2', -3, -4, '#5', NaN]);
      assert.ok(Object.is(out[0], -0));
      const mixed = await parMap([1, 'a', { b: 2 }, null], tasks.echo as never, { chunkSize: 2 });
      assert.deepEqual(mixed, [1, 'a', { b: 2 }, null]);
    });
  });

  test('awaits an async task item by item', async () => {
    const out = await rt.run(() => parMap([1, 2, 3, 4], tasks.slowSquare, { chunkSize: 3 }));
    assert.deepEqual(out, [1, 4, 9, 16]);
  });

  test('spreads chunks over every worker', async () => {
    const before = workerMetrics(rt).workers.map((w) => w.tasksRun);
    await rt.run(() =>
      parMap(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 1 : 20)),
        tasks.spin,
        { chunkSize: 1 },
      ),
    );
    const after = workerMetrics(rt).workers.map((w) => w.tasksRun);
    assert.ok(
      after.every((n, i) => n > before[i]!),
      'every worker ran chunks',
    );
  });

  test('the first failing chunk aborts the others and parMap rejects with what the task threw', async () => {
    const err = await rt.run(() =>
      rejection(
        parMap(
          Array.from({ length: 100 }, (_, i) => i),
          tasks.failOn,
          { chunkSize: 5 },
        ),
      ),
    );
    assert.ok(err instanceof Error);
    assert.equal(err.message, 'thirteen');
    assert.ok(!(err instanceof JoinError));
  });

  test('aborting the caller aborts every chunk, even one running a long synchronous map', async () => {
    await rt.run(async () => {
      const caller = spawn(() =>
        parMap(
          Array.from({ length: 8 }, () => 5),
          tasks.spin,
          { chunkSize: 1 },
        ),
      );
      const long = spawn(() => parMap([5000, 5000], tasks.cooperativeLoop, { chunkSize: 1 }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const t0 = Date.now();
      long.abort();
      const err = await rejection(long);
      assert.ok(err instanceof JoinError && err.isCancelled());
      assert.ok(Date.now() - t0 < 2000);
      assert.equal((await caller).length, 8);
    });
    assert.equal(
      workerMetrics(rt).workers.reduce((s, w) => s + w.running + w.queueDepth, 0),
      0,
    );
  });
});
