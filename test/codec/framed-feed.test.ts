import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AsyncWrite } from 'weft/net';
import { Framed, LinesCodec, LengthDelimitedCodec, FrameTooLargeError, type BytesBuffer, type Codec } from 'weft/codec';
import { tcpPair, stateOf } from '../net/helpers.js';

/** A writer that records each writeAll and completes it only when told to. */
class GatedWriter implements AsyncWrite {
  readonly writes: string[] = [];
  #open: (() => void)[] = [];
  gated = false;
  writeAll(buf: Uint8Array): Promise<void> {
    this.writes.push(Buffer.from(buf).toString());
    if (!this.gated) return Promise.resolve();
    return new Promise((resolve) => this.#open.push(resolve));
  }
  release(): void {
    for (const r of this.#open.splice(0)) r();
  }
}

test('feed() only buffers; flush() writes every fed frame in one write, in order', async () => {
  const w = new GatedWriter();
  const framed = new Framed(w, new LinesCodec());
  await framed.feed('one');
  await framed.feed('two');
  assert.deepEqual(w.writes, []);
  assert.equal(framed.writeBuffered, 8);
  await framed.flush();
  assert.deepEqual(w.writes, ['one\ntwo\n']);
  assert.equal(framed.writeBuffered, 0);
  await framed.flush(); // nothing buffered: resolves without writing
  assert.deepEqual(w.writes, ['one\ntwo\n']);
});

test('feed() over writeHighWaterMark flushes and waits for that flush', async () => {
  const w = new GatedWriter();
  w.gated = true;
  const framed = new Framed(w, new LinesCodec(), { writeHighWaterMark: 10 });
  await framed.feed('abcd'); // 5 bytes: under the mark
  const over = framed.feed('efgh'); // 10 bytes: at the mark, flushes
  assert.equal(await stateOf(over), 'pending');
  assert.deepEqual(w.writes, ['abcd\nefgh\n']);
  await framed.feed('ij'); // fed while the flush waits: buffered, not blocked
  assert.equal(framed.writeBuffered, 13);
  w.release();
  await over;
  const last = framed.flush();
  assert.equal(await stateOf(last), 'pending');
  w.release();
  await last;
  assert.deepEqual(w.writes, ['abcd\nefgh\n', 'ij\n']);
});

test('send() is feed() + flush(): concurrent sends and feeds go out whole, in call order', async () => {
  const w = new GatedWriter();
  w.gated = true;
  const framed = new Framed(w, new LinesCodec());
  const a = framed.send('a');
  await framed.feed('b');
  const c = framed.send('c');
  w.release();
  await a;
  await new Promise((r) => setImmediate(r));
  w.release();
  await c;
  assert.equal(w.writes.join(''), 'a\nb\nc\n');
});

test('a frame the codec rejects leaves nothing of itself in the write buffer', async () => {
  const w = new GatedWriter();
  /** Writes half a frame, then throws. */
  class HalfThenThrow implements Codec<string, string> {
    decode(): string | undefined {
      return undefined;
    }
    encode(frame: string, dst: BytesBuffer): void {
      dst.writeString(frame.slice(0, 2));
      if (frame === 'bad') throw new RangeError('bad frame');
      dst.writeString(frame.slice(2) + '\n');
    }
  }
  const framed = new Framed(w, new HalfThenThrow());
  await framed.feed('ok');
  await assert.rejects(framed.feed('bad'), RangeError);
  await assert.rejects(framed.send('bad'), RangeError);
  await framed.flush();
  assert.deepEqual(w.writes, ['ok\n']);
  await assert.rejects(new Framed(w, new LinesCodec({ maxLength: 2 })).feed('long'), FrameTooLargeError);
});

test('a flush aborted while it waits for an earlier flush wrote nothing and keeps its frames', async () => {
  const w = new GatedWriter();
  w.gated = true;
  const framed = new Framed(w, new LinesCodec());
  const first = framed.send('1');
  await framed.feed('2');
  const ac = new AbortController();
  const second = framed.flush({ signal: ac.signal });
  ac.abort(new Error('gave up'));
  await assert.rejects(second, /gave up/);
  w.release();
  await first;
  assert.equal(framed.writeBuffered, 2);
  w.gated = false;
  await framed.flush();
  assert.deepEqual(w.writes, ['1\n', '2\n']);
});

test('feed()/flush() need a writable io; bad options throw', () => {
  const reader = { read: () => Promise.resolve(0) };
  const framed = new Framed(reader, new LinesCodec());
  assert.throws(() => framed.feed('x'), TypeError);
  assert.throws(() => framed.flush(), TypeError);
  assert.throws(() => new Framed(reader, new LinesCodec(), { writeHighWaterMark: -1 }), RangeError);
});

test('pipelined requests answered with feed() and one flush() arrive in order over TCP, with backpressure', async () => {
  await using p = await tcpPair();
  const client = new Framed(p.client, new LengthDelimitedCodec());
  const server = new Framed(p.server, new LengthDelimitedCodec());
  const N = 2000;
  const sending = (async () => {
    for (let i = 0; i < N; i++) await client.feed(Uint8Array.of(i & 255, i >> 8));
    await client.flush();
  })();
  let answered = 0;
  const serving = (async () => {
    for (let f = await server.next(); f !== undefined; f = await server.next()) {
      await server.feed(new Uint8Array(1000).fill(f[0]!)); // replies bigger than requests: the mark is crossed
      if (server.readBuffered === 0) await server.flush();
      if (++answered === N) break;
    }
    await server.flush();
  })();
  for (let i = 0; i < N; i++) {
    const reply = await client.next();
    assert.equal(reply?.length, 1000);
    assert.equal(reply[0], i & 255);
  }
  await Promise.all([sending, serving]);
});
