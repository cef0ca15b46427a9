import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime, now, sleep, type TaskInfo } from 'weft';
import { ABORT_GRACE_MS, spawnBlocking, spawnWorker, workerMetrics } from 'weft/worker';
import { add, fanOut, ignoreAbort, slowAdd, spin } from '../fixtures/worker-tasks.js';
import { cancelled } from '../worker/helpers.js';

/** Reads `read()` every 10 ms until it gives a value (worker threads report asynchronously). */
async function until<T>(read: () => T | undefined, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

void test('tasks() of an observing multi-thread runtime lists a call parked on a worker thread, then retains it', async () => {
  const rt = Runtime.builder().multiThread().workerThreads(2).observe().build();
  try {
    await rt.run(async () => {
      const call = spawnWorker(slowAdd, 1, 2, 400);
      const onWorker = await until(
        () => rt.tasks().find((t) => t.thread > 0 && t.name === 'slowAdd' && t.waitsOn.length > 0),
        'the call parked on a worker',
      );
      assert.equal(onWorker.kind, 'worker');
      assert.ok(onWorker.thread === 1 || onWorker.thread === 2, `thread ${onWorker.thread}`);
      assert.equal(onWorker.state, 'idle');
      assert.deepEqual(
        onWorker.waitsOn.map((w) => w.op),
        ['sleep'],
      );
      assert.ok(onWorker.id >= 2 ** 40, 'a worker thread numbers its tasks apart from the owner');
      assert.ok(onWorker.waitsOn[0]!.resourceId! >= 2 ** 40, 'and its resources (the sleep timer)');
      // Times are on the owner's clock.
      const t = now();
      assert.ok(onWorker.spawnedAt <= t && onWorker.spawnedAt > t - 5_000, `spawnedAt ${onWorker.spawnedAt}, now ${t}`);
      assert.ok(Math.abs(onWorker.waitsOn[0]!.since - onWorker.spawnedAt) < 1_000);
      // The call's own task on this thread is there too, waiting on the worker.
      const proxy = rt.tasks().find((x) => x.thread === 0 && x.name === 'slowAdd')!;
      assert.equal(proxy.kind, 'worker');
      assert.deepEqual(
        proxy.waitsOn.map((w) => w.op),
        ['worker'],
      );

      assert.equal(await call, 3);
      const done = await until(
        () => rt.tasks().find((x) => x.id === onWorker.id && x.state === 'done'),
        'the finished call among the retained tasks',
      );
      assert.equal(done.outcome, 'ok');
      assert.equal(done.thread, onWorker.thread);
      assert.equal(done.kind, 'worker');
      assert.ok(done.endedAt! >= done.spawnedAt + 300, `ran ${done.endedAt! - done.spawnedAt} ms`);
      assert.equal(rt.tasks().filter((x) => x.id === onWorker.id).length, 1, 'listed once: not alive any more');
    });
  } finally {
    await rt.shutdown();
  }
  assert.equal(
    rt.tasks().filter((t) => t.thread > 0 && t.state !== 'done').length,
    0,
    'after shutdown no worker task is alive',
  );
});

void test('a runtime that does not observe lists no tasks of its worker threads', async () => {
  const rt = Runtime.builder().multiThread().workerThreads(1).build();
  try {
    await rt.run(async () => {
      const call = spawnWorker(slowAdd, 1, 2, 300);
      await sleep(150);
      const seen: TaskInfo[] = rt.tasks();
      assert.deepEqual(
        seen.filter((t) => t.thread > 0),
        [],
      );
      assert.equal(await call, 3);
    });
  } finally {
    await rt.shutdown();
  }
});

void test('spawnBlocking calls show kind blocking, spawnWorker calls kind worker', async () => {
  const rt = Runtime.builder().multiThread().workerThreads(1).maxBlockingThreads(1).observe().build();
  try {
    await rt.run(async () => {
      const blocking = spawnBlocking(spin, 100);
      const worker = spawnWorker(spin, 100);
      const alive = rt.tasks().filter((t) => t.thread === 0 && t.name === 'spin');
      alive.sort((a, b) => a.id - b.id);
      assert.deepEqual(
        alive.map((t) => [t.id, t.kind, t.waitsOn[0]?.op]),
        [
          [blocking.id, 'blocking', 'blocking'],
          [worker.id, 'worker', 'worker'],
        ],
      );
      await Promise.all([blocking, worker]);
      const done = rt.tasks().find((t) => t.id === blocking.id)!;
      assert.equal(done.state, 'done');
      assert.equal(done.kind, 'blocking', 'retained with its kind');
    });
  } finally {
    await rt.shutdown();
  }
});

void test('tasks() lists a call parked on a blocking thread, numbered above the workers, under its proxy', async () => {
  const rt = Runtime.builder().multiThread().workerThreads(2).maxBlockingThreads(1).observe().build();
  try {
    await rt.run(async () => {
      const call = spawnBlocking(fanOut, 2, 400);
      const children = await until(() => {
        const found = rt.tasks().filter((t) => t.thread > 0 && t.kind === 'task' && t.waitsOn[0]?.op === 'sleep');
        return found.length === 2 ? found : undefined;
      }, "the call's children parked on the blocking thread");
      const onThread = rt.tasks().find((t) => t.thread > 0 && t.name === 'fanOut')!;
      assert.equal(onThread.kind, 'blocking');
      assert.equal(onThread.thread, 3, 'blocking threads are numbered after the 2 workers');
      assert.equal(onThread.parentId, call.id, "the call's task is under its proxy");
      assert.ok(onThread.id >= 3 * 2 ** 40 && onThread.id < 4 * 2 ** 40, `id ${onThread.id}`);
      for (const child of children) {
        assert.equal(child.thread, 3);
        assert.equal(child.parentId, onThread.id);
      }
      const t = now();
      assert.ok(onThread.spawnedAt <= t && onThread.spawnedAt > t - 5_000, `spawnedAt ${onThread.spawnedAt}, now ${t}`);
      const dump = rt.dump();
      const proxyAt = dump.indexOf(`task ${call.id} "fanOut" [blocking] idle, waits on blocking`);
      const callAt = dump.indexOf(`task ${onThread.id} "fanOut" [blocking on thread 3]`);
      assert.ok(proxyAt >= 0 && callAt > proxyAt, dump);
      assert.match(dump.slice(proxyAt), /\n\s+└─ task \d+ "fanOut" \[blocking on thread 3\]/, dump);

      assert.equal(await call, 1);
      const done = await until(
        () => rt.tasks().find((x) => x.id === onThread.id && x.state === 'done'),
        'the finished call among the retained tasks',
      );
      assert.equal(done.outcome, 'ok');
      assert.equal(done.thread, 3);
      assert.equal(done.parentId, call.id);
    });
  } finally {
    await rt.shutdown();
  }
  assert.equal(rt.tasks().filter((t) => t.thread > 0 && t.state !== 'done').length, 0);
});

void test("a retired blocking thread's tasks stay retained (then expire); the next thread gets a new number and ids", async () => {
  // The call reports at its start and ends 50 ms later, so its end is due in the next batch, 100 ms
  // after the first; the thread retires 10 ms after the call: this needs the report it sends as it retires.
  const rt = Runtime.builder().maxBlockingThreads(1).threadKeepAlive(10).observe({ retain: 1_500 }).build();
  try {
    await rt.run(async () => {
      const first = spawnBlocking(slowAdd, 1, 2, 50);
      const parked = await until(
        () => rt.tasks().find((t) => t.name === 'slowAdd' && t.thread > 0 && t.waitsOn.length > 0),
        'the first call parked on its thread',
      );
      assert.equal(parked.thread, 1, 'a current-thread runtime numbers its blocking threads from 1');
      assert.equal(parked.parentId, first.id);
      assert.equal(await first, 3);
      await until(() => (rt.metrics().blockingThreads === 0 ? true : undefined), 'the thread to retire');
      const retired = rt.tasks().filter((t) => t.thread === 1);
      assert.deepEqual(
        retired.map((t) => [t.id, t.state, t.outcome, t.parentId]),
        [[parked.id, 'done', 'ok', first.id]],
        'its call retained as finished, nothing of it alive',
      );

      const second = spawnBlocking(slowAdd, 2, 2, 200);
      const next = await until(
        () => rt.tasks().find((t) => t.name === 'slowAdd' && t.thread > 0 && t.state !== 'done'),
        'the second call on a new thread',
      );
      assert.equal(next.thread, 2, "the new thread does not reuse the retired one's number");
      assert.equal(next.parentId, second.id);
      assert.ok(next.id >= 2 * 2 ** 40 && next.id !== parked.id, `id ${next.id}`);
      assert.equal(await second, 4);
      // Retention rules: gone once `retain` ms have passed since it ended.
      await until(() => (rt.tasks().some((t) => t.id === parked.id) ? undefined : true), 'the first call to expire');
      assert.ok(now() - retired[0]!.endedAt! >= 1_500);
    });
  } finally {
    await rt.shutdown();
  }
});

void test('a blocking thread terminated under its call takes its tasks out of tasks(), as a dead worker does', async () => {
  const rt = Runtime.builder().maxBlockingThreads(1).observe().build();
  try {
    await rt.run(async () => {
      const call = spawnBlocking(ignoreAbort, 30_000);
      const onThread = await until(
        () => rt.tasks().find((t) => t.name === 'ignoreAbort' && t.thread > 0),
        'the call on its thread',
      );
      assert.equal(onThread.parentId, call.id);
      const queued = spawnBlocking(slowAdd, 1, 1, 100); // waits for the one thread
      // It ignores the abort: the pool terminates its thread after the grace period.
      const t0 = Date.now();
      call.abort();
      await cancelled(call);
      assert.ok(Date.now() - t0 >= ABORT_GRACE_MS - 50, "settled by the thread's termination");
      assert.deepEqual(
        rt.tasks().filter((t) => t.thread === onThread.thread),
        [],
        'its alive tasks went with it (they never finished: nothing retained)',
      );
      const proxy = rt.tasks().find((t) => t.id === call.id)!;
      assert.deepEqual([proxy.state, proxy.outcome], ['done', 'cancelled']);
      // The queued call runs on the thread started in its place, under its own proxy.
      const next = await until(
        () => rt.tasks().find((t) => t.name === 'slowAdd' && t.thread > 0),
        'the queued call on a new thread',
      );
      assert.equal(next.thread, onThread.thread + 1);
      assert.equal(next.parentId, queued.id);
      assert.equal(await queued, 2);
    });
  } finally {
    await rt.shutdown();
  }
});

void test('metrics().perWorker: each worker its calls run, steals, parks, queue depth and busy time', async () => {
  const rt = Runtime.builder().multiThread().workerThreads(2).build();
  try {
    await rt.run(async () => {
      assert.deepEqual(rt.metrics().perWorker.length, 2, 'run() started the pool');
      await Promise.all(Array.from({ length: 40 }, (_, i) => spawnWorker(add, i, 1)));
      // Out of work, every worker parks.
      const per = await until(() => {
        const m = rt.metrics().perWorker;
        return m.every((w) => w.parks > 0) ? m : undefined;
      }, 'both workers parked');
      assert.deepEqual(
        per.map((w) => w.index),
        [0, 1],
      );
      assert.equal(
        per.reduce((s, w) => s + w.polls, 0),
        40,
        'every call counted once',
      );
      const stats = workerMetrics(rt).workers;
      for (const w of per) {
        assert.equal(w.queueDepth, 0);
        assert.ok(w.busyMs > 0, `worker ${w.index} busy ${w.busyMs} ms`);
        assert.ok(w.steals >= 0 && w.steals <= w.polls);
        const s = stats[w.index]!;
        assert.equal(w.steals, s.tasksStolen);
        assert.ok(s.parks >= w.parks);
      }
    });
  } finally {
    await rt.shutdown();
  }
});

void test('metrics().perWorker: queueDepth counts the calls waiting behind a busy worker', async () => {
  const rt = Runtime.builder().multiThread().workerThreads(1).build();
  try {
    await rt.run(async () => {
      const calls = [spawnWorker(spin, 200), spawnWorker(spin, 1), spawnWorker(spin, 1)];
      const depth = await until(() => {
        const d = rt.metrics().perWorker[0]!.queueDepth;
        return d > 0 ? d : undefined;
      }, 'calls queued behind the busy worker');
      assert.ok(depth >= 1 && depth <= 3, `depth ${depth}`);
      await Promise.all(calls);
      assert.equal(rt.metrics().perWorker[0]!.queueDepth, 0);
    });
  } finally {
    await rt.shutdown();
  }
});
