import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, select, CancelledError, type Branch } from 'weft';
import { broadcast, LaggedError, SendError, ClosedError, type BroadcastReceiver } from 'weft/sync';
import { stateOf } from '../helpers/property.js';

const reason = new Error('aborted by the test');

async function drain<T>(rx: { recv(): Promise<T | undefined> }): Promise<(T | string)[]> {
  const out: (T | string)[] = [];
  for (;;) {
    try {
      const v = await rx.recv();
      if (v === undefined) return out;
      out.push(v);
    } catch (e) {
      if (!(e instanceof LaggedError)) throw e;
      out.push(`lagged ${e.skipped}`);
    }
  }
}

void test('each receiver sees every value sent after it subscribed', async () => {
  const [tx, rx1] = broadcast<number>(8);
  tx.send(1);
  const rx2 = tx.subscribe();
  tx.send(2);
  const rx3 = rx1.resubscribe();
  tx.send(3);
  tx.close();
  assert.deepEqual(await drain(rx1), [1, 2, 3]);
  assert.deepEqual(await drain(rx2), [2, 3]);
  assert.deepEqual(await drain(rx3), [3]);
});

void test('send() returns the number of receivers and wakes every waiting receiver', async () => {
  const [tx, rx1] = broadcast<string>(2);
  const rx2 = tx.subscribe();
  const p1 = rx1.recv();
  const p2 = rx2.recv();
  assert.equal(await stateOf(p1), 'pending');
  assert.equal(tx.send('x'), 2);
  assert.equal(await p1, 'x');
  assert.equal(await p2, 'x');
  assert.equal(tx.receiverCount, 2);
});

void test('the ring holds exactly capacity values (no rounding)', () => {
  for (const capacity of [1, 3, 5, 7]) {
    const [tx, rx] = broadcast<number>(capacity);
    for (let i = 0; i < capacity; i++) tx.send(i);
    const late = rx.resubscribe();
    // capacity values: nothing lost yet
    for (let i = 0; i < capacity; i++) assert.deepEqual(rx.tryRecv(), { state: 'ok', value: i });
    for (let i = 0; i < capacity + 1; i++) tx.send(100 + i);
    // capacity + 1 values sent since `late` subscribed: exactly one was overwritten
    assert.deepEqual(late.tryRecv(), { state: 'lagged', skipped: 1 });
    assert.deepEqual(late.tryRecv(), { state: 'ok', value: 101 });
  }
});

void test('a receiver that fell behind gets one LaggedError with the exact count, then resumes at the oldest retained value', async () => {
  const [tx, rx] = broadcast<number>(3);
  for (let i = 1; i <= 10; i++) tx.send(i);
  assert.equal(rx.length, 10);
  await assert.rejects(
    rx.recv(),
    (e: unknown) => e instanceof LaggedError && e.skipped === 7 && e.code === 'ERR_LAGGED',
  );
  assert.equal(await rx.recv(), 8);
  assert.equal(await rx.recv(), 9);
  assert.equal(await rx.recv(), 10);
  assert.equal(rx.tryRecv().state, 'empty');
});

void test('tryRecv() reports lagged once with the exact count', () => {
  const [tx, rx] = broadcast<number>(2);
  for (let i = 0; i < 5; i++) tx.send(i);
  assert.deepEqual(rx.tryRecv(), { state: 'lagged', skipped: 3 });
  assert.deepEqual(rx.tryRecv(), { state: 'ok', value: 3 });
  assert.deepEqual(rx.tryRecv(), { state: 'ok', value: 4 });
  assert.deepEqual(rx.tryRecv(), { state: 'empty' });
});

void test('sending with no receivers throws SendError and keeps nothing', async () => {
  const [tx, rx] = broadcast<number>(4);
  rx.close();
  assert.equal(tx.receiverCount, 0);
  assert.throws(
    () => tx.send(1),
    (e: unknown) => e instanceof SendError && e.value === 1,
  );
  // a receiver created now does not see the refused value
  const late = tx.subscribe();
  tx.send(2);
  tx.close();
  assert.deepEqual(await drain(late), [2]);
});

void test('closing the last sender delivers the retained values, then undefined', async () => {
  const [tx, rx] = broadcast<number>(2);
  const tx2 = tx.clone();
  tx.send(1);
  tx.send(2);
  tx.send(3);
  tx.close();
  assert.equal(rx.tryRecv().state, 'lagged');
  tx2.close();
  assert.equal(await rx.recv(), 2);
  assert.equal(await rx.recv(), 3);
  assert.equal(await rx.recv(), undefined);
  assert.deepEqual(rx.tryRecv(), { state: 'closed' });
});

void test('closing the last sender wakes a waiting receiver with undefined', async () => {
  const [tx, rx] = broadcast<number>(2);
  const tx2 = tx.clone();
  const p = rx.recv();
  tx.close();
  assert.equal(await stateOf(p), 'pending');
  tx2.close();
  assert.equal(await p, undefined);
});

void test('resubscribe() starts at the tail', async () => {
  const [tx, rx] = broadcast<number>(4);
  tx.send(1);
  tx.send(2);
  const rx2 = rx.resubscribe();
  assert.equal(rx2.length, 0);
  assert.equal(rx2.tryRecv().state, 'empty');
  tx.send(3);
  assert.equal(await rx2.recv(), 3);
  assert.equal(await rx.recv(), 1);
});

void test('a closed receiver stops counting, and its receives resolve undefined', async () => {
  const [tx, rx] = broadcast<number>(2);
  const other = tx.subscribe();
  const pending = rx.recv();
  rx.close();
  rx.close();
  assert.equal(await pending, undefined);
  assert.equal(tx.receiverCount, 1);
  assert.equal(tx.send(1), 1);
  assert.equal(await rx.recv(), undefined);
  assert.equal(rx.length, 0);
  other[Symbol.dispose]();
  assert.equal(tx.receiverCount, 0);
});

void test('an aborted recv() consumes nothing: the next receive gets the value', async () => {
  const [tx, rx] = broadcast<number>(2);
  const ac = new AbortController();
  const first = rx.recv({ signal: ac.signal });
  ac.abort(reason);
  await assert.rejects(first, (e) => e === reason);
  tx.send(5);
  assert.equal(await rx.recv(), 5);
});

void test('a recv inside an aborted task rejects with CancelledError and consumes nothing', async () => {
  const [tx, rx] = broadcast<number>(2);
  let seen: unknown;
  const task = spawn(async () => {
    try {
      await rx.recv();
    } catch (e) {
      seen = e;
    }
  });
  await stateOf(task);
  task.abort();
  await Promise.resolve(task).catch(() => {});
  assert.ok(seen instanceof CancelledError);
  tx.send(6);
  assert.equal(await rx.recv(), 6);
});

void test('handles closed twice, clone and subscribe on a closed sender', () => {
  const [tx, rx] = broadcast<number>(1);
  tx.close();
  tx.close();
  tx[Symbol.dispose]();
  assert.throws(() => tx.send(1), SendError);
  assert.throws(() => tx.clone(), ClosedError);
  assert.throws(() => tx.subscribe(), ClosedError);
  rx.close();
  rx[Symbol.dispose]();
});

void test('broadcast() rejects capacity 0, negative, NaN, fractional or too large with RangeError', () => {
  for (const bad of [0, -1, NaN, 2.5, Infinity, 2 ** 30 + 1]) assert.throws(() => broadcast(bad), RangeError);
  assert.throws(() => broadcast('1' as never), TypeError);
});

void test('async iteration yields every value until the channel closes', async () => {
  const [tx, rx] = broadcast<number>(16);
  const reader = spawn(async () => {
    const got: number[] = [];
    for await (const v of rx) got.push(v);
    return got;
  });
  for (let i = 0; i < 10; i++) tx.send(i);
  tx.close();
  assert.deepEqual(await reader, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

void test('select() over several broadcast receivers with many concurrent senders loses and duplicates no message', async () => {
  const [txA, rxA] = broadcast<string>(1024);
  const [txB, rxB] = broadcast<string>(1024);
  const per = 300;
  const senders = [txA, txA.clone(), txB, txB.clone()].map((tx, s) =>
    spawn(async () => {
      for (let i = 0; i < per; i++) {
        tx.send(`${s}:${i}`);
        if (i % 4 === 0) await new Promise((r) => setImmediate(r));
      }
      tx.close();
    }),
  );
  const got: string[] = [];
  const receivers = new Map<string, BroadcastReceiver<string>>([
    ['rxA', rxA],
    ['rxB', rxB],
  ]);
  let ticks = 0;
  while (receivers.size > 0) {
    const branches: Record<string, Branch> = {
      tick: () => new Promise<void>((resolve) => setImmediate(resolve)).then(() => ticks++),
    };
    for (const [k, rx] of receivers) branches[k] = rx;
    const r = await select(branches);
    if (r.key === 'tick') continue;
    const v = r.value as string | undefined;
    if (v === undefined) receivers.delete(r.key);
    else got.push(v);
  }
  await Promise.all(senders);
  assert.equal(got.length, 4 * per);
  assert.equal(new Set(got).size, got.length);
  assert.ok(ticks > 0);
});
