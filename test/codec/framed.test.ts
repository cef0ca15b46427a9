import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpListener, TcpStream, type AsyncRead, type AsyncWrite } from 'weft/net';
import {
  Framed,
  LinesCodec,
  LengthDelimitedCodec,
  BytesCodec,
  FrameTooLargeError,
  UnexpectedEofError,
} from 'weft/codec';
import { tcpPair, stateOf, text } from '../net/helpers.js';

test('lines go both ways and iteration ends at end of stream', async () => {
  await using p = await tcpPair();
  const client = new Framed(p.client, new LinesCodec());
  const server = new Framed(p.server, new LinesCodec());
  for (const line of ['one', 'two', 'three']) await client.send(line);
  await p.client.shutdown();
  const got: string[] = [];
  for await (const line of server) got.push(line);
  assert.deepEqual(got, ['one', 'two', 'three']);
  assert.equal(await server.next(), undefined, 'stays at end of stream');
  await server.send('bye');
  assert.equal(await client.next(), 'bye');
});

test('an oversize length header fails next() after only the header arrived, with bounded memory', async () => {
  await using p = await tcpPair();
  const server = new Framed(p.server, new LengthDelimitedCodec({ maxFrameLength: 1024 }));
  await p.client.writeAll(Uint8Array.of(0x7f, 0xff, 0xff, 0xff)); // declares 2 GiB and sends nothing more
  await assert.rejects(server.next(), (e) => e instanceof FrameTooLargeError && e.maxLength === 1024);
  assert.ok(server.readBuffered <= 4);
});

test('next() aborted in the middle of a frame loses nothing (cancel-safe)', async () => {
  await using p = await tcpPair();
  const server = new Framed(p.server, new LengthDelimitedCodec());
  const client = new Framed(p.client, new LengthDelimitedCodec());
  await p.client.writeAll(Uint8Array.of(0, 0, 0, 5, 1, 2)); // header + 2 of 5 bytes
  const ac = new AbortController();
  const first = server.next({ signal: ac.signal });
  assert.equal(await stateOf(first), 'pending');
  ac.abort(new Error('not yet'));
  await assert.rejects(first, /not yet/);
  await p.client.writeAll(Uint8Array.of(3, 4, 5));
  assert.deepEqual(await server.next(), Uint8Array.of(1, 2, 3, 4, 5));
  await client.send(Uint8Array.of(6));
  assert.deepEqual(await server.next(), Uint8Array.of(6));
});

test('concurrent send() calls are written whole and in call order', async () => {
  await using p = await tcpPair();
  const client = new Framed(p.client, new LengthDelimitedCodec());
  const server = new Framed(p.server, new LengthDelimitedCodec());
  const frames = Array.from({ length: 40 }, (_, i) => new Uint8Array(30_000 + i).fill(i));
  const sending = Promise.all(frames.map((f) => client.send(f)));
  for (let i = 0; i < frames.length; i++) {
    const got = await server.next();
    assert.equal(got?.length, 30_000 + i);
    assert.ok(got!.every((b) => b === i));
  }
  await sending;
});

test('a stream that ends inside a frame rejects with UnexpectedEofError, then reports end of stream', async () => {
  await using p = await tcpPair();
  const server = new Framed(p.server, new LengthDelimitedCodec({ lengthFieldLength: 2 }));
  await p.client.writeAll(Uint8Array.of(0, 9, 1));
  await p.client.shutdown();
  await assert.rejects(server.next(), UnexpectedEofError);
  assert.equal(await server.next(), undefined);
});

test('a codec without decodeEof gets UnexpectedEofError for leftover bytes', async () => {
  const chunks = [Uint8Array.of(1, 2)];
  const io: AsyncRead = {
    read: (buf) => {
      const c = chunks.shift();
      if (c === undefined) return Promise.resolve(0);
      buf.set(c);
      return Promise.resolve(c.length);
    },
  };
  // Needs 3 bytes per frame; the stream ends after 2.
  const framed = new Framed(io, {
    decode: (b) => (b.length >= 3 ? b.take(3) : undefined),
    encode: () => {},
  });
  await assert.rejects(framed.next(), UnexpectedEofError);
});

test('a fast sender cannot make Framed buffer more than one frame plus one read', async () => {
  await using p = await tcpPair();
  const server = new Framed(p.server, new LinesCodec({ maxLength: 1024 }), { readSize: 4096 });
  const line = text('x'.repeat(100) + '\n');
  const sending = (async () => {
    for (let i = 0; i < 2000; i++) await p.client.writeAll(line);
  })();
  let max = 0;
  for (let i = 0; i < 2000; i++) {
    assert.equal((await server.next())?.length, 100);
    max = Math.max(max, server.readBuffered);
  }
  await sending;
  assert.ok(max <= 1024 + 4096, `buffered up to ${max}`);
});

test('Framed works over any AsyncRead/AsyncWrite, and refuses what io cannot do', async () => {
  const written: number[] = [];
  const sink: AsyncWrite = {
    writeAll: (buf) => {
      written.push(...buf);
      return Promise.resolve();
    },
  };
  const out = new Framed(sink, new BytesCodec());
  await out.send(Uint8Array.of(1, 2));
  assert.deepEqual(written, [1, 2]);
  assert.throws(() => out.next(), TypeError);
  await using p = await tcpPair();
  const [reader, writer] = p.server.split();
  assert.throws(() => new Framed(reader, new LinesCodec()).send('x'), TypeError);
  reader.close();
  writer.close();
  assert.throws(() => new Framed({} as AsyncRead, new LinesCodec()), TypeError);
  assert.throws(() => new Framed(sink, {} as LinesCodec), TypeError);
  assert.throws(() => new Framed(sink, new LinesCodec(), { readSize: 0 }), RangeError);
});

test('close() closes the underlying stream', async () => {
  const listener = await TcpListener.bind('127.0.0.1:0');
  const client = await TcpStream.connect(listener.localAddr());
  const server = await listener.accept();
  await listener.close();
  const framed = new Framed(server, new LinesCodec());
  await framed.close();
  await framed.close();
  assert.equal(await client.read(new Uint8Array(1)), 0, 'the peer sees end of stream');
  await client[Symbol.asyncDispose]();
});

test('a next() loop over a reader that is always ready still lets macrotasks run (every read spends budget)', async () => {
  const line = new TextEncoder().encode('x\n');
  const reader: AsyncRead = {
    read(buf: Uint8Array): Promise<number> {
      buf.set(line.subarray(0, Math.min(buf.length, line.length)));
      return Promise.resolve(Math.min(buf.length, line.length));
    },
  };
  const framed = new Framed(reader, new LinesCodec(), { readSize: 2 });
  let immediates = 0;
  const tick = (): void => {
    immediates++;
    if (immediates < 1_000) timer = setImmediate(tick);
  };
  let timer = setImmediate(tick);
  for (let i = 0; i < 2_000; i++) assert.equal(await framed.next(), 'x');
  clearImmediate(timer);
  assert.ok(immediates > 0, 'the event loop had turns during the loop');
});
