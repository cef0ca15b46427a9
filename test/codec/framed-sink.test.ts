import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'weft';
import { createServer, type AddressInfo } from 'node:net';
import { IoError, TcpStream } from 'weft/net';
import { Framed, LinesCodec, LengthDelimitedCodec, FrameTooLargeError } from 'weft/codec';
import { tcpPair, stateOf } from '../net/helpers.js';

// Framed.next() over a weft stream decodes in the stream's data callback (one
// wait per frame, across as many deliveries as the frame takes). These tests
// cover that path's endings: each leaves the Framed ready for the next call.

test('a frame that arrives over several deliveries completes one pending next()', async () => {
  await using p = await tcpPair();
  const server = new Framed(p.server, new LengthDelimitedCodec());
  const pending = server.next();
  const parts = [[0, 0], [0, 4, 1], [2, 3], [4]];
  for (const [i, part] of parts.entries()) {
    await p.client.writeAll(Uint8Array.from(part));
    await new Promise((resolve) => setTimeout(resolve, 5)); // a delivery of its own
    if (i < parts.length - 1) assert.equal(await stateOf(pending), 'pending', `after part ${i}`);
  }
  assert.deepEqual(await pending, Uint8Array.of(1, 2, 3, 4));
  assert.equal(server.readBuffered, 0);
});

test('a decode error raised in the data callback rejects next(), and the next call is accepted', async () => {
  await using p = await tcpPair();
  const server = new Framed(p.server, new LinesCodec({ maxLength: 8 }));
  const pending = server.next();
  assert.equal(await stateOf(pending), 'pending');
  await p.client.writeAll(new TextEncoder().encode('much too long for the limit\n'));
  await assert.rejects(pending, (e) => e instanceof FrameTooLargeError);
  // Not "another next() is still pending": the failed read released the Framed.
  await p.client.writeAll(new TextEncoder().encode('ok\n'));
  assert.equal(await server.next(), 'ok');
});

test('several frames in one delivery: the first completes next(), the rest come from the buffer', async () => {
  await using p = await tcpPair();
  const server = new Framed(p.server, new LinesCodec());
  const pending = server.next();
  await p.client.writeAll(new TextEncoder().encode('a\nb\nc\n'));
  assert.equal(await pending, 'a');
  assert.equal(await server.next(), 'b');
  assert.equal(await server.next(), 'c');
  assert.equal(server.readBuffered, 0);
});

test('the stream ending while next() waits resolves it with end of stream', async () => {
  await using p = await tcpPair();
  const server = new Framed(p.server, new LinesCodec());
  const pending = server.next();
  assert.equal(await stateOf(pending), 'pending');
  await p.client.shutdown();
  assert.equal(await pending, undefined);
  assert.equal(await server.next(), undefined);
});

test('a peer reset while next() waits rejects it with IoError', async () => {
  const raw = createServer((s) => s.once('data', () => s.resetAndDestroy())); // reset on the first bytes
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  try {
    await using stream = await TcpStream.connect({ host: '127.0.0.1', port: (raw.address() as AddressInfo).port });
    const client = new Framed(stream, new LinesCodec());
    const pending = client.next();
    assert.equal(await stateOf(pending), 'pending');
    await client.send('hello');
    await assert.rejects(pending, (e) => e instanceof IoError);
  } finally {
    await new Promise((resolve) => raw.close(resolve));
  }
});

test('aborting the task parked in next() rejects it and loses no bytes of a partial frame', async () => {
  await using p = await tcpPair();
  const server = new Framed(p.server, new LinesCodec());
  await p.client.writeAll(new TextEncoder().encode('par'));
  const task = spawn(() => server.next());
  await new Promise((resolve) => setTimeout(resolve, 10));
  task.abort();
  await assert.rejects(Promise.resolve(task), (e: { isCancelled(): boolean }) => e.isCancelled());
  await p.client.writeAll(new TextEncoder().encode('tial\n'));
  assert.equal(await server.next(), 'partial');
});
