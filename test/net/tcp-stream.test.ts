import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, CancelledError } from 'weft';
import {
  TcpListener,
  TcpStream,
  IoError,
  SocketClosedError,
  UnexpectedEofError,
  WriteAfterShutdownError,
} from 'weft/net';
import { tcpPair, stateOf, text, str } from './helpers.js';

test('bytes written by one side are read by the other, and read() returns 0 at end of stream', async () => {
  await using p = await tcpPair();
  await p.client.writeAll(text('hello world'));
  await p.client.shutdown();
  const buf = new Uint8Array(64);
  let n = 0;
  for (let k; (k = await p.server.read(buf.subarray(n))) > 0;) n += k;
  assert.equal(str(buf.subarray(0, n)), 'hello world');
  assert.equal(await p.server.read(buf), 0, 'end of stream stays at 0');
});

test('read() into a small buffer leaves the rest for the next read', async () => {
  await using p = await tcpPair();
  await p.client.writeAll(text('abcdef'));
  const two = new Uint8Array(2);
  await p.server.readExact(two);
  assert.equal(str(two), 'ab');
  const rest = new Uint8Array(4);
  await p.server.readExact(rest);
  assert.equal(str(rest), 'cdef');
});

test('read() with an empty buffer resolves 0 at once', async () => {
  await using p = await tcpPair();
  assert.equal(await p.server.read(new Uint8Array(0)), 0);
});

test('readExact() rejects with UnexpectedEofError carrying bytesRead when the stream ends early', async () => {
  await using p = await tcpPair();
  await p.client.writeAll(text('abc'));
  await p.client.shutdown();
  const err = await p.server.readExact(new Uint8Array(10)).catch((e: unknown) => e);
  assert.ok(err instanceof UnexpectedEofError);
  assert.equal(err.code, 'ERR_UNEXPECTED_EOF');
  assert.equal(err.bytesRead, 3);
  assert.equal(err.expected, 10);
});

test('a read aborted by its signal consumes no bytes (cancel-safe)', async () => {
  await using p = await tcpPair();
  const ac = new AbortController();
  const buf = new Uint8Array(8);
  const pending = p.server.read(buf, { signal: ac.signal });
  assert.equal(await stateOf(pending), 'pending');
  ac.abort(new Error('stop'));
  await assert.rejects(pending, /stop/);
  await p.client.writeAll(text('xyz'));
  const n = await p.server.read(buf);
  assert.equal(str(buf.subarray(0, n)), 'xyz');
});

test('a read in an aborted task rejects with CancelledError and the bytes go to the next reader', async () => {
  await using p = await tcpPair();
  const reader = spawn(async () => p.server.read(new Uint8Array(8)));
  await new Promise((r) => setImmediate(r));
  reader.abort();
  const err = await Promise.resolve(reader).catch((e: unknown) => e);
  assert.ok((err as { isCancelled(): boolean }).isCancelled());
  await p.client.writeAll(text('ok'));
  const buf = new Uint8Array(8);
  assert.equal(str(buf.subarray(0, await p.server.read(buf))), 'ok');
});

test('a read with an already aborted signal rejects with its reason even when bytes are buffered', async () => {
  await using p = await tcpPair();
  await p.client.writeAll(text('abc'));
  await new Promise((r) => setTimeout(r, 10));
  const reason = new Error('already');
  await assert.rejects(p.server.read(new Uint8Array(4), { signal: AbortSignal.abort(reason) }), (e) => e === reason);
  const buf = new Uint8Array(4);
  assert.equal(await p.server.read(buf), 3);
});

test('write() after shutdown() rejects with WriteAfterShutdownError', async () => {
  await using p = await tcpPair();
  await p.client.shutdown();
  await p.client.shutdown(); // idempotent
  const err = await p.client.write(text('x')).catch((e: unknown) => e);
  assert.ok(err instanceof WriteAfterShutdownError);
  assert.equal(err.code, 'ERR_WRITE_AFTER_SHUTDOWN');
});

test('the peer can still write after this side shut down (half-close)', async () => {
  await using p = await tcpPair();
  await p.client.shutdown();
  assert.equal(await p.server.read(new Uint8Array(4)), 0);
  await p.server.writeAll(text('late reply'));
  const buf = new Uint8Array(10);
  await p.client.readExact(buf);
  assert.equal(str(buf), 'late reply');
});

test('close() rejects pending and later operations with SocketClosedError', async () => {
  await using p = await tcpPair();
  const pending = p.server.read(new Uint8Array(4));
  p.server.close();
  p.server.close(); // idempotent
  await assert.rejects(pending, SocketClosedError);
  await assert.rejects(p.server.read(new Uint8Array(4)), SocketClosedError);
  await assert.rejects(p.server.write(text('x')), SocketClosedError);
  await assert.rejects(p.server.shutdown(), SocketClosedError);
});

test('bytes accepted by writeAll() before close() still reach the peer', async () => {
  await using p = await tcpPair();
  const payload = new Uint8Array(256 * 1024).fill(9);
  const writing = p.client.writeAll(payload);
  // Let part of it be accepted, then read everything on the other side while closing.
  const received: number[] = [];
  const reading = (async () => {
    const buf = new Uint8Array(65536);
    let total = 0;
    for (let n; (n = await p.server.read(buf)) > 0;) total += n;
    received.push(total);
  })();
  await writing;
  p.client.close();
  await reading;
  assert.equal(received[0], payload.length);
});

test('a peer that resets the connection makes the blocked writer reject with IoError', async () => {
  await using p = await tcpPair();
  // The server never reads: the client's writeAll fills every buffer and waits.
  const writing = p.client.writeAll(new Uint8Array(16 * 1024 * 1024));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await stateOf(writing), 'pending');
  // Closing with unread bytes in the kernel makes it send RST instead of FIN.
  p.server.close();
  const err = await writing.catch((e: unknown) => e);
  assert.ok(err instanceof IoError, String(err));
  assert.equal(err.code, 'ERR_IO');
  assert.ok(['ECONNRESET', 'EPIPE'].includes(err.kind), err.kind);
  // Later operations report the same error.
  await assert.rejects(p.client.write(text('x')), IoError);
});

test('connect() to a closed port rejects with IoError ECONNREFUSED', async () => {
  const listener = await TcpListener.bind('127.0.0.1:0');
  const { port } = listener.localAddr();
  await listener.close();
  const err = await TcpStream.connect({ host: '127.0.0.1', port }).catch((e: unknown) => e);
  assert.ok(err instanceof IoError);
  assert.equal(err.kind, 'ECONNREFUSED');
});

test('connect() aborted by its signal rejects with the reason and leaves no socket', async () => {
  await using listener = await TcpListener.bind('127.0.0.1:0');
  const ac = new AbortController();
  const connecting = TcpStream.connect(listener.localAddr(), { signal: ac.signal });
  ac.abort(new Error('nope'));
  await assert.rejects(connecting, /nope/);
});

test('connect() in an aborted task rejects with CancelledError', async () => {
  await using listener = await TcpListener.bind('127.0.0.1:0');
  const task = spawn(async () => {
    const s = await TcpStream.connect(listener.localAddr());
    s.close();
  });
  task.abort();
  const err = await Promise.resolve(task).catch((e: unknown) => e);
  assert.ok((err as { isCancelled(): boolean }).isCancelled());
  void CancelledError;
});

test('localAddr() and peerAddr() mirror each other', async () => {
  await using p = await tcpPair();
  assert.deepEqual(p.client.peerAddr(), p.server.localAddr());
  assert.deepEqual(p.server.peerAddr(), p.client.localAddr());
  assert.equal(p.client.peerAddr().family, 'IPv4');
  p.client.setNoDelay(false);
  p.client.setNoDelay(true);
  assert.throws(() => p.client.setNoDelay('yes' as unknown as boolean), TypeError);
});

test('split() halves work from different tasks, and the stream closes once both halves close', async () => {
  await using p = await tcpPair();
  const [reader, writer] = p.server.split();
  const echo = spawn(async () => {
    const buf = new Uint8Array(1024);
    for (let n; (n = await reader.read(buf)) > 0;) await writer.writeAll(buf.subarray(0, n));
    writer.close(); // FIN back
    reader.close();
  });
  await p.client.writeAll(text('round trip'));
  const buf = new Uint8Array(10);
  await p.client.readExact(buf);
  assert.equal(str(buf), 'round trip');
  await p.client.shutdown();
  assert.equal(await p.client.read(buf), 0);
  await echo;
  await assert.rejects(reader.read(buf), SocketClosedError);
  await assert.rejects(writer.write(buf), SocketClosedError);
});

test('bad arguments throw synchronously', async () => {
  await using p = await tcpPair();
  assert.throws(() => p.client.read('x' as unknown as Uint8Array), TypeError);
  assert.throws(() => p.client.write(null as unknown as Uint8Array), TypeError);
  assert.throws(() => p.client.read(new Uint8Array(1), { signal: 1 as unknown as AbortSignal }), TypeError);
  assert.throws(() => TcpStream.connect(70000), RangeError);
  assert.throws(() => TcpStream.connect(1, { readTimeout: -1 }), RangeError);
  assert.throws(() => TcpStream.connect(1, { readHighWaterMark: 0 }), RangeError);
});
