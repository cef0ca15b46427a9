import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, CancelledError, JoinError } from 'weft';
import { Semaphore, ClosedError } from 'weft/sync';
import { waitStats } from '../../src/core/wait-queue.js';
import { scheduler } from '../../src/core/scheduler.js';
import { stateOf } from '../helpers/property.js';

void test('acquire() resolves at once while permits are free', async () => {
  const sem = new Semaphore(3);
  const p = await sem.acquire(2);
  assert.equal(p.count, 2);
  assert.equal(sem.availablePermits, 1);
  p.release();
  assert.equal(sem.availablePermits, 3);
});

void test('an acquire() served from free permits allocates no wait', async () => {
  const sem = new Semaphore(1);
  await scheduler.hop(); // fresh budget
  const before = waitStats.parked;
  const p = sem.acquire();
  assert.equal(waitStats.parked, before);
  (await p).release();
});

void test('acquire() waits when no permits remain', async () => {
  const sem = new Semaphore(1);
  const held = await sem.acquire();
  const waiting = sem.acquire();
  assert.equal(await stateOf(waiting), 'pending');
  held.release();
  (await waiting).release();
  assert.equal(sem.availablePermits, 1);
});

void test('a waiting acquire(n) blocks later smaller acquires (FIFO)', async () => {
  const sem = new Semaphore(2);
  const held = await sem.acquire(2);
  const big = sem.acquire(2);
  const small = sem.acquire(1);
  held.release(); // 2 free: the big request at the head gets them both
  const bigPermit = await big;
  assert.equal(await stateOf(small), 'pending');
  assert.equal(sem.tryAcquire(), undefined);
  bigPermit.release();
  (await small).release();
  assert.equal(sem.availablePermits, 2);
});

void test('permits freed while a large request waits are held for it, not given to smaller ones', async () => {
  const sem = new Semaphore(3);
  const a = await sem.acquire(1);
  const b = await sem.acquire(1);
  const big = sem.acquire(3); // takes the 1 free permit, waits for 2 more
  assert.equal(sem.availablePermits, 0);
  const small = sem.acquire(1);
  a.release();
  assert.equal(sem.availablePermits, 0);
  assert.equal(await stateOf(small), 'pending');
  b.release();
  const bigPermit = await big;
  assert.equal(bigPermit.count, 3);
  bigPermit.release();
  (await small).release();
  assert.equal(sem.availablePermits, 3);
});

void test('a cancelled head acquire(n) unblocks smaller acquires behind it', async () => {
  const sem = new Semaphore(3);
  const held = await sem.acquire(2); // 1 free
  const ac = new AbortController();
  const big = sem.acquire(3, { signal: ac.signal }); // takes the free permit, waits for 2
  const small = sem.acquire(1);
  assert.equal(await stateOf(small), 'pending');
  ac.abort(new Error('gave up'));
  await assert.rejects(big, /gave up/);
  const smallPermit = await small; // the returned permit fits the small request
  assert.equal(sem.availablePermits, 0);
  held.release();
  smallPermit.release();
  assert.equal(sem.availablePermits, 3);
});

void test('aborting a waiting acquire returns the permits it had been assigned', async () => {
  const sem = new Semaphore(5);
  const held = await sem.acquire(2);
  const ac = new AbortController();
  const big = sem.acquire(5, { signal: ac.signal });
  assert.equal(sem.availablePermits, 0); // 3 assigned to the waiter
  ac.abort();
  await assert.rejects(big, { name: 'AbortError' });
  assert.equal(sem.availablePermits, 3);
  held.release();
  assert.equal(sem.availablePermits, 5);
});

void test('aborting the task cancels its acquire() with CancelledError and returns its permits', async () => {
  const sem = new Semaphore(1);
  const held = await sem.acquire();
  let seen: unknown;
  const task = spawn(async () => {
    try {
      await sem.acquire();
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
  assert.equal(sem.availablePermits, 1);
});

void test('close() rejects waiters and later acquires with ClosedError; held permits stay valid', async () => {
  const sem = new Semaphore(1);
  const held = await sem.acquire();
  const w1 = sem.acquire();
  const w2 = sem.withPermit(() => 'never');
  sem.close();
  assert.equal(sem.isClosed, true);
  await assert.rejects(w1, ClosedError);
  await assert.rejects(w2, (e) => e instanceof ClosedError && e.code === 'ERR_CLOSED');
  await assert.rejects(sem.acquire(), ClosedError);
  assert.throws(() => sem.tryAcquire(), ClosedError);
  held.release();
  assert.equal(sem.availablePermits, 1);
  sem.close(); // idempotent
});

void test('close() returns the permits partly assigned to waiters', async () => {
  const sem = new Semaphore(2);
  const held = await sem.acquire();
  const w = sem.acquire(2); // holds the free one
  assert.equal(sem.availablePermits, 0);
  sem.close();
  await assert.rejects(w, ClosedError);
  assert.equal(sem.availablePermits, 1);
  held.release();
});

void test('addPermits() serves waiters in order and then adds to the free count', async () => {
  const sem = new Semaphore(0);
  const a = sem.acquire(2);
  const b = sem.acquire(1);
  sem.addPermits(1);
  assert.equal(await stateOf(a), 'pending');
  sem.addPermits(3);
  const [pa, pb] = await Promise.all([a, b]);
  assert.equal(sem.availablePermits, 1);
  pa.release();
  pb.release();
  assert.equal(sem.availablePermits, 4);
});

void test('forget() drops permits without returning them', async () => {
  const sem = new Semaphore(3);
  const p = await sem.acquire(2);
  p.forget();
  assert.equal(p.count, 0);
  p.release(); // no-op after forget
  assert.equal(sem.availablePermits, 1);
});

void test('release() is idempotent and using releases at the end of the scope', async () => {
  const sem = new Semaphore(2);
  const p = await sem.acquire(2);
  p.release();
  p.release();
  assert.equal(sem.availablePermits, 2);
  {
    using _q = await sem.acquire();
    assert.equal(sem.availablePermits, 1);
  }
  assert.equal(sem.availablePermits, 2);
});

void test('withPermit() releases the permit when fn throws (no poisoning)', async () => {
  const sem = new Semaphore(1);
  await assert.rejects(
    sem.withPermit(() => {
      throw new Error('boom');
    }),
    /boom/,
  );
  await assert.rejects(
    sem.withPermit(() => Promise.reject(new Error('async boom'))),
    /async boom/,
  );
  assert.equal(sem.availablePermits, 1);
  assert.equal(await sem.withPermit(async () => 7), 7);
});

void test('withPermit() bounds concurrency', async () => {
  const sem = new Semaphore(3);
  let running = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: 20 }, () =>
      sem.withPermit(async () => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setImmediate(r));
        running--;
      }),
    ),
  );
  assert.equal(peak, 3);
});

void test('aborting a withPermit() that waits does not run fn', async () => {
  const sem = new Semaphore(1);
  const held = await sem.acquire();
  const ac = new AbortController();
  let ran = false;
  const p = sem.withPermit(
    () => {
      ran = true;
    },
    { signal: ac.signal },
  );
  ac.abort();
  await assert.rejects(p, { name: 'AbortError' });
  held.release();
  await new Promise((r) => setImmediate(r));
  assert.equal(ran, false);
  assert.equal(sem.availablePermits, 1);
});

void test('tryAcquire() takes free permits but never jumps the queue', async () => {
  const sem = new Semaphore(2);
  const p = sem.tryAcquire(2);
  assert.ok(p);
  assert.equal(sem.tryAcquire(), undefined);
  const waiting = sem.acquire(2);
  p.release();
  assert.equal(sem.tryAcquire(), undefined);
  (await waiting).release();
});

void test('MAX_PERMITS is 2^31 - 1 and bounds the semaphore', () => {
  assert.equal(Semaphore.MAX_PERMITS, 2 ** 31 - 1);
  const sem = new Semaphore(Semaphore.MAX_PERMITS);
  assert.equal(sem.availablePermits, Semaphore.MAX_PERMITS);
  assert.throws(() => sem.addPermits(1), RangeError);
  assert.throws(() => new Semaphore(Semaphore.MAX_PERMITS + 1), RangeError);
});

void test('bad permit counts throw synchronously: acquire(0), negative, NaN, fractional, above MAX_PERMITS', () => {
  const sem = new Semaphore(1);
  for (const n of [0, -1, NaN, 1.5, Infinity, Semaphore.MAX_PERMITS + 1]) {
    assert.throws(() => sem.acquire(n), RangeError, `acquire(${n})`);
    assert.throws(() => sem.tryAcquire(n), RangeError, `tryAcquire(${n})`);
  }
  assert.throws(() => sem.acquire('1' as never), TypeError);
  assert.throws(() => sem.acquire(1, { signal: {} as never }), TypeError);
  assert.throws(() => sem.addPermits(-1), RangeError);
  assert.throws(() => sem.addPermits(0.5), RangeError);
  assert.throws(() => sem.withPermit('x' as never), TypeError);
  for (const n of [-1, NaN, 2.5]) assert.throws(() => new Semaphore(n), RangeError, `Semaphore(${n})`);
  assert.throws(() => new Semaphore(undefined as never), TypeError);
  assert.equal(sem.availablePermits, 1);
});

void test('a long run of immediate acquires yields to the macrotask queue (cooperative budget)', async () => {
  const sem = new Semaphore(4);
  let immediateRan = false;
  setImmediate(() => (immediateRan = true));
  for (let i = 0; i < 300 && !immediateRan; i++) (await sem.acquire()).release();
  assert.equal(immediateRan, true);
});

void test('withPermit() never runs fn synchronously, whether the permit is free or awaited', async () => {
  const sem = new Semaphore(1);
  const ran: string[] = [];
  const a = sem.withPermit(() => ran.push('a'));
  const b = sem.withPermit(() => ran.push('b'));
  assert.deepEqual(ran, []);
  await Promise.all([a, b]);
  assert.deepEqual(ran, ['a', 'b']);
});

void test('withPermit() aborted in the same step its permit was granted does not run fn and passes the permit on', async () => {
  const sem = new Semaphore(1);
  const held = await sem.acquire();
  const ac = new AbortController();
  let ranFirst = false;
  const first = sem.withPermit(
    () => {
      ranFirst = true;
    },
    { signal: ac.signal },
  );
  const second = sem.withPermit(() => 'second');
  held.release(); // grants `first`, whose fn would run a microtask later...
  ac.abort(new Error('too late')); // ...but it is aborted first
  await assert.rejects(first, /too late/);
  assert.equal(await second, 'second');
  assert.equal(ranFirst, false);
  assert.equal(sem.availablePermits, 1);
});

void test('withPermit() releases the permit before its promise settles', async () => {
  const sem = new Semaphore(1);
  await sem.withPermit(async () => {
    await new Promise((r) => setImmediate(r));
  });
  assert.equal(sem.availablePermits, 1);
  await sem.withPermit(() => 1);
  assert.equal(sem.availablePermits, 1);
});

void test('withPermit() granted across a budget hop still runs fn once and can be aborted', async () => {
  const sem = new Semaphore(1);
  await scheduler.hop();
  for (let i = 0; i < 127; i++) await sem.withPermit(() => i);
  const ac = new AbortController();
  let ran = 0;
  const a = sem.withPermit(() => ran++, { signal: ac.signal }); // budget spent: delivered after a macrotask
  const b = sem.withPermit(() => ran++);
  ac.abort();
  await assert.rejects(a, { name: 'AbortError' });
  await b;
  assert.equal(ran, 1);
  assert.equal(sem.availablePermits, 1);
});
