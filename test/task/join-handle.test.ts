import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, sleep, JoinError, CancelledError, JoinSet, TaskLocal, currentTask } from 'weft';

void test('JoinHandle ids are unique and increasing; name is the spawn name or undefined', async () => {
  const a = spawn(() => 1, { name: 'a' });
  const b = spawn(() => 2);
  assert.ok(Number.isInteger(a.id) && a.id > 0);
  assert.ok(b.id > a.id);
  assert.equal(a.name, 'a');
  assert.equal(b.name, undefined);
  await a;
  await b;
});

void test('isFinished is false while the task runs and true once it returned', async () => {
  const handle = spawn(async () => {
    await sleep(1);
    return 'x';
  });
  assert.equal(handle.isFinished, false);
  assert.equal(await handle, 'x');
  assert.equal(handle.isFinished, true);
});

void test('a handle can be awaited many times and gives the same value', async () => {
  const handle = spawn(async () => ({ v: 1 }));
  const first = await handle;
  const second = await handle;
  assert.equal(first, second);
});

void test('awaiting a failed task rejects with a JoinError: isFailed, code, taskId, cause', async () => {
  const boom = new Error('boom');
  const handle = spawn(
    async () => {
      await sleep(1);
      throw boom;
    },
    { name: 'failing' },
  );
  const err = await handle.then(
    () => assert.fail('should reject'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof JoinError);
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'JoinError');
  assert.equal(err.code, 'ERR_TASK_FAILED');
  assert.equal(err.isFailed(), true);
  assert.equal(err.isCancelled(), false);
  assert.equal(err.taskId, handle.id);
  assert.equal(err.cause, boom);
  assert.match(err.message, /task \d+ \(failing\) failed: Error: boom/);
  assert.equal(handle.isFinished, true);
});

void test('a synchronous throw in the body becomes a failed JoinError, not a throw from spawn', async () => {
  const handle = spawn(() => {
    throw new TypeError('sync');
  });
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isFailed() && e.cause instanceof TypeError);
});

void test('a thrown non-Error value is kept as the JoinError cause', async () => {
  const handle = spawn(() => {
    throw 'a string';
  });
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.cause === 'a string');
});

void test('awaiting an aborted task rejects with a JoinError: isCancelled, code, cause = abort reason', async () => {
  const reason = new Error('stop');
  const handle = spawn(() => sleep(1_000_000));
  handle.abort(reason);
  const err = await handle.then(
    () => assert.fail('should reject'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof JoinError);
  assert.equal(err.code, 'ERR_TASK_CANCELLED');
  assert.equal(err.isCancelled(), true);
  assert.equal(err.isFailed(), false);
  assert.equal(err.taskId, handle.id);
  assert.equal(err.cause, reason);
  assert.match(err.message, /was cancelled/);
});

void test('abort() without a reason gives a cancelled JoinError without a cause', async () => {
  const handle = spawn(() => sleep(1_000_000));
  handle.abort();
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled() && e.cause === undefined);
});

void test('JoinHandle works with catch(), finally() and Promise.all', async () => {
  const ok = spawn(() => 1);
  const bad = spawn(() => {
    throw new Error('x');
  });
  assert.deepEqual(await Promise.all([ok, spawn(() => 2)]), [1, 2]);
  const caught = await bad.catch((e: unknown) => (e as JoinError).code);
  assert.equal(caught, 'ERR_TASK_FAILED');
  let ran = false;
  assert.equal(
    await ok.finally(() => {
      ran = true;
    }),
    1,
  );
  assert.equal(ran, true);
  assert.equal(Object.prototype.toString.call(ok), '[object JoinHandle]');
});

void test('CancelledError has name, code and cause', () => {
  const e = new CancelledError('gone', { cause: 'why' });
  assert.equal(e.name, 'CancelledError');
  assert.equal(e.code, 'ERR_CANCELLED');
  assert.equal(e.cause, 'why');
  assert.ok(e instanceof Error);
});

/** Counts microtask turns: `t` goes up by one per turn, for `n` turns. */
function microtaskClock(n = 40): { t: number } {
  const clock = { t: 0 };
  let p = Promise.resolve();
  for (let i = 0; i < n; i++) p = p.then(() => void clock.t++);
  return clock;
}

void test('handle callbacks run on fixed microtask turns, whatever the body and whenever then() is called', async () => {
  // The turns are part of the behaviour (fairness, select order): a change to how
  // a task tracks its completion must not move them.
  const turns: Record<string, number> = {};
  const at = (name: string, clock: { t: number }) => () => void (turns[name] = clock.t);
  const swallow = (): void => undefined;
  let c = microtaskClock();
  void spawn(async () => 1).then(at('async body, then() before start', c));
  await sleep(1);
  c = microtaskClock();
  void spawn(() => 1).then(at('sync body, then() before start', c));
  await sleep(1);
  c = microtaskClock();
  void spawn(async () => {
    throw new Error('x');
  }).then(undefined, at('failed, then() before start', c));
  await sleep(1);
  c = microtaskClock();
  const aborted = spawn(async () => 1);
  aborted.abort();
  void aborted.then(undefined, at('aborted before start', c));
  await sleep(1);
  c = microtaskClock();
  const running = spawn(async () => {
    await Promise.resolve();
    await Promise.resolve();
    return 2;
  });
  await Promise.resolve();
  void running.then(at('then() while running', c));
  await sleep(1);
  const finished = spawn(async () => 3);
  await sleep(1);
  c = microtaskClock();
  void finished.then(at('then() after finish', c));
  await finished;
  turns['await after finish'] = c.t;
  const failed = spawn(async () => {
    throw new Error('y');
  });
  failed.then(undefined, swallow);
  await sleep(1);
  c = microtaskClock();
  await failed.then(undefined, at('failed, then() after finish', c));
  c = microtaskClock();
  await Promise.all([spawn(async () => 1), spawn(() => 2), spawn(async () => 3)]);
  turns['Promise.all'] = c.t;
  c = microtaskClock();
  for (const h of [spawn(async () => 1), spawn(() => 2), spawn(async () => 3)]) await h;
  turns['await each'] = c.t;
  c = microtaskClock();
  const set = new JoinSet<number>();
  set.spawn(async () => 1);
  set.spawn(() => 2);
  await set.joinNext();
  await set.joinNext();
  turns['JoinSet'] = c.t;
  assert.deepEqual(turns, {
    'async body, then() before start': 3,
    'sync body, then() before start': 2,
    'failed, then() before start': 3,
    'aborted before start': 2,
    'then() while running': 5,
    'then() after finish': 1,
    'await after finish': 3,
    'failed, then() after finish': 1,
    'Promise.all': 5,
    'await each': 10,
    JoinSet: 3,
  });
});

void test('a body that enters and leaves a TaskLocal scope before returning its promise completes normally', async () => {
  const local = new TaskLocal<string>('k');
  const handle = spawn(() =>
    local.scope('v', async () => {
      await sleep(1);
      return `${local.get()} in task ${currentTask()?.id}`;
    }),
  );
  assert.equal(await handle, `v in task ${handle.id}`);
  const failing = spawn(() =>
    local.scope('v', async () => {
      await sleep(1);
      throw new Error('inner');
    }),
  );
  await assert.rejects(failing, (e: unknown) => e instanceof JoinError && e.isFailed());
});

void test('a body may return a non-native thenable; its value is the task value', async () => {
  const thenable = {
    then(resolve: (v: number) => void): void {
      setImmediate(() => resolve(7));
    },
  };
  const handle = spawn(() => thenable as unknown as PromiseLike<number>);
  assert.equal(await handle, 7);
  assert.equal(await handle, 7);
});
