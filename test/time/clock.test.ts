import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, sleepUntil, interval, timeout, now } from 'weft';
import { currentRuntime } from '../../src/runtime/runtime.js';
import { pause, resume } from 'weft/testing';

function nodeTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

void test('all weft timers share one heap, driven by one Node timer at a time', async () => {
  const before = nodeTimers();
  const controller = new AbortController();
  const { signal } = controller;
  const waits = [
    ...Array.from({ length: 50 }, (_, i) => sleep(1000 + i, { signal })),
    sleepUntil(now() + 5000, { signal }),
    timeout(30, (s) => sleep(1_000_000, { signal: s })),
  ];
  using every = interval(700);
  await every.tick();
  const tick = every.tick({ signal });
  assert.equal(currentRuntime().clock.timers.size, 50 + 1 + 2 + 1);
  assert.equal(nodeTimers() - before, 1, 'exactly one Node timer for every weft timer');
  controller.abort();
  await Promise.allSettled([...waits.slice(0, 51), tick]);
  // The timeout and its work are still pending: still one Node timer.
  assert.equal(nodeTimers() - before, 1);
  await assert.rejects(waits[51]!);
});

void test('with no weft timer pending, weft holds no Node timer', async () => {
  const before = nodeTimers();
  const controller = new AbortController();
  const p = sleep(10_000, { signal: controller.signal });
  assert.equal(nodeTimers(), before + 1);
  controller.abort();
  await p.catch(() => {});
  assert.equal(currentRuntime().clock.timers.size, 0);
  assert.equal(nodeTimers(), before);
});

void test('a shorter timer added later re-arms the Node timer for the earlier deadline', async () => {
  const t0 = now();
  const controller = new AbortController();
  const long = sleep(10_000, { signal: controller.signal });
  await sleep(5);
  assert.ok(now() - t0 < 1000);
  controller.abort();
  await long.catch(() => {});
});

void test('timers due at the same instant fire in the order they were set', async () => {
  // Far enough ahead that all five are set before it passes, even on a loaded machine
  // (a deadline already past completes at once, through the cooperative budget).
  const deadline = now() + 20;
  const order: number[] = [];
  await Promise.all([0, 1, 2, 3, 4].map((i) => sleepUntil(deadline).then(() => order.push(i))));
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
});

void test('timers never fire early on the real clock', async () => {
  const results = await Promise.all(
    [1, 2, 3, 5, 8].map(async (ms) => {
      const t0 = now();
      await sleep(ms);
      return now() - t0 - ms;
    }),
  );
  assert.ok(
    results.every((late) => late >= 0),
    `lateness ${results.join(', ')}`,
  );
});

/** Blocks the event loop until `deadline`, so that every timer due by then fires in one Node timer turn. */
function blockUntil(deadline: number): void {
  while (now() < deadline);
}

void test('timers due in one Node timer turn fire in deadline order, whatever order they were set in', async () => {
  const t0 = now();
  const order: string[] = [];
  const ps = [
    sleepUntil(t0 + 2.7).then(() => order.push('2.7')),
    sleepUntil(t0 + 2.2).then(() => order.push('2.2 first')),
    sleepUntil(t0 + 1.1).then(() => order.push('1.1')),
    sleepUntil(t0 + 2.2).then(() => order.push('2.2 second')),
  ];
  blockUntil(t0 + 6);
  await Promise.all(ps);
  assert.deepEqual(order, ['1.1', '2.2 first', '2.2 second', '2.7']);
});

void test('code woken by a timer runs before timers of a later millisecond due in the same turn, and can cancel them', async () => {
  const t0 = now();
  const controller = new AbortController();
  const order: string[] = [];
  const later = sleepUntil(t0 + 4, { signal: controller.signal }).then(
    () => order.push('later fired'),
    () => order.push('later cancelled'),
  );
  const earlier = sleepUntil(t0 + 1).then(() => {
    order.push('earlier');
    controller.abort();
  });
  blockUntil(t0 + 10); // both are due when the Node timer fires
  await Promise.all([earlier, later]);
  assert.deepEqual(order, ['earlier', 'later cancelled']);
});

void test('pausing the clock from code woken mid-turn leaves the rest of the due timers to the paused clock', async () => {
  const t0 = now();
  const order: string[] = [];
  let pausedAt = 0;
  let laterAt = 0;
  const later = sleepUntil(t0 + 4).then(() => {
    order.push('later');
    laterAt = now();
  });
  const earlier = sleepUntil(t0 + 1).then(() => {
    order.push('earlier');
    pause();
    pausedAt = now();
  });
  blockUntil(t0 + 10);
  try {
    await Promise.all([earlier, later]); // the later one fires through auto-advance
    assert.deepEqual(order, ['earlier', 'later']);
    assert.equal(laterAt, pausedAt, 'already due: fired without moving the paused clock');
    assert.equal(currentRuntime().clock.timers.size, 0);
  } finally {
    resume();
  }
});
