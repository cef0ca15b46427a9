import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Runtime,
  spawn,
  sleep,
  now,
  currentTask,
  yieldNow,
  JoinError,
  RuntimeShutdownError,
  CancelledError,
  type JoinHandle,
} from 'weft';
import { runFixture } from '../fixtures/child.js';

void test('run() resolves with the value main returns', async () => {
  await using rt = Runtime.builder().build();
  assert.equal(await rt.run(async () => 42), 42);
  assert.equal(await rt.run(() => 'sync'), 'sync');
});

void test('run() rejects with what main threw (not a JoinError)', async () => {
  await using rt = Runtime.builder().build();
  const boom = new Error('boom');
  await assert.rejects(
    rt.run(async () => {
      await sleep(1);
      throw boom;
    }),
    (e: unknown) => e === boom,
  );
});

void test('main runs as a task named main, on this runtime', async () => {
  await using rt = Runtime.builder().build();
  const seen = await rt.run(async (task) => {
    const child = spawn(() => currentTask()?.id);
    return { name: task.name, same: currentTask() === task, childId: await child };
  });
  assert.equal(seen.name, 'main');
  assert.equal(seen.same, true);
  assert.equal(rt.metrics().spawnedTasks, 2, 'the child was spawned on this runtime');
});

void test('when main returns, tasks still running are aborted and awaited before run() resolves', async () => {
  await using rt = Runtime.builder().build();
  const events: string[] = [];
  await rt.run(async () => {
    spawn(async () => {
      try {
        await sleep(1_000_000);
      } catch (e) {
        events.push(e instanceof CancelledError ? 'child cancelled' : 'child other');
      } finally {
        await new Promise((resolve) => setTimeout(resolve, 2));
        events.push('child cleanup done');
      }
    });
    await yieldNow();
    events.push('main returns');
  });
  events.push('run resolved');
  assert.deepEqual(events, ['main returns', 'child cancelled', 'child cleanup done', 'run resolved']);
  assert.equal(rt.metrics().aliveTasks, 0);
});

void test('tasks spawned by cleanup code during the final abort are aborted too', async () => {
  await using rt = Runtime.builder().build();
  let late: JoinHandle<void> | undefined;
  await rt.run(async () => {
    spawn(async () => {
      try {
        await sleep(1_000_000);
      } finally {
        late = spawn(() => sleep(1_000_000));
      }
    });
    await yieldNow();
  });
  // (awaited from outside: inside the aborted task, `await late` itself would reject with CancelledError)
  const lateError = await late!.then(undefined, (e: unknown) => e);
  assert.ok(lateError instanceof JoinError && lateError.isCancelled());
  assert.equal(rt.metrics().aliveTasks, 0);
});

void test('no timer or handle of weft keeps the process alive after run() returns (child process exits promptly)', async () => {
  const result = await runFixture('run-exits.ts', [], { mark: 'main returned', limitMs: 30_000 });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /main returned alive=0 cancelled=5/);
  assert.ok(
    result.exitedAfterMark !== undefined && result.exitedAfterMark < 2000,
    `exited ${result.exitedAfterMark} ms after run() returned`,
  );
});

void test('shutdown() aborts every task and waits for them', async () => {
  const rt = Runtime.builder().build();
  let cleaned = false;
  const handle = rt.spawn(async () => {
    try {
      await sleep(1_000_000);
    } finally {
      cleaned = true;
    }
  });
  await yieldNow();
  await rt.shutdown();
  assert.equal(cleaned, true);
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
  assert.equal(rt.metrics().aliveTasks, 0);
});

void test('shutdown({ timeout }) gives up on tasks that ignore cancellation after about timeout ms', async () => {
  const rt = Runtime.builder().build();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const stubborn = rt.spawn(async () => {
    try {
      await sleep(1_000_000);
    } finally {
      await gate; // cleanup that takes longer than the deadline
    }
  });
  await yieldNow();
  const t0 = performance.now();
  await rt.shutdown({ timeout: 20 });
  const took = performance.now() - t0;
  assert.ok(took >= 15 && took < 1000, `shutdown took ${took} ms`);
  assert.equal(rt.metrics().aliveTasks, 1);
  release();
  await assert.rejects(stubborn, (e: unknown) => e instanceof JoinError && e.isCancelled());
});

void test('shutdown() is idempotent', async () => {
  const rt = Runtime.builder().build();
  await rt.shutdown();
  await rt.shutdown();
  await rt.shutdown({ timeout: 0 });
});

void test('spawn after shutdown gives a task that is cancelled at once; its body never runs', async () => {
  const rt = Runtime.builder().build();
  await rt.shutdown();
  let ran = false;
  const handle = rt.spawn(() => {
    ran = true;
  });
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
  assert.equal(ran, false);
});

void test('run() after shutdown rejects with RuntimeShutdownError', async () => {
  const rt = Runtime.builder().build();
  await rt.shutdown();
  await assert.rejects(
    rt.run(() => 1),
    (e: unknown) => e instanceof RuntimeShutdownError && e.code === 'ERR_RUNTIME_SHUTDOWN',
  );
});

void test('await using a runtime shuts it down at the end of the block', async () => {
  let handle: PromiseLike<unknown> | undefined;
  {
    await using rt = Runtime.builder().build();
    handle = rt.spawn(() => sleep(1_000_000));
    await yieldNow();
  }
  await assert.rejects(Promise.resolve(handle), (e: unknown) => e instanceof JoinError && e.isCancelled());
});

void test('a runtime built with startPaused(true) runs main on a paused clock (an hour passes at once)', async () => {
  await using rt = Runtime.builder().startPaused(true).build();
  const start = performance.now();
  const elapsed = await rt.run(async () => {
    const t0 = now();
    await sleep(3_600_000);
    return now() - t0;
  });
  assert.equal(elapsed, 3_600_000);
  assert.ok(performance.now() - start < 500);
});

void test('runtimes have separate clocks: pausing one does not affect the default runtime', async () => {
  await using rt = Runtime.builder().startPaused(true).build();
  await rt.run(async () => {
    const before = performance.now();
    const real = now();
    await new Promise((resolve) => setTimeout(resolve, 3));
    assert.equal(now(), real);
    assert.ok(performance.now() > before);
  });
  const t = now();
  await new Promise((resolve) => setTimeout(resolve, 2));
  assert.ok(now() > t, 'the default clock moves');
});

void test('run() rejects a non-function main with a TypeError', () => {
  const rt = Runtime.builder().build();
  assert.throws(() => rt.run(5 as never), { name: 'TypeError', message: /Runtime.run: main must be a function/ });
});

void test('rt.spawn rejects a non-function body with a TypeError', () => {
  const rt = Runtime.builder().build();
  assert.throws(() => rt.spawn('x' as never), {
    name: 'TypeError',
    message: /spawn: the task body must be a function/,
  });
});

void test('shutdown() rejects a bad timeout synchronously', () => {
  const rt = Runtime.builder().build();
  assert.throws(() => rt.shutdown({ timeout: -1 }), { name: 'RangeError', message: /Runtime.shutdown: timeout/ });
  assert.throws(() => rt.shutdown({ timeout: NaN }), RangeError);
  assert.throws(() => rt.shutdown(7 as never), { name: 'TypeError', message: /options must be an object/ });
});

void test('a plain runtime from new Runtime() works like the default one', async () => {
  const rt = new Runtime();
  assert.equal(await rt.run(() => 'ok'), 'ok');
  await rt.shutdown();
});
