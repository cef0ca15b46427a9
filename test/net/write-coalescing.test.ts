import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Socket, createServer } from 'node:net';
import { TcpStream, IoError } from 'weft/net';
import { tcpPair, stateOf, text, str } from './helpers.js';

/** Counts `socket.write` calls made by any socket while `fn` runs (and its turn ends). */
async function countSocketWrites(fn: () => void | Promise<void>): Promise<number> {
  const original = Socket.prototype.write;
  let calls = 0;
  Socket.prototype.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    calls++;
    return original.apply(this, args);
  } as Socket['write'];
  try {
    await fn();
    await new Promise((r) => setImmediate(r)); // the turn's coalesced write happens before this
  } finally {
    Socket.prototype.write = original;
  }
  return calls;
}

async function readN(s: TcpStream, n: number): Promise<string> {
  const buf = new Uint8Array(n);
  await s.readExact(buf);
  return str(buf);
}

test('writes issued in one turn on one stream reach the socket as one write, in order', async () => {
  await using p = await tcpPair();
  const calls = await countSocketWrites(() => {
    for (let i = 0; i < 16; i++) void p.client.writeAll(text(`+R${i.toString(16)}\r\n`));
  });
  assert.equal(calls, 1);
  const expected = Array.from({ length: 16 }, (_, i) => `+R${i.toString(16)}\r\n`).join('');
  assert.equal(await readN(p.server, expected.length), expected);
});

test('writes awaited one after another in the same turn are still coalesced (the pipelined-reply loop)', async () => {
  await using p = await tcpPair();
  const calls = await countSocketWrites(async () => {
    for (let i = 0; i < 10; i++) await p.client.writeAll(text(String(i)));
  });
  assert.equal(calls, 1);
  assert.equal(await readN(p.server, 10), '0123456789');
});

test('bytes staged but not yet written count in writeBuffered and are flushed by shutdown()', async () => {
  await using p = await tcpPair();
  await p.client.writeAll(text('hello'));
  assert.ok(p.client.writeBuffered >= 5, `writeBuffered ${p.client.writeBuffered}`);
  await p.client.shutdown();
  const buf = new Uint8Array(16);
  let n = 0;
  for (let k; (k = await p.server.read(buf.subarray(n))) > 0;) n += k;
  assert.equal(str(buf.subarray(0, n)), 'hello');
});

test('close() right after a write still delivers the staged bytes', async () => {
  await using p = await tcpPair();
  await p.client.writeAll(text('bye'));
  p.client.close();
  assert.equal(await readN(p.server, 3), 'bye');
});

test('coalescing keeps backpressure: a peer that does not read makes writes in one turn wait', async () => {
  await using p = await tcpPair();
  const chunk = new Uint8Array(1024).fill(7);
  const bound = p.client.writeHighWaterMark + 64 * 1024;
  let blocked: Promise<void> | undefined;
  let written = 0;
  for (let i = 0; i < 200_000 && blocked === undefined; i++) {
    // 64 writes per turn, none awaited until the turn ends.
    const ws = Array.from({ length: 64 }, () => p.client.writeAll(chunk));
    const last = ws[ws.length - 1]!;
    if ((await stateOf(last)) === 'pending') blocked = Promise.all(ws).then(() => undefined);
    else written += 64 * chunk.length;
    assert.ok(p.client.writeBuffered <= bound + 64 * chunk.length, `buffered ${p.client.writeBuffered}`);
  }
  assert.ok(blocked !== undefined, 'writes eventually wait for the peer');
  const expected = written + 64 * chunk.length;
  const buf = new Uint8Array(64 * 1024);
  let total = 0;
  const reading = (async () => {
    while (total < expected) total += await p.server.read(buf);
  })();
  await blocked;
  await reading;
  assert.equal(total, expected);
});

test('a write after the peer reset the connection rejects with IoError (not SocketClosedError)', async () => {
  const server = createServer((s) => s.once('data', () => s.resetAndDestroy())); // reset on the first bytes
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as { port: number }).port;
    const client = await TcpStream.connect({ host: '127.0.0.1', port });
    try {
      // The first write makes the peer reset; once the reset has arrived, writes fail with IoError.
      let err: unknown;
      for (let i = 0; i < 200 && err === undefined; i++) {
        try {
          await client.writeAll(text('x'));
          await new Promise((r) => setTimeout(r, 5));
        } catch (e) {
          err = e;
        }
      }
      assert.ok(err instanceof IoError, `got ${String(err)}`);
      assert.ok(['ECONNRESET', 'EPIPE'].includes(err.kind), err.kind);
    } finally {
      client.close();
    }
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
