import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BufReader, type AsyncRead } from 'weft/net';
import { FrameTooLargeError } from 'weft/codec';
import { tcpPair, stateOf, text } from './helpers.js';

/** An in-memory reader that returns the given chunks one read at a time, then end of stream. */
function chunks(...parts: (string | Uint8Array)[]): AsyncRead & { reads: number } {
  const queue = parts.map((p) => (typeof p === 'string' ? text(p) : p));
  return {
    reads: 0,
    read(buf: Uint8Array): Promise<number> {
      this.reads++;
      const next = queue[0];
      if (next === undefined) return Promise.resolve(0);
      const n = Math.min(buf.length, next.length);
      buf.set(next.subarray(0, n));
      if (n === next.length) queue.shift();
      else queue[0] = next.subarray(n);
      return Promise.resolve(n);
    },
  };
}

test('readLine() splits on \\n and \\r\\n, returns a last unterminated line, then undefined', async () => {
  const r = new BufReader(chunks('a\r\nbb\n', '\n', 'cc', 'c'));
  const lines: (string | undefined)[] = [];
  for (let i = 0; i < 5; i++) lines.push(await r.readLine());
  assert.deepEqual(lines, ['a', 'bb', '', 'ccc', undefined]);
});

test('lines() yields every line, including multi-byte UTF-8 split across reads', async () => {
  const bytes = text('héllo wörld\n✓\n');
  const parts = Array.from(bytes, (b) => new Uint8Array([b])); // one byte per read
  const got: string[] = [];
  for await (const line of new BufReader(chunks(...parts), 4).lines()) got.push(line);
  assert.deepEqual(got, ['héllo wörld', '✓']);
});

test('a line over maxLineLength rejects with FrameTooLargeError and reading resumes after it', async () => {
  const r = new BufReader(chunks('short\n', 'x'.repeat(40), 'x'.repeat(40), 'yy\nnext\n'), 16, { maxLineLength: 50 });
  assert.equal(await r.readLine(), 'short');
  await assert.rejects(r.readLine(), (e) => e instanceof FrameTooLargeError && e.maxLength === 50);
  assert.equal(await r.readLine(), 'next');
  assert.equal(await r.readLine(), undefined);
  assert.ok(r.buffered <= 50 + 16);
});

test('read() serves buffered bytes first and reads large buffers directly', async () => {
  const src = chunks('line\nrest', 'x'.repeat(100));
  const r = new BufReader(src, 16);
  assert.equal(await r.readLine(), 'line');
  const small = new Uint8Array(2);
  assert.equal(await r.read(small), 2);
  assert.equal(new TextDecoder().decode(small), 're');
  assert.equal(await r.read(new Uint8Array(10)), 2); // 'st' from the buffer
  const reads = src.reads;
  assert.equal(await r.read(new Uint8Array(64)), 64); // bypasses the 16-byte buffer
  assert.equal(src.reads, reads + 1);
});

test('readLine() aborted mid-line keeps the partial line for the next call (cancel-safe)', async () => {
  await using p = await tcpPair();
  const r = new BufReader(p.server);
  await p.client.writeAll(text('hel'));
  const ac = new AbortController();
  const first = r.readLine({ signal: ac.signal });
  assert.equal(await stateOf(first), 'pending');
  ac.abort(new Error('stop'));
  await assert.rejects(first, /stop/);
  await p.client.writeAll(text('lo\n'));
  assert.equal(await r.readLine(), 'hello');
});

test('a second operation while one is pending rejects with TypeError', async () => {
  await using p = await tcpPair();
  const r = new BufReader(p.server);
  const first = r.readLine();
  await assert.rejects(r.readLine(), TypeError);
  await assert.rejects(r.read(new Uint8Array(1)), TypeError);
  await p.client.writeAll(text('x\n'));
  assert.equal(await first, 'x');
});

test('bad constructor arguments throw', () => {
  assert.throws(() => new BufReader({} as AsyncRead), TypeError);
  assert.throws(() => new BufReader(chunks(), 0), RangeError);
  assert.throws(() => new BufReader(chunks(), 8, { maxLineLength: -1 }), RangeError);
});
