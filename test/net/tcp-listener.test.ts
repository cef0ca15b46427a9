import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as rawConnect, type Socket } from 'node:net';
import { spawn, JoinSet } from 'weft';
import { TcpListener, TcpStream, IoError, SocketClosedError, AddrParseError } from 'weft/net';
import { stateOf, fdCount, until, text, str } from './helpers.js';

function raw(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = rawConnect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
}

test('accept() waits for a connection and returns a working stream', async () => {
  await using listener = await TcpListener.bind({ host: '127.0.0.1', port: 0 });
  const accepting = listener.accept();
  assert.equal(await stateOf(accepting), 'pending');
  await using client = await TcpStream.connect(listener.localAddr());
  await using server = await accepting;
  await client.writeAll(text('hi'));
  const buf = new Uint8Array(2);
  await server.readExact(buf);
  assert.equal(str(buf), 'hi');
});

test('an aborted accept() takes no connection: the next accept() gets it (cancel-safe)', async () => {
  await using listener = await TcpListener.bind('127.0.0.1:0');
  const ac = new AbortController();
  const first = listener.accept({ signal: ac.signal });
  ac.abort(new Error('not now'));
  await assert.rejects(first, /not now/);
  await using client = await TcpStream.connect(listener.localAddr());
  await using server = await listener.accept();
  assert.deepEqual(server.peerAddr(), client.localAddr());
});

test('the accept loop keeps serving after connections that fail', async () => {
  await using listener = await TcpListener.bind('127.0.0.1:0');
  const handlers = new JoinSet<string>();
  const loop = spawn(async () => {
    for await (const stream of listener) {
      handlers.spawn(async () => {
        await using s = stream;
        const buf = new Uint8Array(5);
        await s.readExact(buf); // a reset connection rejects here; only this handler fails
        await s.writeAll(buf);
        return 'served';
      });
    }
  });
  const port = listener.localAddr().port;
  // Connections that reset right away, before and after being accepted, and one that closes mid-message.
  for (let i = 0; i < 3; i++) (await raw(port)).resetAndDestroy();
  const half = await raw(port);
  half.end('he');
  // A well-behaved client is still served.
  await using client = await TcpStream.connect(listener.localAddr());
  await client.writeAll(text('hello'));
  const buf = new Uint8Array(5);
  await client.readExact(buf);
  assert.equal(str(buf), 'hello');
  half.destroy();
  await listener.close();
  await loop; // the loop ended normally when the listener closed
  const outcomes: string[] = [];
  for (;;) {
    try {
      const r = await handlers.joinNext();
      if (r === undefined) break;
      outcomes.push(r);
    } catch {
      outcomes.push('failed');
    }
  }
  assert.ok(outcomes.includes('served'));
  assert.ok(outcomes.includes('failed'), 'the half-sent message failed only its own handler');
});

test('close() stops accepting, rejects a waiting accept(), and leaves accepted streams open', async () => {
  const listener = await TcpListener.bind('127.0.0.1:0');
  await using client = await TcpStream.connect(listener.localAddr());
  await using server = await listener.accept();
  const waiting = assert.rejects(listener.accept(), SocketClosedError);
  await listener.close();
  await listener.close(); // idempotent
  await waiting;
  await assert.rejects(listener.accept(), SocketClosedError);
  await assert.rejects(
    TcpStream.connect(listener.localAddr()),
    (e) => e instanceof IoError && e.kind === 'ECONNREFUSED',
  );
  await client.writeAll(text('still open'));
  const buf = new Uint8Array(10);
  await server.readExact(buf);
  assert.equal(str(buf), 'still open');
});

test('connections beyond maxPending are closed on arrival, and counted', async () => {
  await using listener = await TcpListener.bind('127.0.0.1:0', { maxPending: 2 });
  const clients = await Promise.all(Array.from({ length: 5 }, () => TcpStream.connect(listener.localAddr())));
  assert.ok(await until(() => listener.dropped === 3), `dropped ${listener.dropped}`);
  const kept = [await listener.accept(), await listener.accept()];
  for (const s of kept) s.close();
  for (const c of clients) c.close();
});

test('file descriptors return to baseline after many connections open and close', async () => {
  const before = fdCount();
  {
    await using listener = await TcpListener.bind('127.0.0.1:0');
    const pairs = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const c = await TcpStream.connect(listener.localAddr());
        return [c, await listener.accept()] as const;
      }),
    );
    assert.ok(before < 0 || fdCount() >= before + 100);
    await Promise.all(pairs.flat().map((s) => s[Symbol.asyncDispose]()));
  }
  if (before >= 0) assert.ok(await until(() => fdCount() <= before), `fds ${fdCount()} vs ${before}`);
});

test('bind() rejects a taken port with IoError EADDRINUSE and bad addresses synchronously', async () => {
  await using listener = await TcpListener.bind('127.0.0.1:0');
  const err = await TcpListener.bind(listener.localAddr()).catch((e: unknown) => e);
  assert.ok(err instanceof IoError);
  assert.equal(err.kind, 'EADDRINUSE');
  assert.throws(() => TcpListener.bind('localhost'), AddrParseError);
  assert.throws(() => TcpListener.bind('::1:80'), AddrParseError);
  assert.throws(() => TcpListener.bind('bad host:80'), AddrParseError);
  assert.throws(() => TcpListener.bind(65536), RangeError);
  assert.throws(() => TcpListener.bind({ host: '127.0.0.1', port: -1 }), RangeError);
  assert.throws(() => TcpListener.bind('127.0.0.1:0', { backlog: 0 }), RangeError);
});

test('bind() with an already aborted signal rejects and leaves nothing listening', async () => {
  const reason = new Error('abort bind');
  await assert.rejects(TcpListener.bind('127.0.0.1:0', { signal: AbortSignal.abort(reason) }), (e) => e === reason);
});

test('an IPv6 loopback listener works when the host supports it', async (t) => {
  let listener: TcpListener;
  try {
    listener = await TcpListener.bind('[::1]:0');
  } catch (e) {
    t.skip(`no IPv6 loopback: ${String(e)}`);
    return;
  }
  await using l = listener;
  assert.equal(l.localAddr().family, 'IPv6');
  await using c = await TcpStream.connect(l.localAddr());
  await using s = await l.accept();
  assert.equal(s.peerAddr().address, '::1');
  assert.equal(c.peerAddr().port, l.localAddr().port);
});
