import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interval, now, select, sleep, spawn, yieldNow, CancelledError, JoinError, type Interval } from 'weft';
import { pause, resume, advance } from 'weft/testing';

async function paused<T>(fn: () => Promise<T>): Promise<T> {
  pause();
  try {
    return await fn();
  } finally {
    resume();
  }
}

/** Ticks `n` times, returning [scheduled instant, instant it resolved], both relative to t0. */
async function ticks(it: Interval, t0: number, n: number): Promise<Array<[number, number]>> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const at = await it.tick();
    out.push([at - t0, now() - t0]);
  }
  return out;
}

void test('the first tick is immediate and resolves with the start instant', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100);
    assert.equal(await it.tick(), t0);
    assert.equal(now(), t0, 'no time passed');
  }));

void test('tick() resolves with the SCHEDULED instant, one period apart', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100);
    assert.deepEqual(await ticks(it, t0, 4), [
      [0, 0],
      [100, 100],
      [200, 200],
      [300, 300],
    ]);
  }));

void test('interval(period, { start }) first ticks at start', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100, { start: t0 + 50 });
    assert.deepEqual(await ticks(it, t0, 3), [
      [50, 50],
      [150, 150],
      [250, 250],
    ]);
  }));

void test('period and missedTickBehavior are readable; the default is burst', () => {
  using it = interval(25);
  assert.equal(it.period, 25);
  assert.equal(it.missedTickBehavior, 'burst');
  it.missedTickBehavior = 'skip';
  assert.equal(it.missedTickBehavior, 'skip');
  assert.throws(() => (it.missedTickBehavior = 'later' as never), TypeError);
});

// Tokio's timelines: period 100 ms, the consumer stalls until 250 ms after the first tick.
void test('burst: missed ticks fire at once until caught up (100@250, 200@250, 300@300, 400@400)', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100, { missedTickBehavior: 'burst' });
    await it.tick();
    await advance(250); // busy: no tick pending
    assert.deepEqual(await ticks(it, t0, 4), [
      [100, 250],
      [200, 250],
      [300, 300],
      [400, 400],
    ]);
  }));

void test('delay: after a missed tick the next is one period from when it was taken (100@250, 350@350, 450@450)', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100, { missedTickBehavior: 'delay' });
    await it.tick();
    await advance(250);
    assert.deepEqual(await ticks(it, t0, 3), [
      [100, 250],
      [350, 350],
      [450, 450],
    ]);
  }));

void test('skip: after a missed tick the next is the next multiple of the period (100@250, 300@300, 400@400)', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100, { missedTickBehavior: 'skip' });
    await it.tick();
    await advance(250);
    assert.deepEqual(await ticks(it, t0, 3), [
      [100, 250],
      [300, 300],
      [400, 400],
    ]);
  }));

void test('skip with a stall of several periods jumps over all of them (100@730, 800@800)', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100, { missedTickBehavior: 'skip' });
    await it.tick();
    await advance(730);
    assert.deepEqual(await ticks(it, t0, 2), [
      [100, 730],
      [800, 800],
    ]);
  }));

void test('burst with a stall of several periods catches up with every missed tick', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100);
    await it.tick();
    await advance(430);
    assert.deepEqual(await ticks(it, t0, 5), [
      [100, 430],
      [200, 430],
      [300, 430],
      [400, 430],
      [500, 500],
    ]);
  }));

void test('a tick taken at most 5 ms late is not missed: the schedule stays (delay behaviour)', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100, { missedTickBehavior: 'delay' });
    await it.tick();
    await advance(105); // exactly 5 ms late
    assert.deepEqual(await ticks(it, t0, 2), [
      [100, 105],
      [200, 200],
    ]);
  }));

void test('a tick taken more than 5 ms late is missed (delay behaviour restarts from then)', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100, { missedTickBehavior: 'delay' });
    await it.tick();
    await advance(105.5);
    assert.deepEqual(await ticks(it, t0, 2), [
      [100, 105.5],
      [205.5, 205.5],
    ]);
  }));

void test('a tick taken at most 5 ms late is not missed (skip behaviour keeps the grid)', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100, { missedTickBehavior: 'skip' });
    await it.tick();
    await advance(104);
    assert.deepEqual(await ticks(it, t0, 2), [
      [100, 104],
      [200, 200],
    ]);
  }));

void test('reset() makes the next tick one period from now', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100);
    await it.tick();
    await advance(30);
    it.reset();
    assert.deepEqual(await ticks(it, t0, 2), [
      [130, 130],
      [230, 230],
    ]);
  }));

void test('resetImmediately() makes the next tick now', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100);
    await it.tick();
    await advance(30);
    it.resetImmediately();
    assert.deepEqual(await ticks(it, t0, 2), [
      [30, 30],
      [130, 130],
    ]);
  }));

void test('resetAfter(ms) makes the next tick ms from now', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100);
    await it.tick();
    await advance(10);
    it.resetAfter(25);
    assert.deepEqual(await ticks(it, t0, 2), [
      [35, 35],
      [135, 135],
    ]);
  }));

void test('resetAt(deadline) makes the next tick at the deadline', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100);
    await it.tick();
    it.resetAt(t0 + 42);
    assert.deepEqual(await ticks(it, t0, 2), [
      [42, 42],
      [142, 142],
    ]);
  }));

void test('a reset while a tick is pending moves that pending tick', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100);
    await it.tick();
    const pending = it.tick();
    await advance(20);
    it.resetAfter(10);
    const at = await pending;
    assert.equal(at - t0, 30);
    assert.equal(now() - t0, 30);
  }));

void test('resetImmediately() while a tick is pending resolves it now', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(1000);
    await it.tick();
    const pending = it.tick();
    await advance(20);
    it.resetImmediately();
    assert.equal((await pending) - t0, 20);
  }));

void test('tick() is cancel-safe: an aborted tick consumes no tick', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100);
    await it.tick();
    const controller = new AbortController();
    const pending = it.tick({ signal: controller.signal });
    await advance(50);
    controller.abort(new Error('gave up'));
    await assert.rejects(pending, { message: 'gave up' });
    assert.equal((await it.tick()) - t0, 100, 'the same tick is still next');
  }));

void test('tick() in an aborted task rejects with CancelledError and leaves the schedule', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100);
    await it.tick();
    const handle = spawn(() => it.tick());
    await yieldNow();
    handle.abort();
    await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
    assert.equal((await it.tick()) - t0, 100);
  }));

void test('a second tick() while one is pending throws a TypeError', () =>
  paused(async () => {
    using it = interval(100);
    await it.tick();
    const pending = it.tick();
    assert.throws(() => it.tick(), { name: 'TypeError', message: /already pending/ });
    await pending;
  }));

void test('disposing the interval rejects a pending tick and later ticks with CancelledError', () =>
  paused(async () => {
    const it = interval(100);
    await it.tick();
    const pending = it.tick();
    it[Symbol.dispose]();
    await assert.rejects(pending, CancelledError);
    await assert.rejects(it.tick(), CancelledError);
  }));

void test('the interval is async-iterable and yields scheduled instants', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(10);
    const seen: number[] = [];
    for await (const at of it) {
      seen.push(at - t0);
      if (seen.length === 4) break;
    }
    assert.deepEqual(seen, [0, 10, 20, 30]);
  }));

void test('an interval ticks in real time too', async () => {
  using it = interval(5);
  const first = await it.tick();
  const second = await it.tick();
  assert.equal(second - first, 5);
  assert.ok(now() >= second);
});

void test('a hot loop over a ready interval does not starve a setImmediate', () =>
  paused(async () => {
    using it = interval(1);
    await it.tick();
    await advance(10_000); // 10,000 missed ticks, all ready at once (burst)
    let fired = false;
    setImmediate(() => (fired = true));
    let beforeFired = 0;
    for (let i = 0; i < 2000; i++) {
      await it.tick();
      if (!fired) beforeFired++;
    }
    assert.equal(fired, true);
    assert.ok(beforeFired <= 200, `${beforeFired} ready ticks before the immediate ran`);
  }));

void test('interval rejects a zero, negative or NaN period with a RangeError', () => {
  for (const bad of [0, -1, NaN, -Infinity]) {
    assert.throws(() => interval(bad), { name: 'RangeError', message: /interval: periodMs must be/ });
  }
});

void test('interval rejects bad options', () => {
  assert.throws(() => interval('10' as never), { name: 'TypeError' });
  assert.throws(() => interval(10, { missedTickBehavior: 'later' as never }), { name: 'TypeError', message: /burst/ });
  assert.throws(() => interval(10, { start: NaN }), { name: 'RangeError' });
  assert.throws(() => interval(10, 5 as never), { name: 'TypeError', message: /options must be an object/ });
});

void test('reset methods validate their input', () => {
  using it = interval(10);
  assert.throws(() => it.resetAfter(-1), { name: 'RangeError' });
  assert.throws(() => it.resetAfter(NaN), { name: 'RangeError' });
  assert.throws(() => it.resetAt(NaN), { name: 'RangeError' });
  assert.throws(() => it.resetAt('1' as never), { name: 'TypeError' });
  assert.throws(() => it.tick({ signal: 1 as never }), { name: 'TypeError' });
});

void test('a sleep between ticks shorter than the period keeps the schedule', () =>
  paused(async () => {
    const t0 = now();
    using it = interval(100);
    const out: number[] = [];
    for (let i = 0; i < 4; i++) {
      out.push((await it.tick()) - t0);
      await sleep(60);
    }
    assert.deepEqual(out, [0, 100, 200, 300]);
  }));

void test('interval(Infinity) ticks once at once, then never: a pending tick waits until aborted or disposed', async () => {
  using every = interval(Infinity);
  assert.equal(every.period, Infinity);
  const t0 = now();
  const first = await every.tick();
  assert.ok(Math.abs(first - t0) < 1, 'the first tick is immediate, at the start instant');
  const ac = new AbortController();
  let settled = false;
  const second = every.tick({ signal: ac.signal }).finally(() => (settled = true));
  await sleep(30);
  assert.equal(settled, false, 'no second tick');
  const reason = new Error('enough');
  ac.abort(reason);
  await assert.rejects(second, (e) => e === reason);
  // A tick pending at dispose is rejected, and nothing was left in the timer heap.
  const third = every.tick();
  every[Symbol.dispose]();
  await assert.rejects(third, { name: 'CancelledError' });
});

void test('interval(Infinity) on a paused clock: advancing time a trillion ms brings no second tick', () =>
  paused(async () => {
    using every = interval(Infinity, { missedTickBehavior: 'skip' });
    await every.tick();
    const r = await select({ tick: (signal) => every.tick({ signal }), later: (signal) => sleep(1e12, { signal }) });
    assert.equal(r.key, 'later');
  }));
