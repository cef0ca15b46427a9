import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JoinSet, JoinError, CancelledError, sleep, spawn, yieldNow } from 'weft';
import { pause, resume } from 'weft/testing';

async function paused<T>(fn: () => Promise<T>): Promise<T> {
  pause();
  try {
    return await fn();
  } finally {
    resume();
  }
}

void test('joinNext() returns values in completion order, not spawn order', () =>
  paused(async () => {
    const set = new JoinSet<number>();
    for (const ms of [30, 10, 20]) {
      set.spawn(async () => {
        await sleep(ms);
        return ms;
      });
    }
    assert.equal(set.size, 3);
    assert.deepEqual([await set.joinNext(), await set.joinNext(), await set.joinNext()], [10, 20, 30]);
    assert.equal(set.size, 0);
  }));

void test('joinNext() resolves undefined when the set is empty', async () => {
  const set = new JoinSet<number>();
  assert.equal(await set.joinNext(), undefined);
  set.spawn(() => 1);
  assert.equal(await set.joinNext(), 1);
  assert.equal(await set.joinNext(), undefined);
});

void test('joinNext() rejects with a failed JoinError for a task that threw, and the set goes on', async () => {
  const set = new JoinSet<number>();
  const boom = new Error('boom');
  set.spawn(() => {
    throw boom;
  });
  await assert.rejects(set.joinNext(), (e: unknown) => e instanceof JoinError && e.isFailed() && e.cause === boom);
  set.spawn(() => 2);
  assert.equal(await set.joinNext(), 2);
});

void test('joinNext() rejects with a cancelled JoinError for an aborted task', async () => {
  const set = new JoinSet<number>();
  const handle = set.spawn(async () => {
    await sleep(1_000_000);
    return 1;
  });
  handle.abort();
  await assert.rejects(
    set.joinNext(),
    (e: unknown) => e instanceof JoinError && e.isCancelled() && e.taskId === handle.id,
  );
  assert.equal(set.size, 0);
});

void test('a failing task in a JoinSet is not reported as unobserved', async (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  const set = new JoinSet<number>();
  set.spawn(() => {
    throw new Error('owned');
  });
  await sleep(1);
  await yieldNow();
  assert.equal(warn.mock.callCount(), 0);
  await assert.rejects(set.joinNext());
});

void test('joinNext() is cancel-safe: an aborted joinNext loses no result', async () => {
  const set = new JoinSet<string>();
  const controller = new AbortController();
  const gate = new Promise<void>((resolve) => setTimeout(resolve, 1));
  set.spawn(async () => {
    await gate;
    return 'kept';
  });
  const waiting = set.joinNext({ signal: controller.signal });
  controller.abort(new Error('gave up'));
  await assert.rejects(waiting, { message: 'gave up' });
  await gate;
  assert.equal(await set.joinNext(), 'kept');
});

void test('joinNext() with an already-aborted signal rejects and takes nothing', async () => {
  const set = new JoinSet<number>();
  set.spawn(() => 7);
  await yieldNow();
  await assert.rejects(set.joinNext({ signal: AbortSignal.abort('no') }), (e: unknown) => e === 'no');
  assert.equal(set.tryJoinNext(), 7);
});

void test('joinNext() waiting in an aborted task rejects with CancelledError and the result stays', async () => {
  const set = new JoinSet<number>();
  set.spawn(async () => {
    await sleep(5);
    return 5;
  });
  const waiter = spawn(() => set.joinNext());
  await yieldNow();
  waiter.abort();
  await assert.rejects(waiter, (e: unknown) => e instanceof JoinError && e.isCancelled());
  assert.equal(await set.joinNext(), 5);
});

void test('tryJoinNext() never waits: undefined while nothing finished, then the value', async () => {
  const set = new JoinSet<number>();
  assert.equal(set.tryJoinNext(), undefined);
  set.spawn(() => 3);
  assert.equal(set.tryJoinNext(), undefined, 'the task has not run yet');
  await yieldNow();
  assert.equal(set.tryJoinNext(), 3);
  assert.equal(set.tryJoinNext(), undefined);
});

void test('tryJoinNext() throws the JoinError of a failed task', async () => {
  const set = new JoinSet<number>();
  set.spawn(() => {
    throw new Error('x');
  });
  await yieldNow();
  assert.throws(
    () => set.tryJoinNext(),
    (e: unknown) => e instanceof JoinError && e.isFailed(),
  );
});

void test('joinAll() resolves with every value in completion order', () =>
  paused(async () => {
    const set = new JoinSet<string>();
    set.spawn(async () => {
      await sleep(20);
      return 'slow';
    });
    set.spawn(async () => 'fast');
    assert.deepEqual(await set.joinAll(), ['fast', 'slow']);
    assert.equal(set.size, 0);
  }));

void test('joinAll() aborts the rest on the first failure and rejects with it', () =>
  paused(async () => {
    const set = new JoinSet<number>();
    const cleanedUp: number[] = [];
    for (const i of [1, 2]) {
      set.spawn(async () => {
        try {
          await sleep(1_000_000);
          return i;
        } finally {
          cleanedUp.push(i);
        }
      });
    }
    const boom = new Error('boom');
    set.spawn(async () => {
      await sleep(10);
      throw boom;
    });
    await assert.rejects(set.joinAll(), (e: unknown) => e instanceof JoinError && e.cause === boom);
    assert.deepEqual(cleanedUp.sort(), [1, 2], 'the others were aborted and awaited');
    assert.equal(set.size, 0);
  }));

void test('abortAll() aborts every task; they stay in the set until joined', async () => {
  const set = new JoinSet<number>();
  set.spawn(() => sleep(1_000_000).then(() => 1));
  set.spawn(() => sleep(1_000_000).then(() => 2));
  await yieldNow();
  set.abortAll();
  assert.equal(set.size, 2);
  for (let i = 0; i < 2; i++) {
    await assert.rejects(set.joinNext(), (e: unknown) => e instanceof JoinError && e.isCancelled());
  }
  assert.equal(set.size, 0);
});

void test('detachAll() empties the set; the tasks run on', async () => {
  const set = new JoinSet<number>();
  const handle = set.spawn(async () => {
    await sleep(2);
    return 9;
  });
  set.detachAll();
  assert.equal(set.size, 0);
  assert.equal(await set.joinNext(), undefined);
  assert.equal(await handle, 9, 'not aborted');
});

void test('detachAll() wakes a pending joinNext() with undefined', async () => {
  const set = new JoinSet<number>();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r)); // the task cannot finish before detachAll(), however loaded the machine
  const handle = set.spawn(async () => {
    await gate;
    return 1;
  });
  const pending = set.joinNext();
  await yieldNow();
  set.detachAll();
  release();
  assert.equal(await pending, undefined);
  assert.equal(await handle, 1);
});

void test('a detached task that fails is reported as unobserved', async (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  const set = new JoinSet<number>();
  set.spawn(async () => {
    await sleep(1);
    throw new Error('detached failure');
  });
  set.detachAll();
  await sleep(3);
  for (let i = 0; i < 3; i++) await yieldNow(); // the runtime waits one turn before reporting
  assert.equal(warn.mock.callCount(), 1);
  assert.match(String(warn.mock.calls[0]!.arguments[0]), /detached failure/);
});

void test('shutdown() aborts every task and waits until all have finished', async () => {
  const set = new JoinSet<number>();
  const finished: string[] = [];
  set.spawn(async () => {
    try {
      await sleep(1_000_000);
      return 1;
    } finally {
      await new Promise((resolve) => setTimeout(resolve, 2));
      finished.push('cleanup');
    }
  });
  await yieldNow();
  await set.shutdown();
  assert.deepEqual(finished, ['cleanup']);
  assert.equal(set.size, 0);
});

void test('shutdown() called from an aborted task still waits for the set to finish', async () => {
  const finished: string[] = [];
  const owner = spawn(async () => {
    await using set = new JoinSet<number>();
    set.spawn(async () => {
      try {
        await sleep(1_000_000);
        return 1;
      } finally {
        await new Promise((resolve) => setTimeout(resolve, 2));
        finished.push('child cleanup');
      }
    });
    await sleep(1_000_000);
  });
  await sleep(1);
  owner.abort();
  await owner.catch(() => finished.push('owner settled'));
  assert.deepEqual(finished, ['child cleanup', 'owner settled']);
});

void test('shutdown() after detachAll() does not wait for the detached tasks', async () => {
  const set = new JoinSet<number>();
  const handle = set.spawn(async () => {
    await sleep(3);
    return 1;
  });
  set.detachAll();
  await set.shutdown();
  assert.equal(handle.isFinished, false);
  assert.equal(await handle, 1);
});

void test('await using a JoinSet aborts and awaits what is left when the block exits', async () => {
  const events: string[] = [];
  {
    await using set = new JoinSet<void>();
    set.spawn(async () => {
      try {
        await sleep(1_000_000);
      } catch (e) {
        events.push(e instanceof CancelledError ? 'cancelled' : 'other');
        throw e;
      }
    });
    await yieldNow();
  }
  events.push('after block');
  assert.deepEqual(events, ['cancelled', 'after block']);
});

void test('JoinSet.spawn returns a JoinHandle that can abort one task', async () => {
  const set = new JoinSet<number>();
  const slow = set.spawn(() => sleep(1_000_000).then(() => 1), { name: 'slow' });
  set.spawn(() => 2);
  assert.equal(slow.name, 'slow');
  assert.equal(await set.joinNext(), 2);
  slow.abort();
  await assert.rejects(set.joinNext(), (e: unknown) => e instanceof JoinError && e.isCancelled());
});

void test('JoinSet rejects bad input synchronously', () => {
  const set = new JoinSet<number>();
  assert.throws(() => set.spawn(42 as never), {
    name: 'TypeError',
    message: /JoinSet.spawn: the task body must be a function/,
  });
  assert.throws(() => set.joinNext(5 as never), { name: 'TypeError', message: /options must be an object/ });
  assert.throws(() => set.joinNext({ signal: 'x' as never }), { name: 'TypeError', message: /AbortSignal/ });
});
