import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, CancelledError, JoinError } from 'weft';
import { Notify } from 'weft/sync';
import { stateOf } from '../helpers/property.js';

void test('notified() waits until notifyOne()', async () => {
  const n = new Notify();
  const w = n.notified();
  assert.equal(await stateOf(w), 'pending');
  n.notifyOne();
  await w;
});

void test('notifyOne() wakes the oldest waiter only', async () => {
  const n = new Notify();
  const a = n.notified();
  const b = n.notified();
  n.notifyOne();
  await a;
  assert.equal(await stateOf(b), 'pending');
  n.notifyOne();
  await b;
});

void test('notifyOne() stores at most one permit when nobody waits', async () => {
  const n = new Notify();
  n.notifyOne();
  n.notifyOne();
  n.notifyOne();
  await n.notified(); // consumes the single permit
  const second = n.notified();
  assert.equal(await stateOf(second), 'pending');
  n.notifyOne();
  await second;
});

void test('notifyWaiters() wakes every current waiter and stores nothing', async () => {
  const n = new Notify();
  const all = [n.notified(), n.notified(), n.notified()];
  n.notifyWaiters();
  await Promise.all(all);
  const later = n.notified();
  assert.equal(await stateOf(later), 'pending');
  n.notifyOne();
  await later;
});

void test('notifyWaiters() leaves a stored permit in place', async () => {
  const n = new Notify();
  n.notifyOne();
  n.notifyWaiters();
  await n.notified();
});

void test('notifyLast() wakes the newest waiter', async () => {
  const n = new Notify();
  const a = n.notified();
  const b = n.notified();
  const c = n.notified();
  n.notifyLast();
  await c;
  assert.equal(await stateOf(a), 'pending');
  assert.equal(await stateOf(b), 'pending');
  n.notifyLast();
  await b;
  n.notifyLast();
  await a;
});

void test('notifyLast() stores a permit when nobody waits', async () => {
  const n = new Notify();
  n.notifyLast();
  await n.notified();
});

void test('a waiter chosen by notifyOne and aborted before consuming passes the notification on', async () => {
  const n = new Notify();
  const ac = new AbortController();
  const a = n.notified({ signal: ac.signal });
  const b = n.notified();
  n.notifyOne();
  ac.abort(new Error('a gave up'));
  await assert.rejects(a, /a gave up/);
  await b;
});

void test('a waiter chosen by notifyOne and aborted with nobody else waiting leaves the permit stored', async () => {
  const n = new Notify();
  const ac = new AbortController();
  const a = n.notified({ signal: ac.signal });
  n.notifyOne();
  ac.abort();
  await assert.rejects(a, { name: 'AbortError' });
  await n.notified(); // the permit was kept
});

void test('a waiter chosen by notifyLast and aborted passes the notification to the newest remaining waiter', async () => {
  const n = new Notify();
  const ac = new AbortController();
  const a = n.notified();
  const b = n.notified();
  const c = n.notified({ signal: ac.signal });
  n.notifyLast();
  ac.abort();
  await assert.rejects(c, { name: 'AbortError' });
  await b;
  assert.equal(await stateOf(a), 'pending');
  n.notifyOne();
  await a;
});

void test('a task aborted right after notifyOne chose its wait passes the notification on', async () => {
  const n = new Notify();
  const task = spawn(() => n.notified());
  await new Promise((r) => setImmediate(r));
  const other = n.notified();
  n.notifyOne();
  task.abort();
  await assert.rejects(task, (e) => e instanceof JoinError && e.isCancelled());
  await other;
});

void test('an aborted waiter leaves the queue: notifyOne goes to the next', async () => {
  const n = new Notify();
  const ac = new AbortController();
  const a = n.notified({ signal: ac.signal });
  const b = n.notified();
  ac.abort();
  await assert.rejects(a, { name: 'AbortError' });
  n.notifyOne();
  await b;
});

void test('aborting the task cancels notified() with CancelledError', async () => {
  const n = new Notify();
  let seen: unknown;
  const task = spawn(async () => {
    try {
      await n.notified();
    } catch (e) {
      seen = e;
      throw e;
    }
  });
  await new Promise((r) => setImmediate(r));
  task.abort();
  await assert.rejects(task, JoinError);
  assert.ok(seen instanceof CancelledError);
  n.notifyOne(); // nobody waits any more: stored
  await n.notified();
});

void test('notified() with an aborted signal rejects and keeps a stored permit', async () => {
  const n = new Notify();
  n.notifyOne();
  const ac = new AbortController();
  ac.abort(new Error('already'));
  await assert.rejects(n.notified({ signal: ac.signal }), /already/);
  await n.notified();
});

void test('notified() rejects bad options synchronously', () => {
  const n = new Notify();
  assert.throws(() => n.notified({ signal: 'nope' as never }), TypeError);
  assert.throws(() => n.notified(7 as never), TypeError);
});
