import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, now, interval, spawn, timeout, yieldNow, Runtime } from 'weft';
import { pause, resume, advance, isPaused } from 'weft/testing';
import fc from 'fast-check';

void test('pause() stops the clock and resume() continues from where it stood', async () => {
  assert.equal(isPaused(), false);
  pause();
  try {
    assert.equal(isPaused(), true);
    const t0 = now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(now(), t0, 'time stands still while paused');
  } finally {
    resume();
  }
  assert.equal(isPaused(), false);
  const t1 = now();
  await new Promise((resolve) => setTimeout(resolve, 3));
  assert.ok(now() > t1);
});

void test('resume() keeps now() monotonic (no jump back, no jump by the paused time)', async () => {
  const before = now();
  pause();
  await advance(10_000);
  const pausedAt = now();
  resume();
  const after = now();
  assert.ok(pausedAt >= before + 10_000);
  assert.ok(after >= pausedAt && after - pausedAt < 1000);
});

void test('nested pause() throws a RangeError', () => {
  pause();
  try {
    assert.throws(() => pause(), { name: 'RangeError', message: /already paused/ });
  } finally {
    resume();
  }
});

void test('resume() when not paused throws a RangeError', () => {
  assert.throws(() => resume(), { name: 'RangeError', message: /not paused/ });
});

void test('advance() when not paused throws a RangeError synchronously', () => {
  assert.throws(() => advance(1), { name: 'RangeError', message: /not paused/ });
});

void test('advance() rejects a negative, NaN or infinite duration synchronously', () => {
  pause();
  try {
    for (const bad of [-1, NaN, Infinity]) assert.throws(() => advance(bad), { name: 'RangeError' });
    assert.throws(() => advance('1' as never), { name: 'TypeError' });
  } finally {
    resume();
  }
});

void test('advance(ms) moves the clock by exactly ms and fires the timers due', async () => {
  pause();
  try {
    const t0 = now();
    const fired: number[] = [];
    const a = sleep(100).then(() => fired.push(100));
    const b = sleep(300).then(() => fired.push(300));
    await advance(99);
    assert.deepEqual(fired, []);
    await advance(1);
    assert.deepEqual(fired, [100]);
    await advance(150);
    assert.equal(now() - t0, 250);
    assert.deepEqual(fired, [100]);
    await advance(50);
    assert.deepEqual(fired, [100, 300]);
    await Promise.all([a, b]);
  } finally {
    resume();
  }
});

void test('advance() fires timers in deadline order, each seeing now() at its own deadline', async () => {
  pause();
  try {
    const t0 = now();
    const seen: Array<[number, number]> = [];
    const ps = [50, 10, 40, 20, 30].map((ms) => sleep(ms).then(() => seen.push([ms, now() - t0])));
    await advance(100);
    assert.deepEqual(seen, [
      [10, 10],
      [20, 20],
      [30, 30],
      [40, 40],
      [50, 50],
    ]);
    await Promise.all(ps);
  } finally {
    resume();
  }
});

void test('advance() lets woken tasks run, so a chain of sleeps inside the window completes', async () => {
  pause();
  try {
    const t0 = now();
    const steps: number[] = [];
    const handle = spawn(async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(10);
        steps.push(now() - t0);
      }
    });
    await advance(30);
    assert.deepEqual(steps, [10, 20, 30]);
    await handle;
  } finally {
    resume();
  }
});

void test('auto-advance: while paused and idle, the clock jumps to the next deadline', async () => {
  pause();
  try {
    const t0 = now();
    const start = performance.now();
    await sleep(3_600_000);
    assert.equal(now() - t0, 3_600_000);
    assert.ok(performance.now() - start < 500);
  } finally {
    resume();
  }
});

async function hourOfIntervals(): Promise<number[]> {
  const t0 = now();
  const ticks: number[] = [];
  using every = interval(1000);
  const worker = spawn(async () => {
    for (let i = 0; i < 3600; i++) {
      const at = await every.tick();
      if (i % 600 === 0) await sleep(250); // some work between ticks
      ticks.push(at - t0);
    }
  });
  await worker;
  return ticks;
}

void test('auto-advance: an hour of 1 s intervals runs in well under a second, the same every run', async () => {
  pause();
  try {
    const start = performance.now();
    const first = await hourOfIntervals();
    const elapsed = performance.now() - start;
    const second = await hourOfIntervals();
    assert.equal(first.length, 3600);
    assert.deepEqual(first.slice(0, 3), [0, 1000, 2000]);
    assert.equal(first[3599], 3_599_000);
    assert.deepEqual(first, second);
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);
  } finally {
    resume();
  }
});

void test('auto-advance does not jump while a task is busy with ready weft operations', async () => {
  pause();
  try {
    const t0 = now();
    let late = false;
    const timer = sleep(10).then(() => (late = now() - t0 !== 10));
    let spins = 0;
    const busy = spawn(async () => {
      while (spins < 2000) {
        await sleep(0);
        spins++;
      }
      return now() - t0;
    });
    assert.equal(await busy, 0, 'the clock stood still while the task was busy');
    await timer;
    assert.equal(late, false);
  } finally {
    resume();
  }
});

void test('the paused clock lets a result that is already there win over timeout()', async () => {
  pause();
  try {
    assert.equal(
      await timeout(
        100,
        sleep(100).then(() => 'in time'),
      ),
      'in time',
    );
  } finally {
    resume();
  }
});

void test('isPaused() reflects a runtime built with startPaused(true) inside its tasks', async () => {
  const rt = Runtime.builder().startPaused(true).build();
  const seen = await rt.run(async () => {
    const t0 = now();
    await sleep(60_000);
    return { paused: isPaused(), elapsed: now() - t0 };
  });
  assert.deepEqual(seen, { paused: true, elapsed: 60_000 });
  assert.equal(isPaused(), false, 'the default runtime is not affected');
  await rt.shutdown();
});

void test('pause() inside a task pauses that task runtime clock', async () => {
  const rt = Runtime.builder().build();
  await rt.run(async () => {
    pause();
    const t0 = now();
    await advance(5);
    assert.equal(now() - t0, 5);
    resume();
  });
  assert.equal(isPaused(), false);
  await rt.shutdown();
  await yieldNow();
});

void test('advance() fires many timers due at the same instant in the order they were set, minus a cancelled one', async () => {
  pause();
  try {
    const fired: number[] = [];
    const controller = new AbortController();
    const ps = Array.from({ length: 1000 }, (_, i) =>
      sleep(7, i === 500 ? { signal: controller.signal } : undefined).then(
        () => fired.push(i),
        () => fired.push(-1),
      ),
    );
    controller.abort(); // the timer in the middle of that millisecond leaves it
    await advance(6);
    assert.deepEqual(fired, [-1]);
    await advance(1);
    assert.deepEqual(fired, [-1, ...Array.from({ length: 1000 }, (_, i) => i).filter((i) => i !== 500)]);
    await Promise.all(ps);
  } finally {
    resume();
  }
});

void test('property: advance() across buckets fires in (deadline, insertion) order, each at its own instant', async () => {
  const sleepArb = fc.record({
    ms: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.double({ min: 0.01, max: 6, noNaN: true })),
    cancel: fc.boolean(),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(sleepArb, { minLength: 1, maxLength: 25 }),
      fc.array(fc.double({ min: 0, max: 2.5, noNaN: true }), { minLength: 1, maxLength: 6 }),
      async (sleeps, steps) => {
        pause();
        try {
          const t0 = now();
          const controller = new AbortController();
          const seen: Array<[number, number]> = [];
          const ps = sleeps.map(({ ms, cancel }, i) =>
            sleep(ms, cancel ? { signal: controller.signal } : undefined).then(
              () => seen.push([i, now()]),
              () => {},
            ),
          );
          controller.abort();
          for (const step of steps) await advance(step);
          await advance(7); // the rest
          await Promise.all(ps);
          const expected = sleeps
            .map(({ ms, cancel }, i) => ({ ms, cancel, i }))
            .filter((s) => !s.cancel)
            .sort((a, b) => t0 + a.ms - (t0 + b.ms) || a.i - b.i); // deadlines, then insertion
          assert.deepEqual(
            seen.map(([i]) => i),
            expected.map((s) => s.i),
          );
          for (const [i, at] of seen) assert.equal(at, t0 + sleeps[i]!.ms, `sleep ${i} of ${sleeps[i]!.ms} ms`);
        } finally {
          resume();
        }
      },
    ),
    { numRuns: 60 },
  );
});
