import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeout, TimeoutError, sleep, now, spawn, yieldNow, CancelledError, JoinError } from 'weft';
import { pause, resume, advance } from 'weft/testing';

async function paused<T>(fn: () => Promise<T>): Promise<T> {
  pause();
  try {
    return await fn();
  } finally {
    resume();
  }
}

void test('timeout() resolves with the value of work that finishes in time (function form)', () =>
  paused(async () => {
    const value = await timeout(100, async (signal) => {
      await sleep(50, { signal });
      return 'ok';
    });
    assert.equal(value, 'ok');
  }));

void test('timeout() resolves with the value of a promise that settles in time (promise form)', () =>
  paused(async () => {
    assert.equal(
      await timeout(
        100,
        sleep(99).then(() => 7),
      ),
      7,
    );
  }));

void test("timeout() rejects with TimeoutError (code ERR_TIMEOUT) and aborts the work's signal with it", () =>
  paused(async () => {
    let workSignal: AbortSignal | undefined;
    const t0 = now();
    const err = await timeout(100, (signal) => {
      workSignal = signal;
      return sleep(1_000_000, { signal });
    }).catch((e: unknown) => e);
    assert.ok(err instanceof TimeoutError);
    assert.equal(err.code, 'ERR_TIMEOUT');
    assert.equal(err.name, 'TimeoutError');
    assert.equal(err.ms, 100);
    assert.match(err.message, /timed out after 100 ms/);
    assert.equal(now() - t0, 100);
    assert.equal(workSignal?.aborted, true);
    assert.equal(workSignal?.reason, err);
  }));

void test('timeout() with a promise that is too slow rejects with TimeoutError; the promise is left alone', () =>
  paused(async () => {
    const slow = sleep(200).then(() => 'late');
    await assert.rejects(timeout(100, slow), TimeoutError);
    assert.equal(await slow, 'late');
  }));

void test('a result that is already there wins over the deadline: timeout(100, sleep(100)) resolves', () =>
  paused(async () => {
    await timeout(100, sleep(100));
    await timeout(100, (signal) => sleep(100, { signal }));
  }));

void test('a work that rejects before the deadline rejects timeout() with its error', () =>
  paused(async () => {
    const boom = new Error('boom');
    await assert.rejects(
      timeout(100, async () => {
        await sleep(10);
        throw boom;
      }),
      (e: unknown) => e === boom,
    );
  }));

void test('a work function that throws synchronously rejects timeout() with the error', async () => {
  await assert.rejects(
    timeout(100, () => {
      throw new RangeError('sync');
    }),
    RangeError,
  );
});

void test('timeout(Infinity, work) never times out', () =>
  paused(async () => {
    const value = await timeout(Infinity, async () => {
      await sleep(1e9);
      return 'eventually';
    });
    assert.equal(value, 'eventually');
  }));

void test('timeout(0, work) lets a result that is already there win and times out otherwise', async () => {
  assert.equal(await timeout(0, Promise.resolve('ready')), 'ready');
  await assert.rejects(
    timeout(0, (signal) => sleep(1_000_000, { signal })),
    TimeoutError,
  );
});

void test('timeout() in real time rejects after about ms', async () => {
  const t0 = now();
  await assert.rejects(
    timeout(5, (signal) => sleep(1_000_000, { signal })),
    TimeoutError,
  );
  assert.ok(now() - t0 >= 5);
});

void test('aborting the task that awaits timeout() aborts the work and rejects with CancelledError', () =>
  paused(async () => {
    let workSignal: AbortSignal | undefined;
    let seen: unknown;
    const handle = spawn(async () => {
      seen = await timeout(1000, (signal) => {
        workSignal = signal;
        return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      }).catch((e: unknown) => e);
      throw seen;
    });
    await yieldNow();
    handle.abort();
    await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
    assert.ok(seen instanceof CancelledError);
    assert.equal(workSignal?.aborted, true);
    assert.ok(
      workSignal?.reason instanceof CancelledError,
      'the work is aborted with the cancellation, not a bare AbortError',
    );
  }));

void test('timeout() in an already-aborted task rejects without starting the work', async () => {
  let started = false;
  const handle = spawn(async (task) => {
    task.token.cancel();
    return timeout(10, async () => {
      started = true;
    });
  });
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
  assert.equal(started, false);
});

void test('a finished timeout leaves no timer behind', () =>
  paused(async () => {
    await timeout(1_000_000, Promise.resolve(1));
    await advance(0);
  }));

void test('timeout() rejects bad input synchronously', () => {
  assert.throws(() => timeout(-1, Promise.resolve()), { name: 'RangeError', message: /timeout: ms must be >= 0/ });
  assert.throws(() => timeout(NaN, Promise.resolve()), RangeError);
  assert.throws(() => timeout('1' as never, Promise.resolve()), TypeError);
  assert.throws(() => timeout(1, 5 as never), { name: 'TypeError', message: /work must be a function/ });
  assert.throws(() => timeout(1, null as never), TypeError);
});

void test('timeout(ms, work, { signal }): aborting the signal rejects with its reason and aborts the work', async () => {
  const ac = new AbortController();
  let workSignal: AbortSignal | undefined;
  const p = timeout(
    1_000,
    (signal) => {
      workSignal = signal;
      return sleep(10_000, { signal });
    },
    { signal: ac.signal },
  );
  const reason = new Error('gave up');
  ac.abort(reason);
  await assert.rejects(p, (e) => e === reason);
  assert.equal(workSignal!.aborted, true);
  assert.equal(workSignal!.reason, reason);
  // Already aborted: the work never starts.
  let ran = false;
  await assert.rejects(
    timeout(
      10,
      () => {
        ran = true;
        return Promise.resolve(1);
      },
      { signal: AbortSignal.abort(reason) },
    ),
    (e) => e === reason,
  );
  assert.equal(ran, false);
  assert.throws(() => timeout(10, Promise.resolve(1), { signal: {} as never }), TypeError);
  assert.equal(await timeout(10, Promise.resolve(2), { signal: new AbortController().signal }), 2);
});
