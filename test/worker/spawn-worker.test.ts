import '../helpers/guard.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { JoinHandle, Runtime } from 'weft';
import { RuntimeFlavorError, spawnWorker, transfer, workerMetrics } from 'weft/worker';
import * as tasks from '../fixtures/worker-tasks.js';
import { cancelled, failure, noThreadsLeft } from './helpers.js';

const sleepReal = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('spawnWorker on a current-thread runtime throws RuntimeFlavorError', async () => {
  const rt = Runtime.builder().currentThread().build();
  await rt.run(() => {
    assert.throws(
      () => spawnWorker(tasks.add, 1, 2),
      (e: unknown) => {
        assert.ok(e instanceof RuntimeFlavorError);
        assert.equal(e.code, 'ERR_NOT_MULTI_THREAD');
        return true;
      },
    );
  });
  assert.throws(() => spawnWorker(tasks.add, 1, 2), RuntimeFlavorError, 'the default runtime is current-thread');
  assert.throws(() => spawnWorker({} as never), TypeError);
  await rt.shutdown();
});

describe('spawnWorker on a multi-thread runtime', () => {
  const rt = Runtime.builder().multiThread().workerThreads(2).threadName('mt').build();
  after(async () => {
    await rt.shutdown();
    await noThreadsLeft();
  });

  test('runs the task on a worker thread and returns a JoinHandle of the runtime', async () => {
    await rt.run(async () => {
      const h = spawnWorker(tasks.add, 20, 22);
      assert.ok(h instanceof JoinHandle);
      assert.equal(h.name, 'add');
      assert.equal(await h, 42);
      assert.ok((await spawnWorker(tasks.threadId)) > 0);
    });
    assert.equal(workerMetrics(rt).workers.length, 2);
    assert.deepEqual(
      workerMetrics(rt).workers.map((w) => w.threadName),
      ['mt-0', 'mt-1'],
    );
  });

  test('a lone call is placed before spawnWorker returns: a worker runs it while this thread has not yielded', async () => {
    await rt.run(async () => {
      await spawnWorker(tasks.nothing); // the threads are up
      const ran = (): number => workerMetrics(rt).workers.reduce((n, w) => n + w.tasksRun, 0);
      const before = ran();
      const h = spawnWorker(tasks.nothing);
      // No await, no microtask: only a call already on a queue in shared memory can run.
      const deadline = Date.now() + 5000;
      while (ran() === before && Date.now() < deadline);
      assert.equal(ran(), before + 1, 'a worker ran the call before this thread yielded');
      assert.equal(await h, 0);
    });
  });

  test('a worker runs many async tasks at once, with weft timers and tasks', async () => {
    await rt.run(async () => {
      const t0 = Date.now();
      const values = await Promise.all(Array.from({ length: 100 }, (_, i) => spawnWorker(tasks.slowAdd, i, 1, 100)));
      assert.deepEqual(
        values,
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
      assert.ok(Date.now() - t0 < 2000, 'the sleeps overlapped');
      assert.equal(await spawnWorker(tasks.fanOut, 10, 5), 45);
    });
  });

  test('errors keep their class, message, stack, code and cause', async () => {
    const err = await rt.run(() => failure(spawnWorker(tasks.fail, 'bad')));
    assert.ok(err instanceof TypeError);
    assert.equal(err.message, 'bad');
    assert.equal(err['code'], 'ERR_CUSTOM');
    assert.match(String(err.stack), /worker-tasks/);
    assert.ok(err.cause instanceof RangeError);
  });

  test('an error with a property that cannot be cloned still arrives, without that property', async () => {
    const err = await rt.run(() => failure(spawnWorker(tasks.failUncloneable)));
    assert.ok(err instanceof RangeError);
    assert.equal(err.message, 'odd payload');
    assert.equal(err['payload'], undefined);
  });

  test('abort of a running task fires its signal, rejects its weft waits and settles cancelled after its finally', async () => {
    await rt.run(async () => {
      const h = spawnWorker(tasks.waitForAbort);
      await sleepReal(50);
      assert.equal(h.isFinished, false);
      h.abort();
      await cancelled(h);
    });
  });

  test('abort reaches a synchronous loop through throwIfCancelled()', async () => {
    await rt.run(async () => {
      const h = spawnWorker(tasks.cooperativeLoop, 20_000);
      await sleepReal(50);
      const t0 = Date.now();
      h.abort('stop');
      await cancelled(h);
      assert.ok(Date.now() - t0 < 1000);
    });
  });

  test('a task aborted while its worker is still importing its module never runs', async () => {
    const { markRan } = await import('../fixtures/worker-tasks-slow.js');
    await rt.run(async () => {
      const shared = new Int32Array(new SharedArrayBuffer(4));
      const h = spawnWorker(markRan, shared);
      await sleepReal(100);
      h.abort();
      await cancelled(h);
      await sleepReal(300);
      assert.equal(shared[0], 0, 'the body did not run');
    });
  });

  test('abort of a queued task removes it from its queue without running it', async () => {
    await rt.run(async () => {
      // Keep both workers busy, then queue more.
      const busy = [spawnWorker(tasks.spin, 300), spawnWorker(tasks.spin, 300)];
      await sleepReal(50);
      const runBefore = workerMetrics(rt).workers.reduce((s, w) => s + w.tasksRun, 0);
      const queued = Array.from({ length: 10 }, () => spawnWorker(tasks.add, 1, 1));
      await sleepReal(10);
      for (const h of queued) h.abort();
      for (const h of queued) await cancelled(h);
      await Promise.all(busy);
      const runAfter = workerMetrics(rt).workers.reduce((s, w) => s + w.tasksRun, 0);
      assert.equal(runAfter - runBefore, 2, 'only the busy tasks ran');
    });
  });

  test('an idle worker steals tasks queued for a busy one', async () => {
    const before = workerMetrics(rt).workers.reduce((s, w) => s + w.tasksStolen, 0);
    await rt.run(async () => {
      // Learn one worker's thread id; make that worker slow at every task.
      const slow = await spawnWorker(tasks.threadId);
      const handles = Array.from({ length: 40 }, () => spawnWorker(tasks.spinUnless, slow, 30, 1));
      const ran = await Promise.all(handles);
      assert.ok(ran.filter((id) => id !== slow).length > 20, 'the fast worker ran more than its half');
    });
    const after = workerMetrics(rt).workers.reduce((s, w) => s + w.tasksStolen, 0);
    assert.ok(after > before, 'some tasks were stolen');
  });

  test('moves transferred buffers both ways; shares SharedArrayBuffers; sends large arguments', async () => {
    await rt.run(async () => {
      const bytes = new Uint8Array(1 << 16);
      assert.equal(await spawnWorker(tasks.byteLength, transfer(bytes, [bytes.buffer])), 1 << 16);
      assert.equal(bytes.byteLength, 0);
      const back = await spawnWorker(tasks.makeBuffer, 1 << 20);
      assert.equal(back.byteLength, 1 << 20);
      const shared = new Int32Array(new SharedArrayBuffer(16));
      assert.equal(await spawnWorker(tasks.sharedWrite, shared, 2, 99), 99);
      assert.equal(shared[2], 99);
      const big = new Float64Array(300_000).fill(0.5); // 2.4 MB: too big for the shared queues
      assert.equal(await spawnWorker(tasks.sum, big), 150_000);
    });
  });

  test('an argument that cannot be cloned throws synchronously; a result that cannot be cloned fails the task', async () => {
    await rt.run(async () => {
      assert.throws(() => spawnWorker(tasks.echo, () => 1), TypeError);
      const err = await failure(spawnWorker(tasks.returnsFunction));
      assert.ok(err instanceof TypeError);
    });
  });

  test('primitive arguments arrive exactly as sent', async () => {
    const args = [
      0,
      -0,
      NaN,
      Infinity,
      -Infinity,
      2 ** 31,
      -(2 ** 31) - 1,
      1.5,
      'héllo 🌍',
      '',
      12345678901234567890n,
      -5n,
      true,
      false,
      null,
      undefined,
    ];
    const back = await rt.run(() => spawnWorker(tasks.echoAll, ...args));
    assert.equal(back.length, args.length);
    for (let i = 0; i < args.length; i++) assert.ok(Object.is(back[i], args[i]), `argument ${i}: ${String(back[i])}`);
  });

  test('arguments are copied when the call is made', async () => {
    await rt.run(async () => {
      const value = { n: 1 };
      const h = spawnWorker(tasks.echo, value);
      value.n = 2;
      assert.deepEqual(await h, { n: 1 });
    });
  });

  test('metrics report per-worker counters and Runtime.metrics() the flavor', async () => {
    const m = workerMetrics(rt);
    assert.equal(m.flavor, 'multi-thread');
    for (const w of m.workers) {
      assert.equal(w.alive, true);
      assert.equal(w.queueDepth, 0);
      assert.equal(w.running, 0);
      assert.ok(w.tasksRun > 0);
      assert.ok(w.busyTime > 0);
    }
    assert.equal(rt.metrics().workers, 2);
    assert.equal(rt.metrics().flavor, 'multi-thread');
  });
});

test('runtime.shutdown() aborts running worker tasks, waits for them, and stops every thread', async () => {
  const rt = Runtime.builder().multiThread().workerThreads(2).build();
  const handles: JoinHandle<unknown>[] = [];
  void rt.spawn(() => {
    for (let i = 0; i < 4; i++) handles.push(spawnWorker(tasks.waitForAbort));
    handles.push(spawnWorker(tasks.cooperativeLoop, 60_000));
  });
  await sleepReal(200);
  await rt.shutdown();
  for (const h of handles) await cancelled(h);
  await noThreadsLeft();
  assert.ok(workerMetrics(rt).workers.every((w) => !w.alive));
});

test('shutdown({ timeout }) stops a worker stuck in synchronous code and settles its task', async () => {
  const rt = Runtime.builder().multiThread().workerThreads(1).build();
  const handles: JoinHandle<unknown>[] = [];
  void rt.spawn(() => {
    handles.push(spawnWorker(tasks.spin, 30_000));
  });
  await sleepReal(300);
  const t0 = Date.now();
  await rt.shutdown({ timeout: 100 });
  assert.ok(Date.now() - t0 < 2000, 'shutdown did not wait for the loop');
  await cancelled(handles[0]!);
  await noThreadsLeft();
});
