import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpStream, AddrParseError } from 'weft/net';

// connect() validates its address synchronously; these never open a socket.
const check = (addr: unknown): unknown => {
  try {
    void TcpStream.connect(addr as never, { signal: AbortSignal.abort() }).catch(() => {});
    return 'ok';
  } catch (e) {
    return e;
  }
};

test('accepted address forms: port, host:port, [v6]:port, {host, port}, a SocketAddr', () => {
  for (const addr of [
    8080,
    '8080',
    '127.0.0.1:80',
    'localhost:1',
    'example.com:443',
    '[::1]:80',
    { port: 1 },
    { host: '::1', port: 1 },
    { host: '[::1]', port: 1 },
    { address: '127.0.0.1', port: 1, family: 'IPv4' },
  ]) {
    assert.equal(check(addr), 'ok', JSON.stringify(addr));
  }
});

test('malformed addresses throw AddrParseError (a TypeError with code ERR_INVALID_ADDRESS)', () => {
  for (const addr of [
    '',
    'host',
    'host:',
    ':80',
    'a b:80',
    '::1:80',
    '[::1]',
    '[zz]:80',
    '[::1]80',
    'h:8x',
    { host: 3, port: 1 },
    { port: '80' },
  ]) {
    const e = check(addr);
    assert.ok(e instanceof AddrParseError, `${JSON.stringify(addr)} -> ${String(e)}`);
    assert.ok(e instanceof TypeError);
    assert.equal(e.code, 'ERR_INVALID_ADDRESS');
  }
});

test('ports outside 0..65535 throw RangeError', () => {
  for (const addr of [-1, 65536, 1.5, NaN, 'h:65536', 'h:999999', { port: 70000 }]) {
    assert.ok(check(addr) instanceof RangeError, JSON.stringify(addr));
  }
});

test('an address that is not a number, string or object throws TypeError', () => {
  for (const addr of [null, undefined, true]) assert.ok(check(addr) instanceof TypeError);
});
