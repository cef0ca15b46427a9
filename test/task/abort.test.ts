import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { spawn, sleep, join, yieldNow, JoinError, CancelledError, CancellationToken } from 'weft';
import { pause, resume } from 'weft/testing';

/** Lets microtasks run, but no macrotask. */
async function microtasks(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

void test("abort() rejects the task's pending sleep with CancelledError at once", async () => {
  let caught: unknown;
  const handle = spawn(async () => {
    try {
      await sleep(1_000_000);
    } catch (e) {
      caught = e;
      throw e;
    }
  });
  await sleep(1); // the task is parked in its sleep
  handle.abort();
  await microtasks();
  assert.ok(caught instanceof CancelledError, 'rejected without waiting for a macrotask');
  assert.equal((caught as CancelledError).code, 'ERR_CANCELLED');
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
});

void test('abort() rejects every pending weft wait of the task, not only the first', async () => {
  const caught: unknown[] = [];
  const handle = spawn(async () => {
    const a = sleep(1_000_000).catch((e: unknown) => caught.push(e));
    const b = new CancellationToken().cancelled().catch((e: unknown) => caught.push(e));
    await Promise.all([a, b]);
  });
  await sleep(1);
  handle.abort();
  await assert.rejects(handle);
  assert.equal(caught.length, 2);
  assert.ok(caught.every((e) => e instanceof CancelledError));
});

void test('abort cancels every weft wait even when cancelling one wait settles another of the same task', async () => {
  // join() links a hook to the task; cancelling it aborts branch b's signal, which settles
  // b's sleep in the middle of the task's wait list. Branch a's sleep must still be cancelled.
  let aSettled: unknown;
  const handle = spawn(() =>
    join(
      () =>
        sleep(1_000_000).then(
          () => (aSettled = 'resolved'),
          (e: unknown) => {
            aSettled = e;
          },
        ),
      (signal) => sleep(1_000_000, { signal }).catch(() => {}),
    ),
  );
  await sleep(1);
  handle.abort();
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
  assert.ok(aSettled instanceof CancelledError);
});

void test("the task's finally blocks run before its handle settles", async () => {
  const order: string[] = [];
  const handle = spawn(async () => {
    try {
      await sleep(1_000_000);
    } finally {
      order.push('finally');
      await delay(1); // non-weft cleanup that takes a while
      order.push('cleanup done');
    }
  });
  await sleep(1);
  handle.abort();
  await handle.catch(() => order.push('handle settled'));
  assert.deepEqual(order, ['finally', 'cleanup done', 'handle settled']);
});

void test('abort() after completion is a no-op', async () => {
  const handle = spawn(() => 'value');
  assert.equal(await handle, 'value');
  handle.abort(new Error('late'));
  assert.equal(handle.isFinished, true);
  assert.equal(await handle, 'value');
});

void test('abort() twice keeps the first reason', async () => {
  const first = new Error('first');
  const handle = spawn(() => sleep(1_000_000));
  handle.abort(first);
  handle.abort(new Error('second'));
  await assert.rejects(handle, (e: unknown) => (e as JoinError).cause === first);
});

void test('a task whose cleanup throws during abort settles as failed, not cancelled', async () => {
  const cleanupError = new Error('cleanup failed');
  const handle = spawn(async () => {
    try {
      await sleep(1_000_000);
    } finally {
      throw cleanupError;
    }
  });
  await sleep(1);
  handle.abort();
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isFailed() && e.cause === cleanupError);
});

void test('a body that catches the cancellation and returns still settles as cancelled', async () => {
  const handle = spawn(async () => {
    try {
      await sleep(1_000_000);
    } catch {
      return 'ignored';
    }
    return 'never';
  });
  await sleep(1);
  handle.abort();
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
});

void test('abort() before the task started never runs the body', async () => {
  let ran = false;
  const handle = spawn(() => {
    ran = true;
  });
  handle.abort();
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
  assert.equal(ran, false);
  assert.equal(handle.isFinished, true);
});

void test('a weft wait started after the abort (in cleanup) rejects at once', async () => {
  let second: unknown;
  const handle = spawn(async () => {
    try {
      await sleep(1_000_000);
    } finally {
      second = await sleep(1_000_000).catch((e: unknown) => e);
    }
  });
  await sleep(1);
  handle.abort();
  await handle.catch(() => {});
  assert.ok(second instanceof CancelledError);
});

void test('non-weft awaits are cancelled through task.signal, and the task counts as cancelled', async () => {
  const handle = spawn(async (task) => {
    await delay(1_000_000, undefined, { signal: task.signal }); // Node rejects with an AbortError
  });
  await sleep(1);
  const reason = new Error('stop');
  handle.abort(reason);
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled() && e.cause === reason);
});

void test('task.signal aborts with the abort reason, or a CancelledError when none was given', async () => {
  const reasons: unknown[] = [];
  const withReason = spawn(async (task) => {
    task.signal.addEventListener('abort', () => reasons.push(task.signal.reason));
    await sleep(1_000_000);
  });
  const without = spawn(async (task) => {
    task.signal.addEventListener('abort', () => reasons.push(task.signal.reason));
    await sleep(1_000_000);
  });
  await sleep(1);
  withReason.abort('why');
  without.abort();
  await Promise.allSettled([withReason, without]);
  assert.equal(reasons[0], 'why');
  assert.ok(reasons[1] instanceof CancelledError);
});

void test('a task that rejects with its own signal reason counts as cancelled', async () => {
  const handle = spawn(
    (task) =>
      new Promise((_, reject) => {
        task.signal.addEventListener('abort', () => reject(task.signal.reason));
      }),
  );
  await sleep(1);
  handle.abort();
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
});

void test('task.token.cancel() aborts the task', async () => {
  let caught: unknown;
  const handle = spawn(async (task) => {
    setTimeout(() => task.token.cancel(), 1);
    try {
      await sleep(1_000_000);
    } catch (e) {
      caught = e;
      throw e;
    }
  });
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
  assert.ok(caught instanceof CancelledError);
});

void test('abort() cancels the task token and its children', async () => {
  let child: CancellationToken | undefined;
  const handle = spawn(async (task) => {
    child = task.token.child();
    await sleep(1_000_000);
  });
  await sleep(1);
  handle.abort();
  await handle.catch(() => {});
  assert.equal(child?.isCancelled, true);
});

void test('an aborted task in a loop of immediately-ready weft operations still stops', async () => {
  let iterations = 0;
  const handle = spawn(async () => {
    for (;;) {
      await sleep(0);
      iterations++;
    }
  });
  await yieldNow();
  handle.abort();
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
  assert.ok(iterations > 0);
});

void test('an aborted task in a yieldNow() loop stops at its next yieldNow()', async () => {
  const handle = spawn(async () => {
    for (;;) await yieldNow();
  });
  await yieldNow();
  handle.abort();
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
});

void test('aborting a task parked on the paused clock needs no clock movement', async () => {
  pause();
  try {
    const handle = spawn(() => sleep(60_000));
    await yieldNow();
    handle.abort();
    await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
  } finally {
    resume();
  }
});

test('a task that finishes normally leaves its signal unaborted (a stream tied to it stays usable)', async () => {
  let signal: AbortSignal | undefined;
  const value = await spawn((task) => {
    signal = task.signal;
    return 'done';
  });
  assert.equal(value, 'done');
  assert.equal(signal?.aborted, false);
});
