import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, CancelledError, JoinError } from 'weft';
import { Barrier } from 'weft/sync';
import { stateOf } from '../helpers/property.js';

void test('wait() holds callers until the n-th arrives, then releases them all', async () => {
  const b = new Barrier(3);
  const first = b.wait();
  const second = b.wait();
  assert.equal(await stateOf(first), 'pending');
  assert.equal(await stateOf(second), 'pending');
  const third = await b.wait();
  assert.equal(third.isLeader, true);
  assert.deepEqual(await Promise.all([first, second]), [{ isLeader: false }, { isLeader: false }]);
});

void test('there is exactly one leader per generation, and the barrier is reusable', async () => {
  const b = new Barrier(4);
  for (let generation = 0; generation < 3; generation++) {
    const results = await Promise.all(Array.from({ length: 4 }, () => b.wait()));
    assert.equal(results.filter((r) => r.isLeader).length, 1);
  }
});

void test('extra callers start the next generation', async () => {
  const b = new Barrier(2);
  const calls = Array.from({ length: 5 }, () => b.wait());
  const done = await Promise.all(calls.slice(0, 4));
  assert.equal(done.filter((r) => r.isLeader).length, 2);
  assert.equal(await stateOf(calls[4]!), 'pending');
  assert.equal((await b.wait()).isLeader, true);
  assert.equal((await calls[4]!).isLeader, false);
});

void test('Barrier(0) and Barrier(1) never wait and every call leads', async () => {
  for (const n of [0, 1]) {
    const b = new Barrier(n);
    assert.equal((await b.wait()).isLeader, true);
    assert.equal((await b.wait()).isLeader, true);
  }
});

void test('an aborted wait() withdraws its arrival', async () => {
  const b = new Barrier(2);
  const ac = new AbortController();
  const gone = b.wait({ signal: ac.signal });
  ac.abort(new Error('left'));
  await assert.rejects(gone, /left/);
  const x = b.wait();
  assert.equal(await stateOf(x), 'pending'); // the aborted arrival does not count
  const y = await b.wait();
  assert.equal(y.isLeader, true);
  assert.equal((await x).isLeader, false);
});

void test('aborting the task cancels its wait() with CancelledError and withdraws it', async () => {
  const b = new Barrier(2);
  let seen: unknown;
  const task = spawn(async () => {
    try {
      await b.wait();
    } catch (e) {
      seen = e;
      throw e;
    }
  });
  await new Promise((r) => setImmediate(r));
  task.abort();
  await assert.rejects(task, (e) => e instanceof JoinError && e.isCancelled());
  assert.ok(seen instanceof CancelledError);
  const x = b.wait();
  assert.equal(await stateOf(x), 'pending');
  await Promise.all([x, b.wait()]);
});

void test('an abort after the generation completed changes nothing', async () => {
  const b = new Barrier(2);
  const ac = new AbortController();
  const x = b.wait({ signal: ac.signal });
  const leader = await b.wait();
  ac.abort();
  assert.equal(leader.isLeader, true);
  assert.equal((await x).isLeader, false);
});

void test('Barrier(n) with a negative, fractional or non-number n throws synchronously', () => {
  for (const n of [-1, 1.5, NaN, Infinity]) assert.throws(() => new Barrier(n), RangeError, `Barrier(${n})`);
  assert.throws(() => new Barrier('3' as never), TypeError);
  assert.throws(() => new Barrier(2).wait({ signal: 1 as never }), TypeError);
});
