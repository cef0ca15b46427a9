import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, CancelledError, JoinError } from 'weft';
import { RwLock, Semaphore } from 'weft/sync';
import { waitStats } from '../../src/core/wait-queue.js';
import { scheduler } from '../../src/core/scheduler.js';
import { stateOf } from '../helpers/property.js';

void test('readers share the lock', async () => {
  const lock = new RwLock(1);
  const a = await lock.read();
  const b = await lock.read();
  assert.equal(a.value + b.value, 2);
  a.release();
  b.release();
});

void test('an uncontended read() or write() allocates no wait', async () => {
  const lock = new RwLock(0);
  await scheduler.hop();
  const before = waitStats.parked;
  const r = lock.read();
  assert.equal(waitStats.parked, before);
  (await r).release();
  const w = lock.write();
  assert.equal(waitStats.parked, before);
  (await w).release();
});

void test('a writer excludes readers and other writers', async () => {
  const lock = new RwLock(0);
  const w = await lock.write();
  const r = lock.read();
  const w2 = lock.write();
  assert.equal(await stateOf(r), 'pending');
  assert.equal(await stateOf(w2), 'pending');
  assert.equal(lock.tryRead(), undefined);
  w.value = 1;
  w.release();
  const rg = await r;
  assert.equal(rg.value, 1);
  assert.equal(await stateOf(w2), 'pending');
  rg.release();
  (await w2).release();
});

void test('write() waits until every reader released', async () => {
  const lock = new RwLock('x');
  const r1 = await lock.read();
  const r2 = await lock.read();
  const w = lock.write();
  r1.release();
  assert.equal(await stateOf(w), 'pending');
  r2.release();
  (await w).release();
});

void test('a queued writer blocks readers that arrive after it (write-preferring)', async () => {
  const lock = new RwLock(0);
  const r1 = await lock.read();
  const w = lock.write();
  const r2 = lock.read();
  assert.equal(await stateOf(r2), 'pending');
  assert.equal(lock.tryRead(), undefined);
  r1.release();
  const wg = await w;
  assert.equal(await stateOf(r2), 'pending');
  wg.release();
  (await r2).release();
});

void test('grants follow arrival order across readers and writers', async () => {
  const lock = new RwLock(0);
  const first = await lock.write();
  const order: string[] = [];
  const ops = [
    lock.read().then((g) => (order.push('r1'), g)),
    lock.read().then((g) => (order.push('r2'), g)),
    lock.write().then((g) => (order.push('w1'), g)),
    lock.read().then((g) => (order.push('r3'), g)),
  ];
  first.release();
  const [g1, g2] = await Promise.all([ops[0]!, ops[1]!]);
  assert.deepEqual(order, ['r1', 'r2']);
  g1.release();
  g2.release();
  (await ops[2]!).release();
  (await ops[3]!).release();
  assert.deepEqual(order, ['r1', 'r2', 'w1', 'r3']);
});

void test('maxReaders limits how many readers hold the lock at once', async () => {
  const lock = new RwLock(0, { maxReaders: 2 });
  assert.equal(lock.maxReaders, 2);
  const a = await lock.read();
  const b = await lock.read();
  const c = lock.read();
  assert.equal(await stateOf(c), 'pending');
  assert.equal(lock.tryRead(), undefined);
  a.release();
  (await c).release();
  b.release();
  const w = lock.tryWrite();
  assert.ok(w);
  w.release();
});

void test('aborting a queued writer lets the readers behind it in', async () => {
  const lock = new RwLock(0);
  const r1 = await lock.read();
  const ac = new AbortController();
  const w = lock.write({ signal: ac.signal });
  const r2 = lock.read();
  assert.equal(await stateOf(r2), 'pending');
  ac.abort(new Error('no write'));
  await assert.rejects(w, /no write/);
  const g2 = await r2;
  r1.release();
  g2.release();
  const wg = lock.tryWrite();
  assert.ok(wg, 'nothing is held after the aborted writer left');
  wg.release();
});

void test('aborting the task cancels its read() with CancelledError', async () => {
  const lock = new RwLock(0);
  const w = await lock.write();
  let seen: unknown;
  const task = spawn(async () => {
    try {
      await lock.read();
    } catch (e) {
      seen = e;
      throw e;
    }
  });
  await new Promise((r) => setImmediate(r));
  task.abort();
  await assert.rejects(task, (e) => e instanceof JoinError && e.isCancelled());
  assert.ok(seen instanceof CancelledError);
  w.release();
  const again = lock.tryWrite();
  assert.ok(again);
  again.release();
});

void test('downgrade() turns write access into read access atomically', async () => {
  const lock = new RwLock(0);
  const w = await lock.write();
  const otherWriter = lock.write();
  const reader = lock.read();
  w.value = 5;
  const r = w.downgrade();
  assert.equal(r.value, 5);
  assert.throws(() => w.value, TypeError);
  w.release(); // no-op: the write guard is gone
  assert.equal(await stateOf(otherWriter), 'pending');
  assert.equal(await stateOf(reader), 'pending'); // FIFO: behind the queued writer
  r.release();
  (await otherWriter).release();
  (await reader).release();
});

void test('release() is idempotent, using releases, and a released guard throws TypeError', async () => {
  const lock = new RwLock({ n: 1 });
  const r = await lock.read();
  r.release();
  r.release();
  assert.throws(() => r.value, /released/);
  {
    using w = await lock.write();
    w.value = { n: 2 };
  }
  const w2 = lock.tryWrite();
  assert.ok(w2);
  assert.equal(w2.value.n, 2);
  w2.release();
  assert.throws(() => {
    w2.value = { n: 3 };
  }, TypeError);
});

void test('bad maxReaders and options throw synchronously', () => {
  for (const n of [0, -1, 1.5, NaN, Semaphore.MAX_PERMITS + 1]) {
    assert.throws(() => new RwLock(0, { maxReaders: n }), RangeError, `maxReaders ${n}`);
  }
  assert.throws(() => new RwLock(0, { maxReaders: '2' as never }), TypeError);
  assert.throws(() => new RwLock(0, 3 as never), TypeError);
  const lock = new RwLock(0);
  assert.throws(() => lock.read({ signal: 1 as never }), TypeError);
  assert.throws(() => lock.write('x' as never), TypeError);
});

void test('maxReaders 1 makes readers exclusive too', async () => {
  const lock = new RwLock(0, { maxReaders: 1 });
  const r = await lock.read();
  assert.equal(lock.tryRead(), undefined);
  assert.equal(lock.tryWrite(), undefined);
  r.release();
  const w = await lock.write();
  w.release();
});
