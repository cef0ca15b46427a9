import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, sleep, CancelledError, JoinError, scope, JoinSet } from 'weft';
import { taskOf } from '../../src/task/join-handle.js';
import type { Cancellable } from '../../src/core/wait-queue.js';

function sitesOf(handle: Parameters<typeof taskOf>[0]): string[] {
  const out: string[] = [];
  for (let w: Cancellable | undefined = taskOf(handle).waits; w !== undefined; w = w.tNext) out.push(w.site?.op ?? '?');
  return out;
}

void test('aborting a task parked on `await handle` rejects it at once with CancelledError; the child runs on', async () => {
  let childDone = false;
  const child = spawn(async () => {
    await sleep(200);
    childDone = true;
    return 'child';
  });
  const parent = spawn(async () => {
    const value = await child;
    return value;
  });
  await sleep(5);
  assert.deepEqual(sitesOf(parent), ['join']);
  const t0 = performance.now();
  parent.abort();
  const err = await parent.then(
    () => undefined,
    (e: unknown) => e,
  );
  const elapsed = performance.now() - t0;
  assert.ok(err instanceof JoinError && err.isCancelled(), 'the parent ends cancelled');
  assert.ok(elapsed < 50, `the parent settled ${elapsed.toFixed(1)} ms after its abort`);
  assert.equal(child.isFinished, false, 'the awaited child is not aborted');
  assert.equal(await child, 'child');
  assert.equal(childDone, true);
});

void test('the awaiting body sees CancelledError from `await handle` and can still clean up', async () => {
  const child = spawn(async () => {
    await sleep(100);
    return 1;
  });
  let seen: unknown;
  const parent = spawn(async () => {
    try {
      return await child;
    } catch (e) {
      seen = e;
      throw e;
    }
  });
  await sleep(2);
  parent.abort();
  await parent.then(undefined, () => undefined);
  assert.ok(seen instanceof CancelledError);
  child.abort();
  await child.then(undefined, () => undefined);
});

void test('handle.join({ signal }) rejects with the signal reason on abort and leaves the task running', async () => {
  const child = spawn(async () => {
    await sleep(30);
    return 7;
  });
  const ac = new AbortController();
  const join = child.join({ signal: ac.signal });
  const reason = new Error('stop waiting');
  ac.abort(reason);
  await assert.rejects(join, (e) => e === reason);
  assert.equal(child.isFinished, false);
  assert.equal(await child.join(), 7);
  // An already-aborted signal rejects even for a finished task.
  await assert.rejects(child.join({ signal: AbortSignal.abort(reason) }), (e) => e === reason);
});

void test('handle.join() gives the value, or the JoinError of a failed task, like await', async () => {
  const ok = spawn(async () => {
    await sleep(1);
    return 'v';
  });
  assert.equal(await ok.join(), 'v');
  assert.equal(await ok.join(), 'v');
  const boom = new Error('boom');
  const bad = spawn(async () => {
    await sleep(1);
    throw boom;
  });
  const inTask = spawn(async () => bad.join().catch((e: unknown) => e));
  const err = await inTask;
  assert.ok(err instanceof JoinError && err.isFailed() && err.cause === boom);
  await assert.rejects(bad.join(), (e) => e === err);
  assert.throws(() => ok.join({ signal: 'no' as never }), TypeError);
});

void test('joining a finished task 300 times in a row (past the budget) keeps giving its value', async () => {
  const h = spawn(() => 3);
  await h;
  let sum = 0;
  for (let i = 0; i < 300; i++) sum += await h.join();
  assert.equal(sum, 900);
});

void test('a scope and a JoinSet shutdown are listed among the waits of the task that runs them', async () => {
  const inScope = spawn(() =>
    scope(async (s) => {
      s.spawn(() => sleep(20));
      await sleep(20);
    }),
  );
  const set = new JoinSet<void>();
  set.spawn(async () => {
    try {
      await sleep(10_000);
    } finally {
      await new Promise((r) => setTimeout(r, 20)); // cleanup that outlives the abort
    }
  });
  const shutting = spawn(() => set.shutdown());
  await sleep(5);
  assert.deepEqual(sitesOf(inScope), ['scope']);
  assert.deepEqual(sitesOf(shutting), ['joinSet.shutdown']);
  // shutdown is cleanup: aborting the task that runs it does not cut it short.
  shutting.abort();
  await shutting.then(undefined, () => undefined);
  assert.equal(set.size, 0);
  await inScope;
});
