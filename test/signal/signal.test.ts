import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'weft';
import { ctrlC, signal } from 'weft/signal';
import { stateOf } from '../net/helpers.js';

test('ctrlC() resolves on the next SIGINT and removes its listener', async () => {
  const before = process.listenerCount('SIGINT');
  const waiting = ctrlC();
  assert.equal(process.listenerCount('SIGINT'), before + 1);
  assert.equal(await stateOf(waiting), 'pending');
  process.kill(process.pid, 'SIGINT');
  await waiting;
  assert.equal(process.listenerCount('SIGINT'), before);
});

test('several ctrlC() waiters share one listener and all resolve', async () => {
  const before = process.listenerCount('SIGINT');
  const waits = [ctrlC(), ctrlC(), ctrlC()];
  assert.equal(process.listenerCount('SIGINT'), before + 1);
  process.kill(process.pid, 'SIGINT');
  await Promise.all(waits);
  assert.equal(process.listenerCount('SIGINT'), before);
});

test('an aborted ctrlC() rejects with the reason and leaves no listener behind', async () => {
  const before = process.listenerCount('SIGINT');
  const ac = new AbortController();
  const waiting = ctrlC({ signal: ac.signal });
  ac.abort(new Error('shutting down anyway'));
  await assert.rejects(waiting, /shutting down anyway/);
  assert.equal(process.listenerCount('SIGINT'), before);
  await assert.rejects(ctrlC({ signal: AbortSignal.abort(new Error('pre')) }), /pre/);
  assert.equal(process.listenerCount('SIGINT'), before);
});

test('ctrlC() in an aborted task rejects with CancelledError and removes its listener', async () => {
  const before = process.listenerCount('SIGINT');
  const task = spawn(() => ctrlC());
  await new Promise((r) => setImmediate(r));
  assert.equal(process.listenerCount('SIGINT'), before + 1);
  task.abort();
  const err = await Promise.resolve(task).catch((e: unknown) => e);
  assert.ok((err as { isCancelled(): boolean }).isCancelled());
  assert.equal(process.listenerCount('SIGINT'), before);
});

test('signal() yields each delivery, coalesces deliveries nobody waited for, and closes cleanly', async () => {
  const before = process.listenerCount('SIGWINCH');
  using stream = signal('SIGWINCH');
  assert.equal(stream.name, 'SIGWINCH');
  assert.equal(process.listenerCount('SIGWINCH'), before + 1);
  const first = stream.recv();
  process.kill(process.pid, 'SIGWINCH');
  assert.equal(await first, true);
  // Two deliveries while nobody waits count as one.
  process.kill(process.pid, 'SIGWINCH');
  process.kill(process.pid, 'SIGWINCH');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(await stream.recv(), true);
  const third = stream.recv();
  assert.equal(await stateOf(third), 'pending');
  stream.close();
  assert.equal(await third, false);
  assert.equal(await stream.recv(), false);
  assert.equal(process.listenerCount('SIGWINCH'), before);
});

test('breaking out of a for await loop over signal() removes the listener', async () => {
  const before = process.listenerCount('SIGHUP');
  const stream = signal('SIGHUP');
  setTimeout(() => process.kill(process.pid, 'SIGHUP'), 5);
  let count = 0;
  for await (const _ of stream) {
    count++;
    break;
  }
  assert.equal(count, 1);
  assert.equal(process.listenerCount('SIGHUP'), before);
});

test('a recv() aborted by its signal consumes no delivery (cancel-safe)', async () => {
  using stream = signal('SIGWINCH');
  const ac = new AbortController();
  const first = stream.recv({ signal: ac.signal });
  ac.abort(new Error('no'));
  await assert.rejects(first, /no/);
  process.kill(process.pid, 'SIGWINCH');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(await stream.recv(), true);
});

test('a task waiting on a signal stream is cancelled by aborting the task', async () => {
  using stream = signal('SIGWINCH');
  const task = spawn(async () => {
    for await (const _ of stream) {
      // never delivered
    }
  });
  await new Promise((r) => setImmediate(r));
  task.abort();
  const err = await Promise.resolve(task).catch((e: unknown) => e);
  assert.ok((err as { isCancelled(): boolean }).isCancelled());
});

test('bad signal names throw', () => {
  assert.throws(() => signal('SIGNOPE' as NodeJS.Signals), RangeError);
  assert.throws(() => signal('SIGKILL'), RangeError);
  assert.throws(() => signal(9 as unknown as NodeJS.Signals), TypeError);
  assert.throws(() => ctrlC({ signal: 'x' as unknown as AbortSignal }), TypeError);
});
