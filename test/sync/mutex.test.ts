import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { spawn, CancelledError, JoinError } from 'weft';
import { Mutex } from 'weft/sync';
import { waitStats } from '../../src/core/wait-queue.js';
import { scheduler } from '../../src/core/scheduler.js';
import { stateOf } from '../helpers/property.js';

void test('lock() resolves at once when the mutex is free, and isLocked follows the guard', async () => {
  const m = new Mutex(1);
  assert.equal(m.isLocked, false);
  const g = await m.lock();
  assert.equal(m.isLocked, true);
  assert.equal(g.value, 1);
  g.release();
  assert.equal(m.isLocked, false);
});

void test('an uncontended lock() allocates no wait', async () => {
  const m = new Mutex();
  await scheduler.hop(); // fresh budget
  const before = waitStats.parked;
  const p = m.lock();
  assert.equal(waitStats.parked, before);
  (await p).release();
});

void test('lock() waits while the mutex is held and gets it when released', async () => {
  const m = new Mutex();
  const g = await m.lock();
  const next = m.lock();
  assert.equal(await stateOf(next), 'pending');
  g.release();
  const g2 = await next;
  assert.equal(m.isLocked, true);
  g2.release();
});

void test('waiters get the lock in FIFO order', async () => {
  const m = new Mutex();
  const first = await m.lock();
  const order: number[] = [];
  const all = [1, 2, 3, 4].map(async (i) => {
    using _g = await m.lock();
    order.push(i);
    await new Promise((r) => setImmediate(r));
  });
  first.release();
  await Promise.all(all);
  assert.deepEqual(order, [1, 2, 3, 4]);
});

void test('tryLock() fails while the lock is held or others wait, and succeeds when free', async () => {
  const m = new Mutex();
  const g = m.tryLock();
  assert.ok(g);
  assert.equal(m.tryLock(), undefined);
  const waiting = m.lock();
  g.release(); // handed straight to the waiter
  assert.equal(m.tryLock(), undefined);
  (await waiting).release();
  const g3 = m.tryLock();
  assert.ok(g3);
  g3.release();
});

void test('release() is idempotent', async () => {
  const m = new Mutex();
  const g = await m.lock();
  g.release();
  const g2 = await m.lock();
  g.release(); // must not unlock g2
  assert.equal(m.isLocked, true);
  assert.equal(m.tryLock(), undefined);
  g2.release();
});

void test('a guard bound with using releases at the end of its scope', async () => {
  const m = new Mutex();
  {
    using _g = await m.lock();
    assert.equal(m.isLocked, true);
  }
  assert.equal(m.isLocked, false);
});

void test("the guard's value can be read and replaced", async () => {
  const m = new Mutex<string[]>([]);
  {
    using g = await m.lock();
    g.value.push('a');
    g.value = [...g.value, 'b'];
  }
  assert.deepEqual(await m.runExclusive((v) => v), ['a', 'b']);
});

void test("using a released guard's value throws TypeError", async () => {
  const m = new Mutex(5);
  const g = await m.lock();
  g.release();
  assert.throws(() => g.value, TypeError);
  assert.throws(() => {
    g.value = 6;
  }, /released/);
});

void test('runExclusive() releases the lock when fn throws (no poisoning)', async () => {
  const m = new Mutex(0);
  await assert.rejects(
    m.runExclusive(() => {
      throw new Error('sync boom');
    }),
    /sync boom/,
  );
  await assert.rejects(
    m.runExclusive(async () => {
      await Promise.resolve();
      throw new Error('async boom');
    }),
    /async boom/,
  );
  assert.equal(m.isLocked, false);
  assert.equal(await m.runExclusive((v) => v + 1), 1);
});

void test('runExclusive() runs holders one at a time', async () => {
  const m = new Mutex();
  let inside = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: 5 }, () =>
      m.runExclusive(async () => {
        peak = Math.max(peak, ++inside);
        await new Promise((r) => setImmediate(r));
        inside--;
      }),
    ),
  );
  assert.equal(peak, 1);
});

void test('aborting a waiting lock() rejects with the reason, leaves the queue and serves the next waiter', async () => {
  const m = new Mutex();
  const held = await m.lock();
  const ac = new AbortController();
  const a = m.lock({ signal: ac.signal });
  const b = m.lock();
  const reason = new Error('stop');
  ac.abort(reason);
  await assert.rejects(a, (e) => e === reason);
  held.release();
  const gb = await b;
  assert.equal(m.isLocked, true);
  gb.release();
  assert.equal(m.isLocked, false);
});

void test('lock() with an already aborted signal rejects and does not take the lock', async () => {
  const m = new Mutex();
  const ac = new AbortController();
  ac.abort(new Error('already'));
  await assert.rejects(m.lock({ signal: ac.signal }), /already/);
  assert.equal(m.isLocked, false);
  const g = await m.lock();
  await assert.rejects(m.lock({ signal: ac.signal }), /already/);
  g.release();
});

void test('aborting the task cancels its lock() with CancelledError', async () => {
  const m = new Mutex();
  const held = await m.lock();
  let seen: unknown;
  const task = spawn(async () => {
    try {
      await m.lock();
    } catch (e) {
      seen = e;
      throw e;
    }
  });
  await new Promise((r) => setImmediate(r));
  task.abort();
  await assert.rejects(task, (e) => e instanceof JoinError && e.isCancelled());
  assert.ok(seen instanceof CancelledError);
  held.release();
  assert.equal(m.isLocked, false);
});

void test('lock() and runExclusive() reject bad arguments synchronously', () => {
  const m = new Mutex();
  assert.throws(() => m.lock({ signal: 'x' as never }), TypeError);
  assert.throws(() => m.lock(5 as never), TypeError);
  assert.throws(() => m.runExclusive(undefined as never), TypeError);
});

void test('10,000 cancelled waits on one long-lived signal leave its listener count unchanged', async () => {
  const m = new Mutex();
  const held = await m.lock();
  const longLived = new AbortController();
  const before = getEventListeners(longLived.signal, 'abort').length;
  const tasks = Array.from({ length: 10_000 }, () => spawn(() => m.lock({ signal: longLived.signal })));
  await new Promise((r) => setImmediate(r));
  for (const t of tasks) t.abort();
  const results = await Promise.allSettled(tasks);
  assert.ok(results.every((r) => r.status === 'rejected'));
  assert.equal(getEventListeners(longLived.signal, 'abort').length, before);
  held.release();
  assert.equal(m.isLocked, false);
});

void test('a long run of uncontended locks yields to the macrotask queue (cooperative budget)', async () => {
  const m = new Mutex();
  let immediateRan = false;
  setImmediate(() => (immediateRan = true));
  for (let i = 0; i < 300 && !immediateRan; i++) (await m.lock()).release();
  assert.equal(immediateRan, true);
});

void test('a lock granted across a budget hop is still FIFO and cancellable', async () => {
  const m = new Mutex();
  await scheduler.hop();
  for (let i = 0; i < 127; i++) (await m.lock()).release(); // spend the budget
  const ac = new AbortController();
  const a = m.lock({ signal: ac.signal }); // granted, delivered after a macrotask
  assert.equal(m.isLocked, true);
  const b = m.lock();
  ac.abort(new Error('gone'));
  await assert.rejects(a, /gone/);
  (await b).release();
  assert.equal(m.isLocked, false);
});

void test('a lock granted across a budget hop to a task aborted meanwhile is given back', async () => {
  const m = new Mutex();
  let lockedBeforeAbort = false;
  const task = spawn(async (t) => {
    await scheduler.hop(); // fresh budget
    for (let i = 0; i < 127; i++) (await m.lock()).release();
    const p = m.lock(); // granted, delivered after a macrotask
    lockedBeforeAbort = m.isLocked;
    t.token.cancel();
    return p;
  });
  await assert.rejects(task, (e) => e instanceof JoinError && e.isCancelled());
  assert.equal(lockedBeforeAbort, true);
  assert.equal(m.isLocked, false);
});

void test('runExclusive() sees the value as the previous holder left it', async () => {
  const m = new Mutex('a');
  const g = await m.lock();
  const seen = m.runExclusive((v) => v);
  g.value = 'b';
  g.release();
  assert.equal(await seen, 'b');
});
