import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { sleep, sleepUntil, now, spawn, yieldNow, JoinError, CancelledError } from 'weft';
import { pause, resume, advance } from 'weft/testing';

async function paused<T>(fn: () => Promise<T>): Promise<T> {
  pause();
  try {
    return await fn();
  } finally {
    resume();
  }
}

void test('now() is monotonic and moves with real time when not paused', async () => {
  let last = now();
  for (let i = 0; i < 1000; i++) {
    const t = now();
    assert.ok(t >= last);
    last = t;
  }
  const t0 = now();
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(now() - t0 >= 4);
});

void test('sleep(ms) resolves after ms on the runtime clock (real time)', async () => {
  const t0 = now();
  await sleep(10);
  assert.ok(now() - t0 >= 10, `slept ${now() - t0} ms`);
});

void test('sleep(ms) resolves exactly ms later on the paused clock', () =>
  paused(async () => {
    const t0 = now();
    await sleep(1234);
    assert.equal(now() - t0, 1234);
  }));

void test('sleep(0) resolves without a timer', async () => {
  const p = sleep(0);
  assert.equal((await import('../../src/runtime/runtime.js')).currentRuntime().clock.timers.size, 0);
  await p;
});

void test('a fractional sleep waits the fraction on the paused clock', () =>
  paused(async () => {
    let done = false;
    const p = sleep(0.5).then(() => (done = true));
    await advance(0.4);
    assert.equal(done, false);
    await advance(0.1);
    assert.equal(done, true);
    await p;
  }));

void test('a fractional sleep resolves in real time too', async () => {
  const t0 = now();
  await sleep(1.5);
  assert.ok(now() - t0 >= 1.5);
});

void test('sleep(Infinity) never resolves, keeps no timer, and can be aborted', () =>
  paused(async () => {
    const controller = new AbortController();
    let settled = false;
    const p = sleep(Infinity, { signal: controller.signal }).finally(() => (settled = true));
    await advance(1e12);
    assert.equal(settled, false);
    controller.abort(new Error('stop'));
    await assert.rejects(p, { message: 'stop' });
  }));

void test('sleep(Infinity) in a task is cancelled by the task abort', async () => {
  const handle = spawn(() => sleep(Infinity));
  await yieldNow();
  handle.abort();
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
});

void test('aborting the signal rejects with its reason at once, removes the timer and the listener', () =>
  paused(async () => {
    const controller = new AbortController();
    const p = sleep(1000, { signal: controller.signal });
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    controller.abort('why');
    await assert.rejects(p, (e: unknown) => e === 'why');
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  }));

void test('one abort listener serves many sleeps on the same signal', async () => {
  const controller = new AbortController();
  const sleeps = Array.from({ length: 100 }, () => sleep(1_000_000, { signal: controller.signal }));
  assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
  controller.abort();
  const results = await Promise.allSettled(sleeps);
  assert.ok(results.every((r) => r.status === 'rejected'));
});

void test('a completed sleep leaves no listener on a long-lived signal', async () => {
  const signal = new AbortController().signal;
  for (let i = 0; i < 5; i++) await sleep(1, { signal });
  assert.equal(getEventListeners(signal, 'abort').length, 0);
});

void test('an already-aborted signal rejects even for sleep(0)', async () => {
  await assert.rejects(sleep(0, { signal: AbortSignal.abort('pre') }), (e: unknown) => e === 'pre');
  await assert.rejects(sleep(10, { signal: AbortSignal.abort('pre') }), (e: unknown) => e === 'pre');
});

void test('sleep in an aborted task rejects with CancelledError', async () => {
  let err: unknown;
  const handle = spawn(async () => {
    err = await sleep(1000).catch((e: unknown) => e);
  });
  await yieldNow();
  handle.abort();
  await handle.catch(() => {});
  assert.ok(err instanceof CancelledError);
});

void test('sleepUntil(deadline) resolves when the clock reaches the deadline', () =>
  paused(async () => {
    const deadline = now() + 500;
    await sleepUntil(deadline);
    assert.equal(now(), deadline);
  }));

void test('sleepUntil() with a deadline in the past resolves at once', async () => {
  await sleepUntil(now() - 1000);
  await sleepUntil(-Infinity);
});

void test('sleepUntil(Infinity) waits until aborted', async () => {
  const controller = new AbortController();
  const p = sleepUntil(Infinity, { signal: controller.signal });
  setTimeout(() => controller.abort(new Error('later')), 2);
  await assert.rejects(p, { message: 'later' });
});

void test('sleeps of different lengths resolve in deadline order', () =>
  paused(async () => {
    const order: number[] = [];
    await Promise.all([30, 10, 20, 10].map((ms, i) => sleep(ms).then(() => order.push(i))));
    assert.deepEqual(order, [1, 3, 2, 0]);
  }));

void test('sleep rejects a negative or NaN duration with a RangeError', () => {
  for (const bad of [-1, -0.001, NaN, -Infinity]) {
    assert.throws(() => sleep(bad), { name: 'RangeError', message: /sleep: ms must be >= 0/ });
  }
});

void test('sleep rejects a non-number duration with a TypeError', () => {
  for (const bad of ['5', undefined, null, 5n, {}]) {
    assert.throws(() => sleep(bad as never), { name: 'TypeError', message: /sleep: ms must be a number/ });
  }
});

void test('sleep rejects bad options with a TypeError', () => {
  assert.throws(() => sleep(1, 5 as never), { name: 'TypeError', message: /options must be an object/ });
  assert.throws(() => sleep(1, { signal: {} as never }), { name: 'TypeError', message: /AbortSignal/ });
});

void test('sleepUntil rejects NaN with a RangeError and a non-number with a TypeError', () => {
  assert.throws(() => sleepUntil(NaN), { name: 'RangeError', message: /sleepUntil: deadline must not be NaN/ });
  assert.throws(() => sleepUntil('1' as never), {
    name: 'TypeError',
    message: /sleepUntil: deadline must be a number/,
  });
});
