import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { TaskLocal, TaskLocalError, spawn, sleep, currentTask, JoinSet } from 'weft';

void test('get() returns the scoped value, visible across awaits', async () => {
  const local = new TaskLocal<string>('requestId');
  const seen = await local.scope('r-1', async () => {
    const a = local.get();
    await Promise.resolve();
    await sleep(1);
    await new Promise((resolve) => setTimeout(resolve, 1));
    return [a, local.get()];
  });
  assert.deepEqual(seen, ['r-1', 'r-1']);
});

void test('scope() returns what fn returns, synchronously for a synchronous fn', () => {
  const local = new TaskLocal<number>();
  assert.equal(
    local.scope(5, () => local.get() * 2),
    10,
  );
});

void test('get() outside any scope throws TaskLocalError naming the local', () => {
  const local = new TaskLocal<string>('user');
  assert.throws(
    () => local.get(),
    (e: unknown) =>
      e instanceof TaskLocalError &&
      e.code === 'ERR_TASK_LOCAL_NOT_SET' &&
      e.name === 'TaskLocalError' &&
      /'user'/.test(e.message),
  );
  assert.equal(local.tryGet(), undefined);
});

void test('the value is gone after scope() returns', async () => {
  const local = new TaskLocal<number>();
  await local.scope(1, async () => {
    await sleep(1);
  });
  assert.throws(() => local.get(), TaskLocalError);
});

void test('nested scopes shadow and restore; distinct locals are independent', () => {
  const a = new TaskLocal<string>('a');
  const b = new TaskLocal<string>('b');
  a.scope('outer', () => {
    b.scope('b1', () => {
      a.scope('inner', () => {
        assert.equal(a.get(), 'inner');
        assert.equal(b.get(), 'b1');
      });
      assert.equal(a.get(), 'outer');
    });
    assert.equal(b.tryGet(), undefined);
  });
});

void test('values are NOT inherited by tasks spawned inside the scope (Tokio semantics)', async () => {
  const local = new TaskLocal<string>('req');
  const inChild = await local.scope('parent value', () => spawn(() => local.tryGet()));
  assert.equal(inChild, undefined);
  const set = new JoinSet<string | undefined>();
  local.scope('x', () => set.spawn(() => local.tryGet()));
  assert.equal(await set.joinNext(), undefined);
});

void test("another AsyncLocalStorage's value DOES propagate into spawned tasks", async () => {
  const otel = new AsyncLocalStorage<{ traceId: string }>();
  const local = new TaskLocal<string>('req');
  const seen = await otel.run({ traceId: 't-1' }, () =>
    local.scope('req-1', () =>
      spawn(async () => {
        await sleep(1);
        return { trace: otel.getStore()?.traceId, local: local.tryGet() };
      }),
    ),
  );
  assert.deepEqual(seen, { trace: 't-1', local: undefined });
});

void test('a scope inside a task keeps currentTask() and the value across awaits', async () => {
  const local = new TaskLocal<number>();
  const result = await spawn(async (task) =>
    local.scope(7, async () => {
      await sleep(1);
      return currentTask() === task && local.get() === 7;
    }),
  );
  assert.equal(result, true);
});

void test('a task can set its own locals', async () => {
  const local = new TaskLocal<string>();
  const result = await spawn(() =>
    local.scope('mine', async () => {
      await sleep(1);
      return local.get();
    }),
  );
  assert.equal(result, 'mine');
});

void test('undefined is a valid scoped value: get() returns it without throwing', () => {
  const local = new TaskLocal<undefined>();
  assert.equal(
    local.scope(undefined, () => local.get()),
    undefined,
  );
});

void test('TaskLocal rejects bad input synchronously', () => {
  assert.throws(() => new TaskLocal(5 as never), { name: 'TypeError', message: /name must be a string/ });
  const local = new TaskLocal<number>();
  assert.throws(() => local.scope(1, 'fn' as never), { name: 'TypeError', message: /fn must be a function/ });
});
