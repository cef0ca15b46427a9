import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnixListener, UnixStream, IoError, AddrParseError, SocketClosedError } from 'weft/net';
import { text, str } from './helpers.js';

let n = 0;
const sockPath = (): string => join(tmpdir(), `weft-test-${process.pid}-${n++}.sock`);

test('a Unix stream carries bytes both ways and reports end of stream', async () => {
  const path = sockPath();
  await using listener = await UnixListener.bind(path);
  await using client = await UnixStream.connect(path);
  await using server = await listener.accept();
  assert.equal(client.path, path);
  await client.writeAll(text('over a unix socket'));
  await client.shutdown();
  const buf = new Uint8Array(64);
  let got = 0;
  for (let k; (k = await server.read(buf.subarray(got))) > 0;) got += k;
  assert.equal(str(buf.subarray(0, got)), 'over a unix socket');
  await server.writeAll(text('ok'));
  const two = new Uint8Array(2);
  await client.readExact(two);
  assert.equal(str(two), 'ok');
});

test('closing the listener removes the socket file and rejects a waiting accept()', async () => {
  const path = sockPath();
  const listener = await UnixListener.bind(path);
  assert.ok(existsSync(path));
  const waiting = assert.rejects(listener.accept(), SocketClosedError);
  await listener.close();
  await waiting;
  assert.equal(existsSync(path), false);
});

test('bind() over an existing file rejects with EADDRINUSE; connect() to nothing rejects with IoError', async () => {
  const path = sockPath();
  writeFileSync(path, '');
  try {
    const err = await UnixListener.bind(path).catch((e: unknown) => e);
    assert.ok(err instanceof IoError);
    assert.equal(err.kind, 'EADDRINUSE');
  } finally {
    rmSync(path, { force: true });
  }
  const err = await UnixStream.connect(sockPath()).catch((e: unknown) => e);
  assert.ok(err instanceof IoError);
  assert.ok(['ENOENT', 'ECONNREFUSED'].includes(err.kind), err.kind);
});

test('bad paths throw synchronously', () => {
  assert.throws(() => UnixListener.bind(''), AddrParseError);
  assert.throws(() => UnixStream.connect('a\0b'), AddrParseError);
  assert.throws(() => UnixStream.connect(42 as unknown as string), TypeError);
  assert.throws(() => UnixListener.bind('/tmp/' + 'x'.repeat(200)), RangeError);
});
