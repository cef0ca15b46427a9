import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'weft';
import { TcpListener, TcpStream } from 'weft/net';
import { BytesBuffer } from 'weft/codec';
import { RespCodec, runMiniRedis, type Frame } from '../../examples/mini-redis.js';

const resp = (...args: string[]): string =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

async function withServer(fn: (client: TcpStream) => Promise<void>): Promise<void> {
  const listener = await TcpListener.bind('127.0.0.1:0');
  const server = spawn(() => runMiniRedis(listener));
  const client = await TcpStream.connect(listener.localAddr());
  try {
    await fn(client);
  } finally {
    client.close();
    await listener.close();
    await server.catch(() => {});
  }
}

/** Reads until `expected.length` bytes arrived and returns them as text. */
async function readText(client: TcpStream, length: number): Promise<string> {
  const buf = new Uint8Array(length);
  await client.readExact(buf);
  return Buffer.from(buf).toString('latin1');
}

test('mini-redis answers PING, ECHO, SET, GET, DEL and INCR in real RESP', async () => {
  await withServer(async (client) => {
    const steps: [string[], string][] = [
      [['PING'], '+PONG\r\n'],
      [['ECHO', 'hi there'], '$8\r\nhi there\r\n'],
      [['SET', 'k', 'v1'], '+OK\r\n'],
      [['GET', 'k'], '$2\r\nv1\r\n'],
      [['GET', 'missing'], '$-1\r\n'],
      [['INCR', 'n'], ':1\r\n'],
      [['INCR', 'n'], ':2\r\n'],
      [['INCR', 'k'], '-ERR value is not an integer or out of range\r\n'],
      [['DEL', 'k', 'n', 'nope'], ':2\r\n'],
      [['GET', 'k'], '$-1\r\n'],
      [['FLY'], "-ERR unknown command 'fly'\r\n"],
      [['GET'], "-ERR wrong number of arguments for 'get' command\r\n"],
    ];
    for (const [args, reply] of steps) {
      await client.writeAll(Buffer.from(resp(...args)));
      assert.equal(await readText(client, reply.length), reply, args.join(' '));
    }
  });
});

test('mini-redis answers 1,000 pipelined requests in order, written in uneven pieces that split requests across reads', async () => {
  await withServer(async (client) => {
    const N = 1000;
    let batch = '';
    let expected = '';
    for (let i = 0; i < N; i++) {
      batch += resp('SET', `key:${i}`, `value-${i}`) + resp('GET', `key:${i}`);
      expected += `+OK\r\n$${`value-${i}`.length}\r\nvalue-${i}\r\n`;
    }
    const bytes = Buffer.from(batch);
    // Written in uneven pieces, so requests are split across reads.
    for (let off = 0; off < bytes.length; off += 997) await client.writeAll(bytes.subarray(off, off + 997));
    assert.equal(await readText(client, Buffer.byteLength(expected)), expected);
  });
});

test('values are binary-safe: every byte value survives SET and GET', async () => {
  await withServer(async (client) => {
    const value = Buffer.from(Uint8Array.from({ length: 256 }, (_, i) => i));
    const key = Buffer.from([0xff, 0x00, 0x80]);
    const req = Buffer.concat([
      Buffer.from(`*3\r\n$3\r\nSET\r\n$3\r\n`),
      key,
      Buffer.from(`\r\n$256\r\n`),
      value,
      Buffer.from('\r\n'),
      Buffer.from(`*2\r\n$3\r\nGET\r\n$3\r\n`),
      key,
      Buffer.from('\r\n'),
    ]);
    await client.writeAll(req);
    const reply = new Uint8Array(5 + 6 + 256 + 2);
    await client.readExact(reply);
    assert.equal(Buffer.from(reply.subarray(0, 11)).toString(), '+OK\r\n$256\r\n');
    assert.deepEqual(Buffer.from(reply.subarray(11, 267)), value);
  });
});

test('a malformed request gets "-ERR Protocol error" and the connection is closed', async () => {
  await withServer(async (client) => {
    await client.writeAll(Buffer.from('*1\r\n$x\r\n'));
    const buf = new Uint8Array(256);
    let n = 0;
    for (let k; (k = await client.read(buf.subarray(n))) > 0;) n += k;
    assert.match(Buffer.from(buf.subarray(0, n)).toString(), /^-ERR Protocol error: .*\r\n$/);
  });
});

test('RespCodec round-trips every frame type and waits for split frames', () => {
  const codec = new RespCodec();
  const frames: Frame[] = [
    { type: 'simple', value: 'OK' },
    { type: 'error', value: 'ERR no' },
    { type: 'integer', value: -42 },
    { type: 'bulk', value: Uint8Array.of(0, 13, 10, 255) },
    { type: 'null' },
    {
      type: 'array',
      value: [
        { type: 'integer', value: 1 },
        { type: 'array', value: [] },
      ],
    },
  ];
  const buf = new BytesBuffer();
  for (const f of frames) codec.encode(f, buf);
  const bytes = buf.toUint8Array();
  const input = new BytesBuffer();
  const out: Frame[] = [];
  for (const b of bytes) {
    input.writeUint8(b); // one byte at a time
    for (let f = codec.decode(input); f !== undefined; f = codec.decode(input)) out.push(f);
  }
  assert.deepEqual(out, frames);
  assert.equal(input.length, 0);
});
