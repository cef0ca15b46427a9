import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { CancellationToken, CancelledError, spawn, sleep, yieldNow, JoinError } from 'weft';
import { CancellationToken as SyncToken } from 'weft/sync';

void test('the token is exported from weft and weft/sync as the same class', () => {
  assert.equal(CancellationToken, SyncToken);
});

void test('cancel() sets isCancelled and the reason; a default reason is a CancelledError', () => {
  const token = new CancellationToken();
  assert.equal(token.isCancelled, false);
  token.cancel();
  assert.equal(token.isCancelled, true);
  assert.ok(token.reason instanceof CancelledError);
});

void test('cancel() is idempotent and keeps the first reason', () => {
  const token = new CancellationToken();
  token.cancel('first');
  token.cancel('second');
  assert.equal(token.reason, 'first');
});

void test('cancelled() resolves when the token is cancelled', async () => {
  const token = new CancellationToken();
  let resolved = false;
  const p = token.cancelled().then(() => (resolved = true));
  await yieldNow();
  assert.equal(resolved, false);
  token.cancel();
  await p;
  assert.equal(resolved, true);
});

void test('cancelled() resolves at once for a cancelled token', async () => {
  const token = new CancellationToken();
  token.cancel();
  await token.cancelled();
});

void test('cancelled() with an aborted signal rejects with its reason and leaves nothing on the token', async () => {
  const token = new CancellationToken();
  const controller = new AbortController();
  const p = token.cancelled({ signal: controller.signal });
  controller.abort('stop');
  await assert.rejects(p, (e: unknown) => e === 'stop');
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  await assert.rejects(token.cancelled({ signal: AbortSignal.abort('pre') }), (e: unknown) => e === 'pre');
});

void test('cancelled() in an aborted task rejects with CancelledError', async () => {
  const token = new CancellationToken();
  const handle = spawn(() => token.cancelled());
  await yieldNow();
  handle.abort();
  await assert.rejects(handle, (e: unknown) => e instanceof JoinError && e.isCancelled());
});

void test('cancelled() rejects bad options synchronously', () => {
  const token = new CancellationToken();
  assert.throws(() => token.cancelled({ signal: 'x' as never }), { name: 'TypeError', message: /AbortSignal/ });
});

void test('cancelling a parent cancels its children and grandchildren with the same reason', () => {
  const root = new CancellationToken();
  const child = root.child();
  const grandchild = child.child();
  root.cancel('why');
  assert.equal(child.isCancelled, true);
  assert.equal(grandchild.isCancelled, true);
  assert.equal(grandchild.reason, 'why');
});

void test('cancelling a child does not cancel its parent or siblings', () => {
  const root = new CancellationToken();
  const a = root.child();
  const b = root.child();
  a.cancel();
  assert.equal(root.isCancelled, false);
  assert.equal(b.isCancelled, false);
  root.cancel();
  assert.equal(b.isCancelled, true);
});

void test('child() of a cancelled token is cancelled at once', () => {
  const root = new CancellationToken();
  root.cancel('r');
  const child = root.child();
  assert.equal(child.isCancelled, true);
  assert.equal(child.reason, 'r');
});

void test('signal aborts with the reason when the token is cancelled, and is created lazily', () => {
  const token = new CancellationToken();
  const signal = token.signal;
  assert.equal(signal, token.signal, 'the same signal each time');
  assert.equal(signal.aborted, false);
  token.cancel('reason');
  assert.equal(signal.aborted, true);
  assert.equal(signal.reason, 'reason');
  const late = new CancellationToken();
  late.cancel('x');
  assert.equal(late.signal.aborted, true);
  assert.equal(late.signal.reason, 'x');
});

void test('fromSignal() cancels the token when the signal aborts, with its reason', () => {
  const controller = new AbortController();
  const token = CancellationToken.fromSignal(controller.signal);
  assert.equal(token.isCancelled, false);
  controller.abort('gone');
  assert.equal(token.isCancelled, true);
  assert.equal(token.reason, 'gone');
  const pre = CancellationToken.fromSignal(AbortSignal.abort('already'));
  assert.equal(pre.isCancelled, true);
  assert.equal(pre.reason, 'already');
});

void test('fromSignal() leaves no listener on a long-lived signal once the token is cancelled', () => {
  const longLived = new AbortController().signal;
  for (let i = 0; i < 20; i++) {
    const token = CancellationToken.fromSignal(longLived);
    token.cancel();
  }
  assert.equal(getEventListeners(longLived, 'abort').length, 0);
});

void test('fromSignal() leaves no listener when the token is cancelled through its parent chain', () => {
  const longLived = new AbortController().signal;
  const token = CancellationToken.fromSignal(longLived);
  const child = token.child();
  token.cancel();
  assert.equal(child.isCancelled, true);
  assert.equal(getEventListeners(longLived, 'abort').length, 0);
});

void test('fromSignal() rejects a non-signal with a TypeError', () => {
  assert.throws(() => CancellationToken.fromSignal({} as never), { name: 'TypeError', message: /AbortSignal/ });
});

void test('dropGuard() cancels the token when disposed', () => {
  const token = new CancellationToken();
  {
    using _guard = token.dropGuard();
    assert.equal(token.isCancelled, false);
  }
  assert.equal(token.isCancelled, true);
});

void test('dropGuard().disarm() returns the token and keeps it alive on dispose', () => {
  const token = new CancellationToken();
  {
    using guard = token.dropGuard();
    assert.equal(guard.disarm(), token);
  }
  assert.equal(token.isCancelled, false);
});

void test('runUntilCancelled() resolves with the value when the work wins, leaving nothing on the token', async () => {
  const token = new CancellationToken();
  const value = await token.runUntilCancelled(async () => {
    await sleep(1);
    return 'done';
  });
  assert.equal(value, 'done');
  // The token's waiter was removed: cancelling later resolves nothing stale and leaks nothing.
  token.cancel();
});

void test('runUntilCancelled() resolves undefined when the token is cancelled first and aborts the work', async () => {
  const token = new CancellationToken();
  let workSignal: AbortSignal | undefined;
  const p = token.runUntilCancelled((signal) => {
    workSignal = signal;
    return sleep(1_000_000, { signal }).then(() => 'never');
  });
  await yieldNow();
  token.cancel();
  assert.equal(await p, undefined);
  assert.equal(workSignal?.aborted, true);
});

void test('runUntilCancelled() on a cancelled token resolves undefined without calling fn', async () => {
  const token = new CancellationToken();
  token.cancel();
  let called = false;
  assert.equal(
    await token.runUntilCancelled(async () => {
      called = true;
      return 1;
    }),
    undefined,
  );
  assert.equal(called, false);
});

void test('runUntilCancelled() rejects with the work error when the work fails first', async () => {
  const token = new CancellationToken();
  await assert.rejects(
    token.runUntilCancelled(async () => {
      throw new Error('work failed');
    }),
    { message: 'work failed' },
  );
});

void test('runUntilCancelled() rejects a non-function synchronously', () => {
  assert.throws(() => new CancellationToken().runUntilCancelled(5 as never), TypeError);
});

void test('many cancelled() waiters all wake on cancel', async () => {
  const token = new CancellationToken();
  const waits = Array.from({ length: 50 }, () => token.cancelled());
  token.cancel();
  await Promise.all(waits);
});
