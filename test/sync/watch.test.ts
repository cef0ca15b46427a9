import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, CancelledError } from 'weft';
import { watch, RecvError, SendError } from 'weft/sync';
import { stateOf } from '../helpers/property.js';

const reason = new Error('aborted by the test');

void test('the initial value is seen: changed() waits for a send', async () => {
  const [tx, rx] = watch('init');
  assert.equal(rx.borrow(), 'init');
  assert.equal(rx.hasChanged(), false);
  const c = rx.changed();
  assert.equal(await stateOf(c), 'pending');
  tx.send('next');
  await c;
  assert.equal(rx.borrow(), 'next');
});

void test('changed() resolves once for any number of sends since the last look', async () => {
  const [tx, rx] = watch(0);
  tx.send(1);
  tx.send(2);
  tx.send(3);
  await rx.changed();
  assert.equal(rx.borrow(), 3);
  assert.equal(rx.hasChanged(), false);
  assert.equal(await stateOf(rx.changed()), 'pending');
  tx.close();
});

void test('borrowAndUpdate() marks the value seen, borrow() does not', async () => {
  const [tx, rx] = watch(0);
  tx.send(1);
  assert.equal(rx.borrow(), 1);
  assert.equal(rx.hasChanged(), true);
  assert.equal(rx.borrowAndUpdate(), 1);
  assert.equal(rx.hasChanged(), false);
  tx.send(2);
  rx.markUnchanged();
  assert.equal(rx.hasChanged(), false);
  rx.markChanged();
  assert.equal(rx.hasChanged(), true);
  await rx.changed();
  assert.equal(rx.hasChanged(), false);
});

void test('after the sender closes, an unseen value still yields one changed(), then it rejects with RecvError', async () => {
  const [tx, rx] = watch(0);
  tx.send(1);
  tx.close();
  await rx.changed();
  assert.equal(rx.borrowAndUpdate(), 1);
  await assert.rejects(rx.changed(), (e: unknown) => e instanceof RecvError && e.code === 'ERR_CHANNEL_CLOSED');
});

void test('closing the sender rejects waiting changed() calls with RecvError', async () => {
  const [tx, rx] = watch(0);
  const rx2 = rx.clone();
  const a = rx.changed();
  const b = rx2.changed();
  tx.close();
  await assert.rejects(a, RecvError);
  await assert.rejects(b, RecvError);
});

void test('sendIfModified() notifies only when the function returns true', async () => {
  const [tx, rx] = watch({ n: 0 });
  assert.equal(
    tx.sendIfModified(() => false),
    false,
  );
  assert.equal(rx.hasChanged(), false);
  const c = rx.changed();
  assert.equal(
    tx.sendIfModified((v) => {
      v.n = 5;
      return true;
    }),
    true,
  );
  await c;
  assert.equal(rx.borrow().n, 5);
});

void test('sendModify() updates in place or replaces, and always notifies', () => {
  const [tx, rx] = watch({ n: 1 });
  tx.sendModify((v) => {
    v.n++;
  });
  assert.equal(rx.borrowAndUpdate().n, 2);
  tx.sendModify(() => ({ n: 10 }));
  assert.equal(rx.hasChanged(), true);
  assert.equal(rx.borrow().n, 10);
  assert.throws(() => tx.sendModify(5 as never), TypeError);
  assert.throws(() => tx.sendIfModified(null as never), TypeError);
});

void test('waitFor() returns at once when the current value matches, else waits for a match', async () => {
  const [tx, rx] = watch(3);
  assert.equal(await rx.waitFor((v) => v === 3), 3);
  const p = rx.waitFor((v) => v > 10);
  tx.send(5);
  assert.equal(await stateOf(p), 'pending');
  tx.send(11);
  assert.equal(await p, 11);
  assert.equal(rx.hasChanged(), false);
});

void test('waitFor() rejects with RecvError when the sender closes first, and with what the predicate throws', async () => {
  const [tx, rx] = watch(0);
  const p = rx.waitFor((v) => v > 100);
  tx.send(1);
  tx.close();
  await assert.rejects(p, RecvError);
  const boom = new Error('boom');
  await assert.rejects(
    rx.waitFor(() => {
      throw boom;
    }),
    (e) => e === boom,
  );
});

void test('clones start with the original seen state', async () => {
  const [tx, rx] = watch(0);
  tx.send(1);
  const unseen = rx.clone();
  assert.equal(unseen.hasChanged(), true);
  rx.borrowAndUpdate();
  const seen = rx.clone();
  assert.equal(seen.hasChanged(), false);
  await unseen.changed();
  assert.equal(tx.receiverCount, 3);
  const sub = tx.subscribe();
  assert.equal(sub.hasChanged(), false);
  assert.equal(sub.borrow(), 1);
});

void test('send() throws SendError when every receiver is closed, and closed() resolves then', async () => {
  const [tx, rx] = watch(0);
  const rx2 = rx.clone();
  const closed = tx.closed();
  rx.close();
  assert.equal(await stateOf(closed), 'pending');
  rx2.close();
  await closed;
  assert.equal(tx.receiverCount, 0);
  assert.throws(
    () => tx.send(1),
    (e: unknown) => e instanceof SendError && e.value === 1,
  );
  assert.equal(tx.borrow(), 0);
  assert.equal(tx.sendReplace(2), 0);
  assert.equal(tx.borrow(), 2);
});

void test('an aborted changed() marks nothing seen', async () => {
  const [tx, rx] = watch(0);
  const ac = new AbortController();
  const c = rx.changed({ signal: ac.signal });
  ac.abort(reason);
  await assert.rejects(c, (e) => e === reason);
  tx.send(1);
  assert.equal(rx.hasChanged(), true);
  await rx.changed();
  const ac2 = new AbortController();
  ac2.abort(reason);
  tx.send(2);
  await assert.rejects(rx.changed({ signal: ac2.signal }), (e) => e === reason);
  assert.equal(rx.hasChanged(), true);
});

void test('changed() inside an aborted task rejects with CancelledError', async () => {
  const [tx, rx] = watch(0);
  let seen: unknown;
  const task = spawn(async () => {
    try {
      await rx.waitFor((v) => v > 5);
    } catch (e) {
      seen = e;
    }
  });
  await stateOf(task);
  task.abort();
  await Promise.resolve(task).catch(() => {});
  assert.ok(seen instanceof CancelledError);
  tx.send(9);
  assert.equal(rx.hasChanged(), true);
});

void test('a closed receiver rejects its waits with RecvError, and close() is idempotent', async () => {
  const [tx, rx] = watch(0);
  const other = rx.clone();
  const c = rx.changed();
  const d = other.changed();
  rx.close();
  rx.close();
  rx[Symbol.dispose]();
  await assert.rejects(c, RecvError);
  await assert.rejects(rx.changed(), RecvError);
  tx.send(1); // `other` is still open
  await d;
  assert.equal(tx.receiverCount, 1);
  tx.close();
  tx[Symbol.dispose]();
  assert.throws(() => tx.send(2), SendError);
});

void test('many receivers are all woken by one send', async () => {
  const [tx, rx] = watch(0);
  const receivers = Array.from({ length: 100 }, () => rx.clone());
  const waits = receivers.map((r) => r.changed());
  tx.send(1);
  await Promise.all(waits);
  assert.ok(receivers.every((r) => !r.hasChanged()));
  assert.equal(rx.hasChanged(), true);
});
