import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, currentTask, yieldNow, sleep, JoinHandle, type TaskContext } from 'weft';

void test('spawn never runs the body synchronously', async () => {
  let ran = false;
  const handle = spawn(() => {
    ran = true;
  });
  assert.equal(ran, false);
  await handle;
  assert.equal(ran, true);
});

void test('spawn returns a JoinHandle that resolves with the body value', async () => {
  const handle = spawn(async () => {
    await sleep(1);
    return 42;
  });
  assert.ok(handle instanceof JoinHandle);
  assert.equal(await handle, 42);
});

void test('a synchronous body works and its value is delivered', async () => {
  assert.deepEqual(await spawn(() => ({ a: 1 })), { a: 1 });
});

void test('the body receives its TaskContext with id, name, signal and token', async () => {
  let seen: TaskContext | undefined;
  const handle = spawn(
    (task) => {
      seen = task;
    },
    { name: 'worker' },
  );
  await handle;
  assert.ok(seen);
  assert.equal(seen.id, handle.id);
  assert.equal(seen.name, 'worker');
  assert.ok(seen.signal instanceof AbortSignal);
  assert.equal(typeof seen.token.cancel, 'function');
});

void test('currentTask() inside a task is that task, across awaits', async () => {
  const handle = spawn(async (task) => {
    const before = currentTask();
    await sleep(1);
    await Promise.resolve();
    const after = currentTask();
    return before === task && after === task;
  });
  assert.equal(await handle, true);
});

void test('currentTask() outside any task is undefined', () => {
  assert.equal(currentTask(), undefined);
});

void test('a task spawned inside a task sees its own context, not the parent', async () => {
  const ids = await spawn(async (parent) => {
    const child = spawn(() => currentTask()?.id);
    return [parent.id, await child, child.id] as const;
  });
  assert.notEqual(ids[0], ids[1]);
  assert.equal(ids[1], ids[2]);
});

void test('yieldNow() lets a pending setImmediate run before the caller continues', async () => {
  let fired = false;
  setImmediate(() => (fired = true));
  await yieldNow();
  assert.equal(fired, true);
});

void test('yieldNow() lets an expired setTimeout run before the caller continues', async () => {
  // Start in the check phase (inside an immediate) so the next loop iteration's timers phase comes first.
  await new Promise((resolve) => setImmediate(resolve));
  let fired = false;
  setTimeout(() => (fired = true), 1);
  const until = performance.now() + 3;
  while (performance.now() < until) {
    /* let the timer expire */
  }
  await yieldNow();
  assert.equal(fired, true);
});

void test('yieldNow() lets other tasks run', async () => {
  const order: string[] = [];
  const a = spawn(async () => {
    order.push('a1');
    await yieldNow();
    order.push('a2');
  });
  const b = spawn(async () => {
    order.push('b1');
    await yieldNow();
    order.push('b2');
  });
  await a;
  await b;
  assert.deepEqual(order, ['a1', 'b1', 'a2', 'b2']);
});

void test('spawn rejects a non-function body with a TypeError', () => {
  for (const bad of [undefined, null, 42, 'fn', {}, Promise.resolve()]) {
    assert.throws(() => spawn(bad as never), { name: 'TypeError', message: /spawn: the task body must be a function/ });
  }
});

void test('spawn rejects a non-string name and non-object options with a TypeError', () => {
  assert.throws(() => spawn(() => 1, { name: 5 as never }), { name: 'TypeError', message: /name must be a string/ });
  assert.throws(() => spawn(() => 1, 'name' as never), { name: 'TypeError', message: /options must be an object/ });
});
