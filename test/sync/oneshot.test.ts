import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, select, CancelledError, JoinError } from 'weft';
import { oneshot, RecvError } from 'weft/sync';
import { stateOf } from '../helpers/property.js';

const reason = new Error('aborted by the test');

void test('awaiting the receiver resolves with the value once it is sent', async () => {
  const [tx, rx] = oneshot<number>();
  const p = rx.recv();
  assert.equal(await stateOf(p), 'pending');
  assert.equal(tx.send(42), true);
  assert.equal(await p, 42);
});

void test('send() is synchronous and the value waits for a later receive', async () => {
  const [tx, rx] = oneshot<string>();
  assert.equal(tx.send('early'), true);
  assert.equal(tx.isClosed, true);
  assert.equal(await rx, 'early');
});

void test('send() fails (false) once the receiver is closed', () => {
  const [tx, rx] = oneshot<number>();
  rx.close();
  assert.equal(tx.send(1), false);
  assert.equal(tx.isClosed, true);
});

void test('a second send() returns false and changes nothing', async () => {
  const [tx, rx] = oneshot<number>();
  assert.equal(tx.send(1), true);
  assert.equal(tx.send(2), false);
  assert.equal(await rx, 1);
});

void test('the receiver rejects with RecvError if the sender closes unsent', async () => {
  const [tx, rx] = oneshot<number>();
  const waiting = rx.recv();
  tx.close();
  await assert.rejects(waiting, (e: unknown) => e instanceof RecvError && e.code === 'ERR_CHANNEL_CLOSED');
  await assert.rejects(Promise.resolve(rx), RecvError);
  assert.deepEqual(rx.tryRecv(), { state: 'closed' });
});

void test('a sender disposed unsent (using) fails the receiver', async () => {
  const [tx, rx] = oneshot<number>();
  {
    using _tx = tx;
  }
  await assert.rejects(rx.recv(), RecvError);
});

void test('tryRecv() reports empty, ok once, then closed', () => {
  const [tx, rx] = oneshot<number>();
  assert.deepEqual(rx.tryRecv(), { state: 'empty' });
  tx.send(5);
  assert.deepEqual(rx.tryRecv(), { state: 'ok', value: 5 });
  assert.deepEqual(rx.tryRecv(), { state: 'closed' });
});

void test('the value is received once: a later await rejects with RecvError', async () => {
  const [tx, rx] = oneshot<number>();
  tx.send(1);
  assert.equal(await rx, 1);
  await assert.rejects(rx.recv(), RecvError);
});

void test('concurrent receives: the first gets the value, the others RecvError', async () => {
  const [tx, rx] = oneshot<number>();
  const a = rx.recv();
  const b = rx.recv();
  tx.send(3);
  assert.equal(await a, 3);
  await assert.rejects(b, RecvError);
});

void test('undefined is a valid oneshot value (a bare completion signal)', async () => {
  const [tx, rx] = oneshot<void>();
  tx.send(undefined);
  assert.equal(await rx, undefined);
});

void test('closed() on the sender resolves when the receiver closes', async () => {
  const [tx, rx] = oneshot<number>();
  const c = tx.closed();
  assert.equal(await stateOf(c), 'pending');
  rx.close();
  await c;
  assert.equal(tx.isClosed, true);
});

void test('closed() resolves once the sender is used, and an aborted closed() leaves nothing behind', async () => {
  const [tx, rx] = oneshot<number>();
  const ac = new AbortController();
  const aborted = tx.closed({ signal: ac.signal });
  const c = tx.closed();
  ac.abort(reason);
  await assert.rejects(aborted, (e) => e === reason);
  tx.send(1);
  await c;
  await tx.closed();
  assert.equal(await rx, 1);
});

void test('a value sent before the receiver closed can still be received', async () => {
  const [tx, rx] = oneshot<number>();
  tx.send(8);
  rx.close();
  assert.equal(await rx, 8);
});

void test('closing the receiver rejects its pending receive with RecvError', async () => {
  const [, rx] = oneshot<number>();
  const p = rx.recv();
  rx.close();
  await assert.rejects(p, RecvError);
});

void test('an aborted receive consumes nothing: the value goes to the next receive', async () => {
  const [tx, rx] = oneshot<string>();
  const ac = new AbortController();
  const first = rx.recv({ signal: ac.signal });
  ac.abort(reason);
  await assert.rejects(first, (e) => e === reason);
  tx.send('kept');
  assert.equal(await rx, 'kept');
});

void test('a receive inside an aborted task rejects with CancelledError and consumes nothing', async () => {
  const [tx, rx] = oneshot<number>();
  let seen: unknown;
  const task = spawn(async () => {
    try {
      return await rx;
    } catch (e) {
      seen = e;
      throw e;
    }
  });
  await stateOf(task);
  task.abort();
  await assert.rejects(Promise.resolve(task), (e: unknown) => e instanceof JoinError && e.isCancelled());
  assert.ok(seen instanceof CancelledError);
  tx.send(2);
  assert.deepEqual(rx.tryRecv(), { state: 'ok', value: 2 });
});

void test('close() and [Symbol.dispose] are idempotent on both halves', async () => {
  const [tx, rx] = oneshot<number>();
  rx.close();
  rx[Symbol.dispose]();
  tx.close();
  tx[Symbol.dispose]();
  assert.equal(tx.send(1), false);
  await assert.rejects(rx.recv(), RecvError);
});

void test('select() over oneshot receivers is cancel-safe: losers consume nothing', async () => {
  const pairs = Array.from({ length: 50 }, () => oneshot<number>());
  const pending = new Map(pairs.map(([, rx], i) => [`r${i}`, rx]));
  // senders fire in a scrambled order, across macrotasks
  const order = pairs.map((_, i) => (i * 17) % 50);
  const sender = spawn(async () => {
    for (const i of order) {
      pairs[i]![0].send(i);
      if (i % 3 === 0) await new Promise((r) => setImmediate(r));
    }
  });
  const got: number[] = [];
  while (pending.size > 0) {
    const r = await select(Object.fromEntries(pending));
    got.push(r.value);
    pending.delete(r.key);
  }
  await sender;
  assert.deepEqual(
    [...got].sort((a, b) => a - b),
    pairs.map((_, i) => i),
  );
});

void test('select() on a oneshot whose sender closed unsent rejects with RecvError', async () => {
  const [tx, rx] = oneshot<number>();
  tx.close();
  await assert.rejects(select({ rx }), RecvError);
});
