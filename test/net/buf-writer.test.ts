import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BufWriter, type TcpStream } from 'weft/net';
import { tcpPair, stateOf, text, str } from './helpers.js';

async function readAll(s: TcpStream): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const buf = new Uint8Array(64 * 1024);
  for (let n; (n = await s.read(buf)) > 0;) parts.push(buf.slice(0, n));
  return Buffer.concat(parts);
}

test('small writes stay buffered until flush(), then arrive in order', async () => {
  await using p = await tcpPair();
  const w = new BufWriter(p.client, 64);
  await w.write(text('ab'));
  await w.write(text('cd'));
  assert.equal(w.buffered, 4);
  assert.equal(p.client.writeBuffered, 0);
  const buf = new Uint8Array(4);
  const reading = p.server.readExact(buf);
  assert.equal(await stateOf(reading), 'pending');
  await w.flush();
  assert.equal(w.buffered, 0);
  await reading;
  assert.equal(str(buf), 'abcd');
});

test('a full buffer is flushed by the write that does not fit; a large write goes straight through', async () => {
  await using p = await tcpPair();
  const w = new BufWriter(p.client, 8);
  await w.write(text('12345'));
  await w.write(text('6789')); // does not fit: flushes '12345', buffers '6789'
  assert.equal(w.buffered, 4);
  const big = new Uint8Array(100_000).fill(0x61);
  await w.write(big); // flushes '6789', then writes directly
  assert.equal(w.buffered, 0);
  await w.close();
  const got = await readAll(p.server);
  assert.equal(got.length, 9 + big.length);
  assert.equal(str(got.subarray(0, 9)), '123456789');
});

test('close() flushes and shuts down the writing side; later calls reject with TypeError', async () => {
  await using p = await tcpPair();
  const [reader, writer] = p.client.split();
  const w = new BufWriter(writer);
  await w.write(text('last words'));
  await w.close();
  assert.equal(str(await readAll(p.server)), 'last words');
  await w.close(); // idempotent
  await assert.rejects(w.write(text('x')), TypeError);
  await assert.rejects(w.flush(), TypeError);
  reader.close();
});

test('flush() honours backpressure: with a peer that does not read it waits, then completes when the peer reads', async () => {
  await using p = await tcpPair();
  const cap = 256 * 1024;
  const w = new BufWriter(p.client, cap);
  const chunk = new Uint8Array(cap - 1).fill(3);
  let pending: Promise<void> | undefined;
  let sent = 0;
  for (let i = 0; i < 1000 && pending === undefined; i++) {
    await w.write(chunk);
    const f = w.flush();
    if ((await stateOf(f)) === 'pending') pending = f;
    sent += chunk.length;
  }
  assert.ok(pending !== undefined, 'a flush eventually waits');
  assert.ok(p.client.writeBuffered <= p.client.writeHighWaterMark + 64 * 1024 + cap);
  await assert.rejects(w.write(text('x')), /another call is still pending/);
  const buf = new Uint8Array(64 * 1024);
  let total = 0;
  const reading = (async () => {
    while (total < sent) total += await p.server.read(buf);
  })();
  await pending;
  await reading;
  assert.equal(total, sent);
});

test('bad arguments throw synchronously', async () => {
  await using p = await tcpPair();
  assert.throws(() => new BufWriter({} as never), TypeError);
  assert.throws(() => new BufWriter(p.client, 0), RangeError);
  assert.throws(() => new BufWriter(p.client).write('x' as never), TypeError);
});
