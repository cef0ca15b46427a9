import '../helpers/guard.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, CodecError, Sender, Receiver } from '../../src/cluster/index.js';
import { SendError } from '../../src/sync/errors.js';
import { select } from '../../src/select/select.js';
import { sleep } from '../../src/time/sleep.js';
import { NatsServer, ChildNode, stopAllNodes, eventually } from './harness.js';

let nats: NatsServer;
before(async () => {
  nats = await NatsServer.start();
});
after(async () => {
  await stopAllNodes();
  await nats.dispose();
});

const fast = { heartbeatInterval: 200, downAfter: 1000 };
const join = (node: string) => Cluster.join({ servers: nats.url, node, ...fast });

test('values sent from another process arrive once each, in order per sender', async () => {
  await using local = await join('c1-local');
  const [tx, rx] = local.channel<number>('c1', { capacity: 8 });
  tx.close();
  const first = rx.recv();
  const a = await ChildNode.start(nats.url, 'c1-a', fast);
  const b = await ChildNode.start(nats.url, 'c1-b', fast);
  const sends = Promise.all([a.call('chanSend', 'c1', 8, 0, 200), b.call('chanSend', 'c1', 8, 1000, 200)]);
  const got = [(await first) as number];
  while (got.length < 400) got.push((await rx.recv()) as number);
  await sends;
  const fromA = got.filter((v) => v < 1000);
  const fromB = got.filter((v) => v >= 1000);
  assert.deepEqual(
    fromA,
    Array.from({ length: 200 }, (_, i) => i),
  );
  assert.deepEqual(
    fromB,
    Array.from({ length: 200 }, (_, i) => 1000 + i),
  );
  rx.close();
  await a.stop();
  await b.stop();
});

test('a sender waits once the receiver has granted all its capacity (no unbounded buffer)', async () => {
  await using a = await join('c2-a');
  await using b = await join('c2-b');
  const [tx, rxA] = a.channel<number>('c2', { capacity: 100 });
  rxA.close();
  const [txB, rx] = b.channel<number>('c2', { capacity: 3 });
  txB.close();
  assert.equal(rx.tryRecv().state, 'empty'); // joins the receivers, consumes nothing
  let sent = 0;
  const producer = (async () => {
    for (let i = 0; i < 10; i++) {
      await tx.send(i);
      sent++;
    }
  })();
  await eventually(() => rx.length === 3, 3000, 'the receiver filled its capacity');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(sent, 3, 'only `capacity` sends completed while the consumer took nothing');
  assert.equal(rx.length, 3);
  const got: number[] = [];
  while (got.length < 10) got.push((await rx.recv()) as number);
  await producer;
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  tx.close();
  rx.close();
});

test('an aborted send takes no credit and the value never arrives', async () => {
  await using a = await join('c3-a');
  const [tx, rx] = a.channel<string>('c3', { capacity: 1 });
  rx.tryRecv();
  await tx.send('one');
  const ac = new AbortController();
  const waiting = tx.send('aborted', { signal: ac.signal });
  ac.abort(new Error('stop'));
  await assert.rejects(waiting, /stop/);
  assert.equal(await rx.recv(), 'one');
  await tx.send('two');
  assert.equal(await rx.recv(), 'two');
  assert.equal(rx.tryRecv().state, 'empty');
  tx.close();
  rx.close();
});

test('values that cannot cross, undefined, and a closed sender are refused', async () => {
  await using a = await join('c4-a');
  const [tx, rx] = a.channel<unknown>('c4', { capacity: 1 });
  await assert.rejects(tx.send({ f: () => 1 }), CodecError);
  await assert.rejects(tx.send(undefined), TypeError);
  assert.throws(() => a.channel('bad name', { capacity: 1 }), TypeError);
  assert.throws(() => a.channel('ok', { capacity: 0 }), RangeError);
  tx.close();
  await assert.rejects(tx.send(1), SendError);
  assert.throws(() => tx.trySend(1), SendError);
  await tx.closed();
  rx.close();
  assert.equal(await rx.recv(), undefined);
});

test("a receiver's node killed: its unacked values are re-sent to another receiver", async () => {
  await using local = await join('c5-local');
  const slow = await ChildNode.start(nats.url, 'c5-slow', fast);
  await slow.call('chanConsume', 'c5', 4, 60_000); // takes one value, then sleeps a minute
  const [tx, rxLocal] = local.channel<number>('c5', { capacity: 4 });
  // Only the slow receiver is open for now.
  const sends = (async () => {
    for (let i = 0; i < 20; i++) await tx.send(i);
  })();
  await slow.waitEvent((e) => (e as { kind?: string }).kind === 'chan');
  await slow.kill();
  const got: number[] = [];
  const drain = (async () => {
    for (;;) {
      const ac = new AbortController();
      const t = setTimeout(() => ac.abort(new Error('quiet')), 1500);
      try {
        got.push((await rxLocal.recv({ signal: ac.signal })) as number);
      } catch {
        return;
      } finally {
        clearTimeout(t);
      }
    }
  })();
  await sends;
  await drain;
  // The slow node took value 0 and had room for 4 more: those it acked before dying are lost with it,
  // those it had not acked yet are re-sent here (possibly after later values: a fail-over reorders).
  const missing = Array.from({ length: 20 }, (_, i) => i).filter((i) => !got.includes(i));
  assert.ok(
    missing.every((i) => i <= 4),
    `missing ${missing.join()}`,
  );
  assert.equal(new Set(got).size, got.length, 'no duplicates');
  const later = got.filter((v) => v > 4);
  assert.deepEqual(
    later,
    Array.from({ length: 15 }, (_, i) => i + 5),
    'values first sent here arrive in order',
  );
  tx.close();
  rxLocal.close();
});

test('cluster channel ends are weft mpsc ends: reserve, tryReserve, clone and select', async () => {
  await using a = await join('c6-a');
  await using b = await join('c6-b');
  const [tx, rxA] = a.channel<string>('c6', { capacity: 2 });
  rxA.close();
  const [txB, rx] = b.channel<string>('c6', { capacity: 2 });
  txB.close();
  assert.ok(tx instanceof Sender && rx instanceof Receiver);
  // A select branch on a cluster receiver is cancel-safe: the losing receive took nothing.
  const idle = await select({ rx, later: (signal) => sleep(100, { signal }) });
  assert.equal(idle.key, 'later');
  // reserve waits for a credit from the receiver (select joined it), then sends without waiting.
  const permit = await tx.reserve();
  permit.send('reserved');
  assert.throws(() => permit.send('again'), TypeError);
  const won = await select({ rx, later: (signal) => sleep(5000, { signal }) });
  assert.deepEqual(won, { key: 'rx', value: 'reserved' });
  // tryReserve takes a credit held now; release gives it back.
  await eventually(() => tx.capacity > 0, 5000, 'a credit granted ahead');
  const held = tx.capacity;
  const p = tx.tryReserve();
  assert.ok(p !== undefined);
  assert.equal(tx.capacity, held - 1);
  p.release();
  p.release(); // idempotent
  assert.equal(tx.capacity, held);
  // A clone is its own sender handle: open after the original closes, FIFO on its own.
  const tx2 = tx.clone();
  tx.close();
  assert.throws(() => tx.clone(), /closed/);
  assert.throws(() => tx.tryReserve(), SendError);
  await assert.rejects(tx.reserve(), SendError);
  // The closed handle handed its unused credit back, so the clone gets the whole 2-value buffer.
  await tx2.send('c1');
  await tx2.send('c2');
  assert.equal(await rx.recv(), 'c1');
  assert.equal(await rx.recv(), 'c2');
  tx2.close();
  await tx2.closed();
  rx.close();
});
