import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, tryJoin, sleep, spawn, yieldNow, CancelledError, JoinError } from 'weft';
import { pause, resume } from 'weft/testing';

async function paused<T>(fn: () => Promise<T>): Promise<T> {
  pause();
  try {
    return await fn();
  } finally {
    resume();
  }
}

void test('join() resolves with every value in argument order', () =>
  paused(async () => {
    const [a, b, c] = await join(
      async (signal) => {
        await sleep(30, { signal });
        return 'a';
      },
      async () => 2,
      () => sleep(10).then(() => true),
    );
    assert.deepEqual([a, b, c], ['a', 2, true]);
  }));

void test('join() with no functions resolves with an empty array', async () => {
  assert.deepEqual(await join(), []);
});

void test('join() waits for every function to settle, then rejects with the first error to occur', () =>
  paused(async () => {
    const settled: string[] = [];
    const first = new Error('first');
    const err = await join(
      async () => {
        await sleep(20);
        settled.push('late error');
        throw new Error('second');
      },
      async () => {
        await sleep(10);
        settled.push('early error');
        throw first;
      },
      async (signal) => {
        await sleep(50, { signal });
        settled.push('slow success');
      },
    ).catch((e: unknown) => e);
    assert.equal(err, first);
    assert.deepEqual(settled, ['early error', 'late error', 'slow success'], 'nothing was aborted');
  }));

void test('join() passes each function its own signal and aborts none on success', async () => {
  const signals: AbortSignal[] = [];
  await join(
    (signal) => signals.push(signal),
    (signal) => signals.push(signal),
  );
  assert.notEqual(signals[0], signals[1]);
  assert.ok(signals.every((s) => !s.aborted));
});

void test('a function that throws synchronously counts as a rejection; the others still run', async () => {
  let ran = false;
  await assert.rejects(
    join(
      () => {
        throw new RangeError('sync');
      },
      async () => {
        await sleep(1);
        ran = true;
      },
    ),
    RangeError,
  );
  assert.equal(ran, true);
});

void test('aborting the task that awaits join() aborts every signal and join still waits for them', async () => {
  const events: string[] = [];
  const handle = spawn(() =>
    join(
      async (signal) => {
        await sleep(1_000_000, { signal }).catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 2));
        events.push('a cleaned up');
      },
      async (signal) => {
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        events.push('b saw abort');
      },
    ),
  );
  await sleep(1);
  handle.abort();
  await handle.catch(() => events.push('handle settled'));
  assert.deepEqual(events, ['b saw abort', 'a cleaned up', 'handle settled']);
});

void test('join() rejects a non-function synchronously, before starting anything', () => {
  let started = false;
  assert.throws(
    () =>
      join(async () => {
        started = true;
      }, 5 as never),
    { name: 'TypeError', message: /join: argument 1 must be a function/ },
  );
  assert.equal(started, false);
});

void test('tryJoin() resolves with every value in argument order', async () => {
  assert.deepEqual(
    await tryJoin(
      async () => 1,
      async (signal) => {
        await sleep(2, { signal });
        return 'two';
      },
    ),
    [1, 'two'],
  );
});

void test('tryJoin(): the first error aborts the rest and rejects with that error', () =>
  paused(async () => {
    const boom = new Error('boom');
    const reasons: unknown[] = [];
    const t0 = performance.now();
    const err = await tryJoin(
      async (signal) => {
        signal.addEventListener('abort', () => reasons.push(signal.reason));
        await sleep(1_000_000, { signal });
      },
      async () => {
        await sleep(10);
        throw boom;
      },
      async (signal) => {
        signal.addEventListener('abort', () => reasons.push(signal.reason));
        await sleep(1_000_000, { signal });
      },
    ).catch((e: unknown) => e);
    assert.equal(err, boom);
    assert.equal(reasons.length, 2);
    assert.ok(reasons.every((r) => r instanceof CancelledError && r.cause === boom));
    assert.ok(performance.now() - t0 < 1000);
  }));

void test('tryJoin() with a synchronous throw aborts the functions already started', async () => {
  let aborted = false;
  await assert.rejects(
    tryJoin(
      async (signal) => {
        await sleep(1_000_000, { signal }).catch(() => (aborted = true));
      },
      () => {
        throw new Error('sync');
      },
    ),
    { message: 'sync' },
  );
  await yieldNow();
  assert.equal(aborted, true);
});

void test('aborting the task that awaits tryJoin() aborts every signal', async () => {
  const aborted: boolean[] = [];
  const handle = spawn(() =>
    tryJoin(
      (signal) => sleep(1_000_000, { signal }).catch((e: unknown) => void aborted.push(e instanceof CancelledError)),
      (signal) => sleep(1_000_000, { signal }).catch((e: unknown) => void aborted.push(e instanceof CancelledError)),
    ),
  );
  await sleep(1);
  handle.abort();
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
  assert.deepEqual(aborted, [true, true]);
});

void test('tryJoin() rejects a non-function synchronously', () => {
  assert.throws(() => tryJoin(null as never), { name: 'TypeError', message: /tryJoin: argument 0 must be a function/ });
});
