import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, sleep, JoinError, CancelledError } from 'weft';

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
