import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { select, sleep, spawn, yieldNow, CancellationToken, CancelledError, JoinError } from 'weft';
import { pause, resume } from 'weft/testing';
import { kSelect } from '../../src/core/selectable.js';
import { WaitQueue, type Parked } from '../../src/core/wait-queue.js';

async function paused<T>(fn: () => Promise<T>): Promise<T> {
  pause();
  try {
    return await fn();
  } finally {
    resume();
  }
}

/** A minimal receiver speaking the select protocol: values are taken only by the arm that wins. */
class FakeReceiver<T> {
  readonly buffer: T[] = [];
  readonly waiters = new WaitQueue<Parked<T>>();
  send(value: T): void {
    const arm = this.waiters.shift();
    if (arm !== undefined) arm.complete(value);
    else this.buffer.push(value);
  }
  recv(): Promise<T | undefined> {
    return Promise.resolve(this.buffer.shift());
  }
  [kSelect](arm: Parked<T>): void {
    if (this.buffer.length > 0) arm.complete(this.buffer.shift()!);
    else this.waiters.push(arm);
  }
}

void test('select() resolves with the key and value of the first branch to finish', () =>
  paused(async () => {
    const r = await select({
      slow: (signal) => sleep(50, { signal }).then(() => 'slow'),
      fast: (signal) => sleep(10, { signal }).then(() => 'fast'),
    });
    assert.deepEqual(r, { key: 'fast', value: 'fast' });
  }));

void test('a CancellationToken branch fires on cancel with value undefined', async () => {
  const stop = new CancellationToken();
  setTimeout(() => stop.cancel(), 1);
  const r = await select({ stop, work: (signal) => sleep(1_000_000, { signal }) });
  assert.deepEqual(r, { key: 'stop', value: undefined });
});

void test('a promise branch is raced', async () => {
  const r = await select({ p: Promise.resolve(5), never: (signal) => sleep(1_000_000, { signal }) });
  assert.deepEqual(r, { key: 'p', value: 5 });
});

void test('biased: branches that are ready at once win in declaration order', async () => {
  for (let i = 0; i < 20; i++) {
    const a = new CancellationToken();
    const b = new CancellationToken();
    a.cancel();
    b.cancel();
    assert.equal((await select({ b, a }, { biased: true })).key, 'b');
    assert.equal((await select({ a, b }, { biased: true })).key, 'a');
    assert.equal((await select({ x: Promise.resolve(1), y: Promise.resolve(2) }, { biased: true })).key, 'x');
  }
});

void test('unbiased: each ready branch wins some of the time (no branch starves)', async () => {
  const wins = { a: 0, b: 0, c: 0 };
  const a = new CancellationToken();
  const b = new CancellationToken();
  const c = new CancellationToken();
  a.cancel();
  b.cancel();
  c.cancel();
  for (let i = 0; i < 300; i++) wins[(await select({ a, b, c })).key]++;
  assert.ok(wins.a > 30 && wins.b > 30 && wins.c > 30, JSON.stringify(wins));
});

void test('biased: a branch ready at once means later branches are never started', async () => {
  const done = new CancellationToken();
  done.cancel();
  let started = false;
  const r = await select(
    {
      done,
      work: async () => {
        started = true;
        return 1;
      },
    },
    { biased: true },
  );
  assert.equal(r.key, 'done');
  assert.equal(started, false);
});

void test('losing function branches are aborted with a CancelledError; the winner is not aborted', () =>
  paused(async () => {
    const signals: Record<string, AbortSignal> = {};
    const r = await select({
      win: (signal) => {
        signals['win'] = signal;
        return sleep(10, { signal }).then(() => 'w');
      },
      lose: (signal) => {
        signals['lose'] = signal;
        return sleep(1_000_000, { signal });
      },
    });
    assert.equal(r.key, 'win');
    assert.equal(signals['lose']!.aborted, true);
    assert.ok(signals['lose']!.reason instanceof CancelledError);
    assert.equal(signals['win']!.aborted, false, "the winner's signal stays usable (its result may depend on it)");
  }));

void test('a branch that rejects makes select reject with that error and aborts the others', () =>
  paused(async () => {
    let otherSignal: AbortSignal | undefined;
    const boom = new Error('boom');
    await assert.rejects(
      select({
        bad: async () => {
          await sleep(5);
          throw boom;
        },
        other: (signal) => {
          otherSignal = signal;
          return sleep(1_000_000, { signal });
        },
      }),
      (e: unknown) => e === boom,
    );
    assert.equal(otherSignal?.aborted, true);
  }));

void test('a function branch that throws synchronously rejects select', async () => {
  await assert.rejects(
    select(
      {
        bad: () => {
          throw new TypeError('sync');
        },
      },
      { biased: true },
    ),
    TypeError,
  );
});

void test('a losing promise branch that rejects later is not an unhandled rejection', async () => {
  const late = new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 2));
  const r = await select({ now: Promise.resolve('now'), late }, { biased: true });
  assert.equal(r.key, 'now');
  await new Promise((resolve) => setTimeout(resolve, 5));
});

void test('a receive branch takes the value only when it wins; a losing receive branch consumes nothing', async () => {
  const rx = new FakeReceiver<string>();
  const stop = new CancellationToken();
  stop.cancel();
  const r = await select({ stop, rx }, { biased: true });
  assert.equal(r.key, 'stop');
  assert.equal(rx.waiters.length, 0);
  const pending = select({ rx, never: (signal) => sleep(1_000_000, { signal }) });
  await yieldNow();
  assert.equal(rx.waiters.length, 1);
  rx.send('hello');
  assert.deepEqual(await pending, { key: 'rx', value: 'hello' });
  assert.equal(rx.buffer.length, 0);
});

void test('two receive branches: the loser is taken out of its queue and keeps its values', async () => {
  const a = new FakeReceiver<number>();
  const b = new FakeReceiver<number>();
  const pending = select({ a, b });
  await yieldNow();
  a.send(1);
  assert.deepEqual(await pending, { key: 'a', value: 1 });
  assert.equal(b.waiters.length, 0);
  b.send(2);
  assert.deepEqual(b.buffer, [2], 'the value went to the buffer, not to a stale arm');
});

void test('aborting the signal rejects with its reason and removes every branch', async () => {
  const rx = new FakeReceiver<number>();
  const token = new CancellationToken();
  const controller = new AbortController();
  let fnSignal: AbortSignal | undefined;
  const p = select(
    {
      rx,
      token,
      fn: (signal) => {
        fnSignal = signal;
        return sleep(1_000_000, { signal });
      },
    },
    { signal: controller.signal },
  );
  await yieldNow();
  controller.abort('stop');
  await assert.rejects(p, (e: unknown) => e === 'stop');
  assert.equal(rx.waiters.length, 0);
  assert.equal(fnSignal?.aborted, true);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  rx.send(1);
  assert.deepEqual(rx.buffer, [1], 'nothing was received by the aborted select');
  token.cancel();
});

void test('an already-aborted signal rejects without starting any branch', async () => {
  let started = false;
  await assert.rejects(
    select(
      {
        f: async () => {
          started = true;
        },
      },
      { signal: AbortSignal.abort('pre') },
    ),
    (e: unknown) => e === 'pre',
  );
  assert.equal(started, false);
});

void test('aborting the task that awaits select rejects with CancelledError and aborts the branches', async () => {
  const rx = new FakeReceiver<number>();
  let fnSignal: AbortSignal | undefined;
  const handle = spawn(() =>
    select({
      rx,
      fn: (signal) => {
        fnSignal = signal;
        return sleep(1_000_000, { signal });
      },
    }),
  );
  await sleep(1);
  handle.abort();
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
  assert.equal(rx.waiters.length, 0);
  assert.equal(fnSignal?.aborted, true);
});

void test('a select loop over a cancelled token does not starve a setImmediate', async () => {
  const token = new CancellationToken();
  token.cancel();
  let fired = false;
  setImmediate(() => (fired = true));
  let before = 0;
  for (let i = 0; i < 2000; i++) {
    await select({ token });
    if (!fired) before++;
  }
  assert.equal(fired, true);
  assert.ok(before <= 200, `${before} selects before the immediate ran`);
});

void test('select() rejects bad input synchronously', () => {
  assert.throws(() => select(null as never), { name: 'TypeError', message: /branches must be an object/ });
  assert.throws(() => select({}), { name: 'TypeError', message: /at least one branch/ });
  assert.throws(() => select({ n: 5 as never }), { name: 'TypeError', message: /branch 'n' must be/ });
  assert.throws(() => select({ p: Promise.resolve() }, { signal: 'x' as never }), {
    name: 'TypeError',
    message: /AbortSignal/,
  });
});
