import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { spawn, select, CancelledError, JoinError, type Branch } from 'weft';
import { mpsc, SendError, ClosedError } from 'weft/sync';
import { waitStats } from '../../src/core/wait-queue.js';
import { scheduler, BUDGET } from '../../src/core/scheduler.js';
import { stateOf } from '../helpers/property.js';

const reason = new Error('aborted by the test');

function aborted(): AbortSignal {
  const ac = new AbortController();
  ac.abort(reason);
  return ac.signal;
}

// ---------------------------------------------------------------- capacity and FIFO

void test('send() resolves at once while capacity is free', async () => {
  const [tx, rx] = mpsc.channel<number>(2);
  await tx.send(1);
  await tx.send(2);
  assert.equal(rx.length, 2);
  assert.equal(tx.capacity, 0);
});

void test('send() waits for capacity when the channel is full', async () => {
  const [tx, rx] = mpsc.channel<number>(1);
  await tx.send(1);
  const second = tx.send(2);
  assert.equal(await stateOf(second), 'pending');
  assert.equal(await rx.recv(), 1);
  await second;
  assert.equal(await rx.recv(), 2);
});

void test('waiting senders are served in arrival order, and a freed slot goes to the longest waiter so an immediate trySend still sees full', async () => {
  const [tx, rx] = mpsc.channel<string>(1);
  tx.trySend('first');
  const a = tx.send('a');
  const b = tx.send('b');
  const c = tx.send('c');
  assert.equal(await rx.recv(), 'first');
  // The freed slot went to 'a' in the same step: it is full again.
  assert.equal(tx.trySend('late'), false);
  assert.equal(tx.capacity, 0);
  assert.equal(await rx.recv(), 'a');
  assert.equal(tx.trySend('late'), false);
  assert.equal(await rx.recv(), 'b');
  assert.equal(await rx.recv(), 'c');
  await Promise.all([a, b, c]);
  assert.equal(tx.trySend('late'), true);
  assert.equal(await rx.recv(), 'late');
});

void test('waiting senders resolve in arrival order even when the freed slot feeds a waiting recvMany', async () => {
  // found by the property test: serving a batched receive used to grant the next
  // sender re-entrantly, resolving it before the sender whose value went first
  const [tx, rx] = mpsc.channel<string>(1);
  const permit = tx.tryReserve()!;
  const into: string[] = [];
  const many = rx.recvMany(into, 1);
  const order: string[] = [];
  const a = tx.send('a').then(() => order.push('a'));
  const b = tx.send('b').then(() => order.push('b'));
  permit.release();
  await Promise.all([a, b, many]);
  assert.deepEqual(order, ['a', 'b']);
  assert.deepEqual(into, ['a']);
  assert.equal(await rx.recv(), 'b');
});

void test('trySend() returns false when the channel is full', () => {
  const [tx, rx] = mpsc.channel<number>(2);
  assert.equal(tx.trySend(1), true);
  assert.equal(tx.trySend(2), true);
  assert.equal(tx.trySend(3), false);
  assert.equal(rx.length, 2);
});

void test('trySend() throws SendError carrying the value when the channel is closed', () => {
  const [tx, rx] = mpsc.channel<{ id: number }>(2);
  rx.close();
  const value = { id: 7 };
  assert.throws(
    () => tx.trySend(value),
    (e: unknown) => e instanceof SendError && e.value === value && e.code === 'ERR_CHANNEL_CLOSED',
  );
});

void test('trySend() reports closed rather than full (closed wins over full)', () => {
  const [tx, rx] = mpsc.channel<number>(1);
  tx.trySend(1);
  rx.close();
  assert.throws(() => tx.trySend(2), SendError);
  assert.throws(() => tx.tryReserve(), SendError);
});

void test('send() rejects with SendError(value) when the receiver is closed, and on a closed handle', async () => {
  const [tx, rx] = mpsc.channel<number>(1);
  const tx2 = tx.clone();
  tx2.close();
  await assert.rejects(tx2.send(5), (e: unknown) => e instanceof SendError && e.value === 5);
  assert.throws(() => tx2.trySend(5), SendError);
  await assert.rejects(tx2.reserve(), SendError);
  rx.close();
  await assert.rejects(tx.send(6), (e: unknown) => e instanceof SendError && e.value === 6);
});

// ---------------------------------------------------------------- permits

void test('capacity is maxCapacity minus buffered values minus outstanding permits', async () => {
  const [tx, rx] = mpsc.channel<number>(4);
  assert.equal(tx.maxCapacity, 4);
  assert.equal(tx.capacity, 4);
  tx.trySend(1);
  assert.equal(tx.capacity, 3);
  const p1 = await tx.reserve();
  const p2 = tx.tryReserve()!;
  assert.equal(tx.capacity, 1);
  p1.send(2);
  assert.equal(tx.capacity, 1); // the permit's slot now holds a value
  p2.release();
  assert.equal(tx.capacity, 2);
  await rx.recv();
  assert.equal(tx.capacity, 3);
  assert.equal(tx.maxCapacity, 4);
});

void test('reserve() holds capacity until the permit is sent or released', async () => {
  const [tx, rx] = mpsc.channel<number>(1);
  const permit = await tx.reserve();
  assert.equal(tx.trySend(1), false);
  assert.equal(tx.tryReserve(), undefined);
  const waiting = tx.send(2);
  assert.equal(await stateOf(waiting), 'pending');
  permit.release();
  await waiting; // the released slot went to the waiting send
  assert.equal(await rx.recv(), 2);
});

void test('reserve() waits in the same FIFO as send()', async () => {
  const [tx, rx] = mpsc.channel<number>(1);
  tx.trySend(0);
  const s = tx.send(1);
  const r = tx.reserve();
  assert.equal(await rx.recv(), 0);
  await s;
  assert.equal(await stateOf(r), 'pending');
  assert.equal(await rx.recv(), 1);
  const permit = await r;
  permit.send(2);
  assert.equal(await rx.recv(), 2);
});

void test('a permit sends without waiting even after the receiver closed, and the receiver drains it', async () => {
  const [tx, rx] = mpsc.channel<string>(1);
  const permit = await tx.reserve();
  rx.close();
  permit.send('granted before close');
  assert.equal(await rx.recv(), 'granted before close');
  assert.equal(await rx.recv(), undefined);
});

void test('permit.send() after send or release throws TypeError, release() is idempotent', async () => {
  const [tx, rx] = mpsc.channel<number>(2);
  const p = await tx.reserve();
  p.send(1);
  assert.throws(() => p.send(2), TypeError);
  p.release(); // no-op after send
  assert.equal(tx.capacity, 1);
  const q = await tx.reserve();
  q.release();
  q.release();
  q[Symbol.dispose]();
  assert.throws(() => q.send(3), TypeError);
  assert.equal(tx.capacity, 1);
  assert.equal(rx.length, 1);
});

void test('a permit held with `using` is released when the scope ends', async () => {
  const [tx] = mpsc.channel<number>(1);
  {
    using _permit = await tx.reserve();
    assert.equal(tx.capacity, 0);
  }
  assert.equal(tx.capacity, 1);
});

// ---------------------------------------------------------------- cancellation

void test('an aborted send() takes no capacity and the next waiting sender is served', async () => {
  const [tx, rx] = mpsc.channel<string>(1);
  tx.trySend('full');
  const ac = new AbortController();
  const cancelled = tx.send('cancelled', { signal: ac.signal });
  const next = tx.send('next');
  ac.abort(reason);
  await assert.rejects(cancelled, (e) => e === reason);
  assert.equal(await rx.recv(), 'full');
  await next;
  assert.equal(await rx.recv(), 'next');
  assert.equal(rx.length, 0);
  assert.equal(tx.capacity, 1);
});

void test('send() with an already aborted signal rejects with its reason and sends nothing, even with free capacity', async () => {
  const [tx, rx] = mpsc.channel<number>(1);
  await assert.rejects(tx.send(1, { signal: aborted() }), (e) => e === reason);
  await assert.rejects(tx.reserve({ signal: aborted() }), (e) => e === reason);
  assert.equal(rx.length, 0);
  assert.equal(tx.capacity, 1);
});

void test('an aborted reserve() takes no capacity', async () => {
  const [tx, rx] = mpsc.channel<number>(1);
  tx.trySend(1);
  const ac = new AbortController();
  const r = tx.reserve({ signal: ac.signal });
  ac.abort(reason);
  await assert.rejects(r, (e) => e === reason);
  await rx.recv();
  assert.equal(tx.capacity, 1);
});

void test('a send waiting inside an aborted task rejects with CancelledError and takes no capacity', async () => {
  const [tx, rx] = mpsc.channel<number>(1);
  tx.trySend(1);
  const task = spawn(() => tx.send(2));
  await stateOf(task);
  task.abort();
  await assert.rejects(Promise.resolve(task), (e: unknown) => e instanceof JoinError && e.isCancelled());
  assert.equal(await rx.recv(), 1);
  assert.equal(tx.capacity, 1);
  assert.equal(rx.tryRecv().state, 'empty');
});

void test('a cancelled recv() leaves the queue and the value goes to the next receive', async () => {
  const [tx, rx] = mpsc.channel<string>(1);
  const ac = new AbortController();
  const first = rx.recv({ signal: ac.signal });
  const second = rx.recv();
  ac.abort(reason);
  await assert.rejects(first, (e) => e === reason);
  tx.trySend('value');
  assert.equal(await second, 'value');
});

void test('a recv inside an aborted task rejects with CancelledError and loses nothing', async () => {
  const [tx, rx] = mpsc.channel<number>(1);
  let seen: unknown;
  const task = spawn(async () => {
    try {
      await rx.recv();
    } catch (e) {
      seen = e;
      throw e;
    }
  });
  await stateOf(task);
  task.abort();
  await assert.rejects(Promise.resolve(task), JoinError);
  assert.ok(seen instanceof CancelledError);
  tx.trySend(9);
  assert.equal(await rx.recv(), 9);
});

void test('10,000 aborted waits on one long-lived signal leave its abort listener count unchanged', async () => {
  const [emptyTx, emptyRx] = mpsc.channel<number>(1);
  const [fullTx, fullRx] = mpsc.channel<number>(1);
  fullTx.trySend(0);
  const longLived = new AbortController();
  const signal = longLived.signal;
  const before = getEventListeners(signal, 'abort').length;
  let cancelled = 0;
  for (let round = 0; round < 10; round++) {
    // 500 receives and 500 sends parked with the long-lived signal, cancelled by their task's abort
    const waits: Promise<unknown>[] = [];
    const task = spawn(async () => {
      for (let i = 0; i < 500; i++) waits.push(emptyRx.recv({ signal }), fullTx.send(i, { signal }));
      await Promise.allSettled(waits);
    });
    await stateOf(task);
    assert.equal(waits.length, 1000);
    assert.ok(getEventListeners(signal, 'abort').length <= before + 1, 'one shared listener at most');
    task.abort();
    await Promise.resolve(task).catch(() => undefined);
    for (const o of await Promise.allSettled(waits))
      if (o.status === 'rejected' && o.reason instanceof CancelledError) cancelled++;
  }
  assert.equal(cancelled, 10_000);
  // waits on the long-lived signal that lose a select, and that complete normally
  for (let i = 0; i < 1_000; i++) {
    const q = emptyRx.recv({ signal });
    const r = select({ emptyRx, now: Promise.resolve('now') }, { biased: true, signal });
    emptyTx.trySend(i);
    assert.equal(await q, i);
    assert.equal((await r).key, 'now');
  }
  assert.equal(getEventListeners(signal, 'abort').length, before);
  assert.equal(emptyRx.length, 0);
  assert.equal(fullRx.length, 1);
  assert.equal(fullTx.capacity, 0);
});

// ---------------------------------------------------------------- receiving and closing

void test('recv() hands a sent value straight to a waiting receiver', async () => {
  const [tx, rx] = mpsc.channel<number>(1);
  const r = rx.recv();
  assert.equal(tx.trySend(1), true);
  assert.equal(rx.length, 0); // never buffered
  assert.equal(tx.capacity, 1);
  assert.equal(await r, 1);
});

void test('recv() resolves undefined only when closed, drained and no permit is outstanding', async () => {
  const [tx, rx] = mpsc.channel<number>(2);
  tx.trySend(1);
  const permit = await tx.reserve();
  tx.close();
  assert.equal(rx.isClosed, true);
  assert.equal(await rx.recv(), 1);
  const pending = rx.recv();
  assert.equal(await stateOf(pending), 'pending'); // a permit is outstanding
  permit.send(2);
  assert.equal(await pending, 2);
  assert.equal(await rx.recv(), undefined);
  assert.equal(rx.tryRecv().state, 'closed');

  const [tx2, rx2] = mpsc.channel<number>(1);
  const p2 = await tx2.reserve();
  tx2.close();
  const waiting = rx2.recv();
  assert.equal(await stateOf(waiting), 'pending');
  p2.release();
  assert.equal(await waiting, undefined);
});

void test('buffered values survive the senders closing', async () => {
  const [tx, rx] = mpsc.channel<number>(3);
  tx.trySend(1);
  tx.trySend(2);
  tx.close();
  assert.equal(await rx.recv(), 1);
  assert.equal(await rx.recv(), 2);
  assert.equal(await rx.recv(), undefined);
});

void test('rx.close() rejects waiting senders but lets buffered values and granted permits drain', async () => {
  const [tx, rx] = mpsc.channel<number>(2);
  tx.trySend(1);
  const permit = tx.tryReserve()!;
  const waitingSend = tx.send(3);
  const waitingReserve = tx.reserve();
  rx.close();
  await assert.rejects(waitingSend, (e: unknown) => e instanceof SendError && e.value === 3);
  await assert.rejects(waitingReserve, SendError);
  assert.equal(tx.isClosed, true);
  assert.equal(await rx.recv(), 1);
  permit.send(2);
  assert.equal(await rx.recv(), 2);
  assert.equal(await rx.recv(), undefined);
});

void test('tryRecv() reports ok, empty and closed', () => {
  const [tx, rx] = mpsc.channel<number>(1);
  assert.deepEqual(rx.tryRecv(), { state: 'empty' });
  tx.trySend(4);
  assert.deepEqual(rx.tryRecv(), { state: 'ok', value: 4 });
  tx.close();
  assert.deepEqual(rx.tryRecv(), { state: 'closed' });
});

void test('isEmpty, length and isClosed describe the receiver', () => {
  const [tx, rx] = mpsc.channel<number>(3);
  assert.equal(rx.isEmpty, true);
  tx.trySend(1);
  tx.trySend(2);
  assert.equal(rx.length, 2);
  assert.equal(rx.isEmpty, false);
  assert.equal(rx.isClosed, false);
  rx.close();
  assert.equal(rx.isClosed, true);
  assert.equal(rx.length, 2);
});

void test('recvMany() appends up to limit values and returns the count', async () => {
  const [tx, rx] = mpsc.channel<number>(8);
  for (let i = 0; i < 5; i++) tx.trySend(i);
  const into = [-1];
  assert.equal(await rx.recvMany(into, 3), 3);
  assert.deepEqual(into, [-1, 0, 1, 2]);
  assert.equal(await rx.recvMany(into, 10), 2);
  assert.deepEqual(into, [-1, 0, 1, 2, 3, 4]);
  assert.equal(await rx.recvMany(into, 0), 0);
});

void test('recvMany() waits while empty, and resolves 0 once closed and drained', async () => {
  const [tx, rx] = mpsc.channel<number>(4);
  const into: number[] = [];
  const p = rx.recvMany(into, 4);
  assert.equal(await stateOf(p), 'pending');
  tx.trySend(7);
  assert.equal(await p, 1);
  assert.deepEqual(into, [7]);
  tx.close();
  assert.equal(await rx.recvMany(into, 4), 0);
});

void test('recvMany() passes freed slots to waiting senders', async () => {
  const [tx, rx] = mpsc.channel<number>(2);
  tx.trySend(1);
  tx.trySend(2);
  const s3 = tx.send(3);
  const s4 = tx.send(4);
  const into: number[] = [];
  assert.equal(await rx.recvMany(into, 2), 2);
  await Promise.all([s3, s4]);
  assert.equal(await rx.recvMany(into, 2), 2);
  assert.deepEqual(into, [1, 2, 3, 4]);
});

void test('recvMany() validates its arguments', () => {
  const [, rx] = mpsc.channel<number>(1);
  assert.throws(() => rx.recvMany(null as never, 1), TypeError);
  assert.throws(() => rx.recvMany([], -1), RangeError);
  assert.throws(() => rx.recvMany([], 1.5), RangeError);
});

void test('async iteration yields every value until the channel closes', async () => {
  const [tx, rx] = mpsc.channel<number>(2);
  const producer = spawn(async () => {
    for (let i = 0; i < 20; i++) await tx.send(i);
    tx.close();
  });
  const got: number[] = [];
  for await (const v of rx) got.push(v);
  await producer;
  assert.deepEqual(
    got,
    Array.from({ length: 20 }, (_, i) => i),
  );
});

void test('breaking out of a for-await loop leaves the receiver open', async () => {
  const [tx, rx] = mpsc.channel<number>(4);
  tx.trySend(1);
  tx.trySend(2);
  for await (const v of rx) {
    assert.equal(v, 1);
    break;
  }
  assert.equal(rx.isClosed, false);
  assert.equal(await rx.recv(), 2);
});

void test('sender.closed() resolves when the receiver closes', async () => {
  const [tx, rx] = mpsc.channel<number>(1);
  const tx2 = tx.clone();
  const c1 = tx.closed();
  const c2 = tx2.closed();
  assert.equal(await stateOf(c1), 'pending');
  rx.close();
  await Promise.all([c1, c2]);
  assert.equal(tx.isClosed, true);
  await tx.closed(); // at once now
});

void test('sender.closed() on a handle that gets closed resolves, and aborting it leaves nothing behind', async () => {
  const [tx] = mpsc.channel<number>(1);
  const tx2 = tx.clone();
  const c = tx2.closed();
  const ac = new AbortController();
  const c2 = tx.closed({ signal: ac.signal });
  tx2.close();
  await c;
  ac.abort(reason);
  await assert.rejects(c2, (e) => e === reason);
});

void test('the channel closes for the receiver only when every sender clone is closed', async () => {
  const [tx, rx] = mpsc.channel<number>(1);
  const a = tx.clone();
  const b = a.clone();
  const pending = rx.recv();
  tx.close();
  a.close();
  a.close(); // idempotent: does not count twice
  assert.equal(rx.isClosed, false);
  assert.equal(await stateOf(pending), 'pending');
  b.close();
  assert.equal(rx.isClosed, true);
  assert.equal(await pending, undefined);
});

void test('clone() of a closed sender throws ClosedError', () => {
  const [tx] = mpsc.channel<number>(1);
  tx.close();
  assert.throws(() => tx.clone(), ClosedError);
});

void test('a send already waiting on a handle that is then closed still completes', async () => {
  const [tx, rx] = mpsc.channel<number>(1);
  tx.trySend(1);
  const s = tx.send(2);
  tx.close();
  assert.equal(await rx.recv(), 1);
  await s;
  assert.equal(await rx.recv(), 2);
  assert.equal(await rx.recv(), undefined);
});

void test('close() and [Symbol.dispose] are idempotent on every handle', async () => {
  const [tx, rx] = mpsc.channel<number>(1);
  {
    using tx2 = tx.clone();
    tx2.close();
  }
  tx.close();
  tx[Symbol.dispose]();
  rx.close();
  rx[Symbol.dispose]();
  assert.equal(await rx.recv(), undefined);
  const [utx, urx] = mpsc.unboundedChannel<number>();
  utx.close();
  utx[Symbol.dispose]();
  urx[Symbol.dispose]();
  urx.close();
  assert.equal(await urx.recv(), undefined);
});

// ---------------------------------------------------------------- bad input

void test('undefined is not a valid message', async () => {
  const [tx] = mpsc.channel<number | undefined>(2);
  assert.throws(() => tx.send(undefined), TypeError);
  assert.throws(() => tx.trySend(undefined), TypeError);
  const p = await tx.reserve();
  assert.throws(() => p.send(undefined), TypeError);
  p.send(1); // the permit is still usable after the rejected call
  const [utx] = mpsc.unboundedChannel<number | undefined>();
  assert.throws(() => utx.send(undefined), TypeError);
});

void test('channel() rejects capacity 0, negative, NaN, fractional or above MAX_CAPACITY with RangeError', () => {
  for (const bad of [0, -1, NaN, 1.5, Infinity, mpsc.MAX_CAPACITY + 1]) {
    assert.throws(() => mpsc.channel(bad), RangeError, `capacity ${bad}`);
  }
  assert.throws(() => mpsc.channel('4' as never), TypeError);
  assert.equal(mpsc.channel(mpsc.MAX_CAPACITY)[0].maxCapacity, mpsc.MAX_CAPACITY);
});

void test('options must be an object with an AbortSignal', () => {
  const [tx, rx] = mpsc.channel<number>(1);
  assert.throws(() => tx.send(1, 5 as never), TypeError);
  assert.throws(() => rx.recv({ signal: 'no' as never }), TypeError);
});

// ---------------------------------------------------------------- unbounded

void test('unboundedChannel(): send never waits, values arrive in order, close semantics hold', async () => {
  const [tx, rx] = mpsc.unboundedChannel<number>();
  for (let i = 0; i < 10_000; i++) tx.send(i);
  assert.equal(rx.length, 10_000);
  const tx2 = tx.clone();
  tx.close();
  tx2.send(10_000);
  tx2.close();
  const all: number[] = [];
  while ((await rx.recvMany(all, 1_000)) > 0);
  assert.equal(all.length, 10_001);
  assert.ok(all.every((v, i) => v === i));
  assert.throws(() => tx2.send(1), SendError);
  assert.throws(() => tx2.clone(), ClosedError);
});

void test('unbounded closed() resolves when the receiver closes, and send then throws SendError', async () => {
  const [tx, rx] = mpsc.unboundedChannel<string>();
  const c = tx.closed();
  rx.close();
  await c;
  assert.equal(tx.isClosed, true);
  assert.throws(
    () => tx.send('x'),
    (e: unknown) => e instanceof SendError && e.value === 'x',
  );
});

// ---------------------------------------------------------------- fast paths

void test('a send to a waiting receiver is one promise resolution, with no wait allocated for the send', async () => {
  const [tx, rx] = mpsc.channel<number>(1);
  await scheduler.hop(); // fresh budget
  const r = rx.recv();
  const before = waitStats.parked;
  const s = tx.send(1);
  assert.equal(waitStats.parked, before - 1); // the receive was settled, nothing new parked
  await s;
  assert.equal(await r, 1);
});

void test('a run of immediately-ready sends and receives yields to the macrotask queue every BUDGET operations', async () => {
  const [tx, rx] = mpsc.channel<number>(4);
  let ticks = 0;
  let running = true;
  const ticker = (): void => {
    ticks++;
    if (running) setImmediate(ticker);
  };
  setImmediate(ticker);
  const n = BUDGET * 20;
  for (let i = 0; i < n; i++) {
    await tx.send(i);
    assert.equal(await rx.recv(), i);
  }
  running = false;
  await new Promise((r) => setImmediate(r));
  assert.ok(ticks >= 10, `timers ran ${ticks} times during ${n * 2} ready operations`);
});

void test('select() over several receivers with many concurrent senders loses and duplicates no message', async () => {
  const channels = [mpsc.channel<string>(2), mpsc.channel<string>(1), mpsc.unboundedChannel<string>()] as const;
  const [[a, ra], [b, rb], [c, rc]] = channels;
  const perSender = 200;
  const senders = [a, a.clone(), b, b.clone(), b.clone()].map((tx, s) =>
    spawn(async () => {
      for (let i = 0; i < perSender; i++) {
        await tx.send(`${s}:${i}`);
        if (i % 7 === 0) await new Promise((r) => setImmediate(r));
      }
      tx.close();
    }),
  );
  const unbounded = spawn(async () => {
    for (let i = 0; i < perSender; i++) {
      c.send(`u:${i}`);
      if (i % 5 === 0) await new Promise((r) => setImmediate(r));
    }
    c.close();
  });
  const got: string[] = [];
  const receivers = new Map<string, mpsc.Receiver<string>>([
    ['ra', ra],
    ['rb', rb],
    ['rc', rc],
  ]);
  let ticks = 0;
  while (receivers.size > 0) {
    // A branch that often wins: the receive branches that lose must consume nothing.
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
  await Promise.all([...senders, unbounded]);
  assert.equal(got.length, 6 * perSender);
  assert.equal(new Set(got).size, got.length);
  // per-sender order survives select
  const last = new Map<string, number>();
  for (const v of got) {
    const [s, i] = v.split(':') as [string, string];
    assert.ok((last.get(s) ?? -1) < Number(i), `order of sender ${s}`);
    last.set(s, Number(i));
  }
  assert.ok(ticks > 0);
});
