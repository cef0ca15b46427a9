import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, CancelledError, JoinError } from 'weft';
import { OnceCell } from 'weft/sync';
import { stateOf } from '../helpers/property.js';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

void test('get() is undefined until a value is set, and isInitialized follows', async () => {
  const cell = new OnceCell<number>();
  assert.equal(cell.get(), undefined);
  assert.equal(cell.isInitialized, false);
  assert.equal(await cell.getOrInit(() => 3), 3);
  assert.equal(cell.get(), 3);
  assert.equal(cell.isInitialized, true);
});

void test('concurrent getOrInit() calls run one initializer and share its value', async () => {
  const cell = new OnceCell<object>();
  let runs = 0;
  const gate = deferred<void>();
  const init = async (): Promise<object> => {
    runs++;
    await gate.promise;
    return { made: runs };
  };
  const calls = Array.from({ length: 5 }, () => cell.getOrInit(init));
  gate.resolve();
  const values = await Promise.all(calls);
  assert.equal(runs, 1);
  assert.ok(values.every((v) => v === values[0]));
  assert.equal(await cell.getOrInit(init), values[0]);
  assert.equal(runs, 1);
});

void test('a failing initializer rejects its caller and lets the next caller try', async () => {
  const cell = new OnceCell<string>();
  const gate = deferred<string>();
  const first = cell.getOrInit(() => gate.promise);
  const second = cell.getOrInit(() => 'second');
  const third = cell.getOrInit(() => 'third');
  gate.reject(new Error('first failed'));
  await assert.rejects(first, /first failed/);
  assert.equal(await second, 'second');
  assert.equal(await third, 'second');
});

void test('a synchronously throwing initializer lets the next caller try', async () => {
  const cell = new OnceCell<number>();
  await assert.rejects(
    cell.getOrInit(() => {
      throw new Error('sync');
    }),
    /sync/,
  );
  assert.equal(cell.isInitialized, false);
  assert.equal(await cell.getOrInit(() => 2), 2);
});

void test('set() returns false when already set, and while an initializer runs', async () => {
  const cell = new OnceCell<number>();
  const gate = deferred<number>();
  const init = cell.getOrInit(() => gate.promise);
  assert.equal(cell.set(1), false);
  gate.resolve(2);
  assert.equal(await init, 2);
  assert.equal(cell.set(3), false);
  assert.equal(cell.get(), 2);
  const other = new OnceCell<number>();
  assert.equal(other.set(1), true);
  assert.equal(other.set(2), false);
  assert.equal(await other.getOrInit(() => 9), 1);
});

void test('an aborted waiter stops waiting; the running initializer still fills the cell', async () => {
  const cell = new OnceCell<number>();
  const gate = deferred<number>();
  const ac = new AbortController();
  const runner = cell.getOrInit(() => gate.promise, { signal: ac.signal });
  const waiter = cell.getOrInit(() => -1);
  ac.abort(new Error('bye'));
  await assert.rejects(runner, /bye/);
  assert.equal(await stateOf(waiter), 'pending');
  gate.resolve(5);
  assert.equal(await waiter, 5);
  assert.equal(cell.get(), 5);
});

void test('aborting the task cancels its getOrInit() wait with CancelledError', async () => {
  const cell = new OnceCell<number>();
  const gate = deferred<number>();
  const running = cell.getOrInit(() => gate.promise);
  let seen: unknown;
  const task = spawn(async () => {
    try {
      return await cell.getOrInit(() => 0);
    } catch (e) {
      seen = e;
      throw e;
    }
  });
  await new Promise((r) => setImmediate(r));
  task.abort();
  await assert.rejects(task, (e) => e instanceof JoinError && e.isCancelled());
  assert.ok(seen instanceof CancelledError);
  gate.resolve(1);
  assert.equal(await running, 1);
});

void test('getOrInit() rejects a non-function and bad options synchronously', () => {
  const cell = new OnceCell<number>();
  assert.throws(() => cell.getOrInit(5 as never), TypeError);
  assert.throws(() => cell.getOrInit(() => 1, { signal: 'x' as never }), TypeError);
  assert.equal(cell.isInitialized, false);
});
