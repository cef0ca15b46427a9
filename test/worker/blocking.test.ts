import '../helpers/guard.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { JoinHandle, Runtime } from 'weft';
import {
  ABORT_GRACE_MS,
  BLOCKING_QUEUE_CAPACITY,
  BlockingQueueFullError,
  TaskNotFoundError,
  WorkerCrashedError,
  defineTask,
  spawnBlocking,
  transfer,
  workerMetrics,
} from 'weft/worker';
import * as tasks from '../fixtures/worker-tasks.js';
import { existingHub } from '../../src/worker/hub.js';
import { cancelled, eventually, failure, noThreadsLeft } from './helpers.js';

const fixtures = new URL('../fixtures/worker-tasks.ts', import.meta.url).href;
const missing = defineTask(fixtures, 'notDefinedThere', () => 0);
const broken = defineTask(new URL('../fixtures/worker-tasks-broken.ts', import.meta.url).href, 'any', () => 0);

describe('spawnBlocking', () => {
  const rt = Runtime.builder().maxBlockingThreads(2).threadName('blk').build();
  after(async () => {
    await rt.shutdown();
    await noThreadsLeft();
  });

  test('runs the task on another thread and returns a JoinHandle of the current runtime', async () => {
    const { handle, value } = await rt.run(async () => {
      const h = spawnBlocking(tasks.threadId);
      return { handle: h, value: await h };
    });
    assert.ok(handle instanceof JoinHandle);
    assert.equal(handle.name, 'threadId');
    assert.ok(value > 0, 'the call ran on a worker thread');
    assert.equal(await rt.run(() => spawnBlocking(tasks.add, 2, 3)), 5);
  });

  test('errors keep their class, message, stack, code and cause', async () => {
    const err = await rt.run(() => failure(spawnBlocking(tasks.fail, 'boom')));
    assert.ok(err instanceof TypeError);
    assert.equal(err.message, 'boom');
    assert.equal(err['code'], 'ERR_CUSTOM');
    assert.match(String(err.stack), /worker-tasks/);
    assert.ok(err.cause instanceof RangeError);
    assert.equal((err.cause as Error).message, 'inner cause');
    const custom = await rt.run(() => failure(spawnBlocking(tasks.failCustom)));
    assert.equal(custom.name, 'CustomError');
    assert.equal(custom.message, 'custom');
    assert.equal(custom['detail'], 42);
  });

  test('a task missing from its module, or a module that fails to load, fails the call', async () => {
    const notFound = await rt.run(() => failure(spawnBlocking(missing)));
    assert.ok(notFound instanceof TaskNotFoundError);
    assert.equal(notFound.code, 'ERR_TASK_NOT_FOUND');
    const loadError = await rt.run(() => failure(spawnBlocking(broken)));
    assert.equal(loadError.message, 'this module fails at load');
  });

  test('threads start on demand up to maxBlockingThreads; further calls queue', async () => {
    await rt.run(async () => {
      const handles = [0, 1, 2, 3].map(() => spawnBlocking(tasks.spin, 60));
      const m = rt.metrics();
      assert.equal(m.blockingThreads, 2);
      assert.equal(m.blockingQueueDepth, 2);
      assert.equal(m.idleBlockingThreads, 0);
      const ids = await Promise.all(handles);
      assert.ok(new Set(ids).size <= 2);
      assert.equal(rt.metrics().idleBlockingThreads, 2);
      assert.equal(rt.metrics().blockingQueueDepth, 0);
    });
  });

  test('moves transferred buffers, both ways', async () => {
    const bytes = new Uint8Array(4096);
    assert.equal(await rt.run(() => spawnBlocking(tasks.byteLength, transfer(bytes, [bytes.buffer]))), 4096);
    assert.equal(bytes.byteLength, 0, 'the buffer moved to the thread');
    const back = await rt.run(() => spawnBlocking(tasks.makeBuffer, 1 << 20));
    assert.ok(back instanceof Uint8Array);
    assert.equal(back.byteLength, 1 << 20);
    assert.equal(back[100], 7);
  });

  test('an argument that cannot be cloned throws synchronously; a result that cannot be cloned fails the call', async () => {
    await rt.run(async () => {
      assert.throws(() => spawnBlocking(tasks.echo, () => 1), TypeError);
      const err = await failure(spawnBlocking(tasks.returnsFunction));
      assert.ok(err instanceof TypeError);
    });
  });

  test('abort of a queued call removes it without running it', async () => {
    await rt.run(async () => {
      const busy = [spawnBlocking(tasks.spin, 150), spawnBlocking(tasks.spin, 150)];
      const queued = spawnBlocking(tasks.spin, 150);
      assert.equal(rt.metrics().blockingQueueDepth, 1);
      const runBefore = workerMetrics(rt).blocking.tasksRun;
      queued.abort();
      await cancelled(queued);
      assert.equal(rt.metrics().blockingQueueDepth, 0);
      await Promise.all(busy);
      assert.equal(workerMetrics(rt).blocking.tasksRun, runBefore + 2, 'the aborted call never ran');
    });
  });

  test('abort of a running async call fires its signal, runs its finally, and settles cancelled', async () => {
    await rt.run(async () => {
      const h = spawnBlocking(tasks.waitForAbort);
      await new Promise((resolve) => setTimeout(resolve, 100));
      h.abort();
      await cancelled(h);
    });
  });

  test('abort of a running synchronous loop is seen by throwIfCancelled() at once', async () => {
    await rt.run(async () => {
      const started = workerMetrics(rt).blocking.threadsStarted;
      const h = spawnBlocking(tasks.cooperativeLoop, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const t0 = Date.now();
      h.abort();
      await cancelled(h);
      assert.ok(Date.now() - t0 < ABORT_GRACE_MS / 2, 'settled well before the grace period');
      assert.equal(await spawnBlocking(tasks.add, 1, 1), 2);
      assert.equal(workerMetrics(rt).blocking.threadsStarted, started, 'the thread was kept');
    });
  });

  test('a running call that ignores the abort has its thread terminated after the grace period', async () => {
    await rt.run(async () => {
      const h = spawnBlocking(tasks.spin, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const t0 = Date.now();
      h.abort();
      await cancelled(h);
      const took = Date.now() - t0;
      assert.ok(took >= ABORT_GRACE_MS - 50 && took < ABORT_GRACE_MS + 2000, `settled after ${took} ms`);
      assert.equal(await spawnBlocking(tasks.add, 2, 2), 4, 'the pool carries on');
    });
  });

  test('a thread that exits settles its call with WorkerCrashedError naming the task', async () => {
    await rt.run(async () => {
      const err = await failure(spawnBlocking(tasks.exitThread, 3));
      assert.ok(err instanceof WorkerCrashedError);
      assert.equal(err.code, 'ERR_WORKER_CRASHED');
      assert.equal(err.taskName, 'exitThread');
      assert.equal(err.exitCode, 3);
      assert.match(err.threadName, /^blk-blocking-\d+$/);
      assert.equal(await spawnBlocking(tasks.add, 3, 3), 6);
    });
  });
});

describe('blocking pool life cycle', () => {
  test('idle threads retire after threadKeepAlive', async () => {
    const rt = Runtime.builder().maxBlockingThreads(3).threadKeepAlive(30).build();
    await rt.run(() => Promise.all([1, 2, 3].map(() => spawnBlocking(tasks.spin, 20))));
    await eventually(() => rt.metrics().blockingThreads === 0, 5000, 'idle threads to retire');
    await rt.shutdown();
    await noThreadsLeft();
  });

  test('a call handed over while idle threads retire never lands on a retiring thread', async () => {
    // maxBlockingThreads(3).threadKeepAlive(100): the shape that once lost a call to a thread
    // whose keep-alive ran out in the same turn. retireIdle() is what that timer does, run
    // here in the same synchronous step as the hand-off, so the interleaving is forced.
    const rt = Runtime.builder().maxBlockingThreads(3).threadKeepAlive(100).build();
    await rt.run(async () => {
      await Promise.all(Array.from({ length: 6 }, () => spawnBlocking(tasks.spin, 20)));
      const pool = existingHub(rt)!.blockingPool!;
      const started = workerMetrics().blocking.threadsStarted;
      assert.ok(rt.metrics().idleBlockingThreads >= 1, 'idle threads, waiting out their keep-alive');
      pool.retireIdle();
      assert.equal(rt.metrics().idleBlockingThreads, 0, 'a retiring thread is not idle');
      const sums = await Promise.all(Array.from({ length: 50 }, (_, i) => spawnBlocking(tasks.add, i, 1)));
      assert.deepEqual(
        sums,
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      assert.ok(workerMetrics().blocking.threadsStarted > started, 'the calls ran on fresh threads');
      // And one retiring while a call is queued behind a busy thread: the queue drains once it is gone.
      const busy = spawnBlocking(tasks.spin, 50);
      pool.retireIdle();
      assert.equal(await spawnBlocking(tasks.add, 2, 2), 4);
      await busy;
    });
    await rt.shutdown();
    await noThreadsLeft();
  });

  test('a full queue throws BlockingQueueFullError and queues nothing', async () => {
    const rt = Runtime.builder().maxBlockingThreads(1).build();
    await rt.run(async () => {
      const first = spawnBlocking(tasks.spin, 50);
      const queued: JoinHandle<number>[] = [];
      for (let i = 0; i < BLOCKING_QUEUE_CAPACITY; i++) queued.push(spawnBlocking(tasks.nothing));
      assert.equal(rt.metrics().blockingQueueDepth, BLOCKING_QUEUE_CAPACITY);
      assert.throws(
        () => spawnBlocking(tasks.nothing),
        (e: unknown) => {
          assert.ok(e instanceof BlockingQueueFullError);
          assert.equal(e.code, 'ERR_BLOCKING_QUEUE_FULL');
          assert.equal(e.capacity, BLOCKING_QUEUE_CAPACITY);
          return true;
        },
      );
      for (const h of queued) h.abort();
      await first;
      await Promise.allSettled(queued);
      assert.equal(rt.metrics().blockingQueueDepth, 0);
    });
    await rt.shutdown();
    await noThreadsLeft();
  });

  test('runtime.shutdown() cancels running and queued calls and leaves no thread alive', async () => {
    const rt = Runtime.builder().maxBlockingThreads(1).build();
    const [running, queued] = await rt.run(async () => {
      const a = spawnBlocking(tasks.waitForAbort);
      const b = spawnBlocking(tasks.add, 1, 2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      return [a, b];
    });
    // run() returned: both calls were aborted and awaited with it.
    await cancelled(running);
    await cancelled(queued);
    await rt.shutdown();
    assert.equal(rt.metrics().blockingThreads, 0);
    await noThreadsLeft();
  });

  test('shutdown with calls in flight settles them and stops the threads', async () => {
    const rt = Runtime.builder().maxBlockingThreads(2).build();
    const handles: JoinHandle<unknown>[] = [];
    void rt.spawn(() => {
      handles.push(spawnBlocking(tasks.waitForAbort), spawnBlocking(tasks.spin, 200), spawnBlocking(tasks.add, 1, 1));
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(handles.length, 3);
    await rt.shutdown();
    for (const h of handles) await cancelled(h);
    await noThreadsLeft();
  });
});

test('shutdown({ timeout }) stops a blocking thread stuck in synchronous code before the grace period', async () => {
  const rt = Runtime.builder().maxBlockingThreads(1).build();
  const handles: JoinHandle<unknown>[] = [];
  void rt.spawn(() => {
    handles.push(spawnBlocking(tasks.spin, 30_000));
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const t0 = Date.now();
  await rt.shutdown({ timeout: 100 });
  assert.ok(Date.now() - t0 < ABORT_GRACE_MS, 'the thread was stopped at the shutdown deadline');
  await cancelled(handles[0]!);
  await noThreadsLeft();
});
