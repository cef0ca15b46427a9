import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UdpSocket, SocketClosedError, AddrParseError, IoError } from 'weft/net';
import { stateOf, until, text, str } from './helpers.js';

test('send() and recv() carry a datagram with the sender address', async () => {
  await using a = await UdpSocket.bind('127.0.0.1:0');
  await using b = await UdpSocket.bind({ host: '127.0.0.1', port: 0 });
  assert.equal(await a.send(text('ping'), b.localAddr()), 4);
  const buf = new Uint8Array(100);
  const { bytes, addr } = await b.recv(buf);
  assert.equal(str(buf.subarray(0, bytes)), 'ping');
  assert.deepEqual(addr, a.localAddr());
});

test('a datagram longer than the buffer is truncated to it', async () => {
  await using a = await UdpSocket.bind('127.0.0.1:0');
  await using b = await UdpSocket.bind('127.0.0.1:0');
  await a.send(text('0123456789'), b.localAddr());
  const buf = new Uint8Array(4);
  assert.equal((await b.recv(buf)).bytes, 4);
  assert.equal(str(buf), '0123');
});

test('an aborted recv() takes no datagram (cancel-safe)', async () => {
  await using a = await UdpSocket.bind('127.0.0.1:0');
  await using b = await UdpSocket.bind('127.0.0.1:0');
  const ac = new AbortController();
  const first = b.recv(new Uint8Array(10), { signal: ac.signal });
  assert.equal(await stateOf(first), 'pending');
  ac.abort(new Error('later'));
  await assert.rejects(first, /later/);
  await a.send(text('kept'), b.localAddr());
  const buf = new Uint8Array(10);
  assert.equal(str(buf.subarray(0, (await b.recv(buf)).bytes)), 'kept');
});

test('datagrams beyond recvQueue are dropped and counted while nobody receives', async () => {
  await using a = await UdpSocket.bind('127.0.0.1:0');
  await using b = await UdpSocket.bind('127.0.0.1:0', { recvQueue: 2 });
  for (let i = 0; i < 5; i++) await a.send(new Uint8Array([i]), b.localAddr());
  assert.ok(await until(() => b.dropped === 3), `dropped ${b.dropped}`);
  const buf = new Uint8Array(1);
  await b.recv(buf);
  assert.equal(buf[0], 0, 'the oldest datagrams were kept');
});

test('close() rejects waiting and later calls with SocketClosedError', async () => {
  const a = await UdpSocket.bind('127.0.0.1:0');
  const waiting = a.recv(new Uint8Array(1));
  a.close();
  await assert.rejects(waiting, SocketClosedError);
  await assert.rejects(a.recv(new Uint8Array(1)), SocketClosedError);
  await assert.rejects(a.send(text('x'), 9), SocketClosedError);
  await a[Symbol.asyncDispose]();
});

test('bind() to a taken port rejects with IoError; bad arguments throw synchronously', async () => {
  await using a = await UdpSocket.bind('127.0.0.1:0');
  const err = await UdpSocket.bind(a.localAddr()).catch((e: unknown) => e);
  assert.ok(err instanceof IoError);
  assert.equal(err.kind, 'EADDRINUSE');
  assert.throws(() => UdpSocket.bind('nope'), AddrParseError);
  assert.throws(() => a.send(text('x'), 0), RangeError);
  assert.throws(() => a.send('x' as unknown as Uint8Array, 9), TypeError);
  assert.throws(() => a.recv(new Uint8Array(1), { signal: {} as AbortSignal }), TypeError);
});
