import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BytesBuffer } from 'weft/codec';

test('writes append, take() copies out and consumes, advance() skips', () => {
  const b = new BytesBuffer(4);
  b.write(Uint8Array.of(1, 2, 3));
  b.writeUint8(4);
  b.writeString('hé');
  assert.equal(b.length, 7);
  const first = b.take(2);
  assert.deepEqual([...first], [1, 2]);
  b.advance(2);
  assert.equal(b.utf8(), 'hé');
  const view = b.view();
  const copy = b.toUint8Array();
  b.clear();
  assert.equal(b.length, 0);
  assert.equal(copy.length, 3);
  assert.equal(view.length, 3);
  first[0] = 99; // a taken copy does not alias the buffer
});

test('readUint/writeUint round-trip big-endian 1, 2, 4, 6 and 8 byte integers', () => {
  const b = new BytesBuffer(0);
  const values: [number, 1 | 2 | 4 | 6 | 8][] = [
    [0xab, 1],
    [0xabcd, 2],
    [0xdeadbeef, 4],
    [2 ** 48 - 1, 6],
    [2 ** 53 - 1, 8],
  ];
  for (const [v, size] of values) b.writeUint(v, size);
  let off = 0;
  for (const [v, size] of values) {
    assert.equal(b.readUint(off, size), v);
    off += size;
  }
  const big = new BytesBuffer();
  big.write(Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0));
  assert.equal(big.readUint(0, 8), Infinity, 'above 2^53 reads as Infinity');
});

test('indexOf() and at() only see readable bytes', () => {
  const b = new BytesBuffer(64);
  b.write(Uint8Array.of(10, 1, 10));
  b.advance(1);
  assert.equal(b.indexOf(10), 1);
  assert.equal(b.indexOf(10, 2), -1);
  assert.equal(b.indexOf(7), -1);
  assert.equal(b.at(0), 1);
  assert.equal(b.at(2), undefined);
  b.clear();
  assert.equal(b.indexOf(10), -1, 'stale bytes past the end are not found');
});

test('reserve() compacts consumed space before growing; spare()/commit() fill in place', () => {
  const b = new BytesBuffer(16);
  b.write(new Uint8Array(12));
  b.advance(10);
  b.reserve(10);
  assert.equal(b.capacity, 16, 'compacted instead of growing');
  assert.equal(b.length, 2);
  const spare = b.spare();
  spare.set([7, 8]);
  b.commit(2);
  assert.deepEqual([...b.view(2)], [7, 8]);
  b.reserve(100);
  assert.ok(b.capacity >= 104);
});

test('out-of-range arguments throw RangeError', () => {
  const b = new BytesBuffer();
  b.write(Uint8Array.of(1, 2));
  assert.throws(() => b.take(3), RangeError);
  assert.throws(() => b.advance(-1), RangeError);
  assert.throws(() => b.readUint(1, 2), RangeError);
  assert.throws(() => b.view(1, 3), RangeError);
  assert.throws(() => b.commit(b.capacity), RangeError);
  assert.throws(() => new BytesBuffer(-1), RangeError);
});

test('take() returns bytes that own their memory: 20,000 kept 3-byte frames hold only their bytes', () => {
  const buf = new BytesBuffer();
  const kept: Uint8Array[] = [];
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 20_000; i++) {
    buf.write(Uint8Array.of(i & 255, 1, 2, 9, 9, 9, 9, 9)); // a frame and bytes after it
    kept.push(buf.take(3));
    buf.clear();
  }
  let backing = 0;
  for (const f of kept) backing += f.buffer.byteLength;
  assert.equal(backing, 20_000 * 3, 'each frame is backed by exactly its own 3 bytes');
  assert.deepEqual(kept[300], Uint8Array.of(300 & 255, 1, 2));
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 4 * 1024 * 1024, `array buffer memory grew by ${grown} bytes`);
});

test('latin1() and writeLatin1() round-trip every byte value (binary-safe text)', () => {
  const buf = new BytesBuffer();
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  buf.write(all);
  const s = buf.latin1();
  assert.equal(s.length, 256);
  assert.equal(s.charCodeAt(0xff), 0xff);
  assert.equal(buf.utf8(0x80, 0x81), '\ufffd', 'the same byte is not valid UTF-8 alone');
  const out = new BytesBuffer();
  assert.equal(out.writeLatin1(s), 256);
  assert.deepEqual(Uint8Array.from(out.view()), all);
  assert.equal(buf.latin1(65, 68), 'ABC');
  assert.throws(() => buf.latin1(0, 257), RangeError);
  assert.throws(() => buf.latin1(5, 4), RangeError);
});

test('truncate() drops bytes from the write end and ignores a length past the end', () => {
  const buf = new BytesBuffer();
  buf.writeString('hello world');
  buf.advance(6);
  buf.truncate(3);
  assert.equal(buf.utf8(), 'wor');
  buf.truncate(10);
  assert.equal(buf.length, 3);
  buf.truncate(0);
  assert.equal(buf.length, 0);
  assert.throws(() => buf.truncate(-1), RangeError);
  assert.throws(() => buf.truncate(1.5), RangeError);
});
