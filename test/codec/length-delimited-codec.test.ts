import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BytesBuffer, LengthDelimitedCodec, FrameTooLargeError, UnexpectedEofError } from 'weft/codec';

test('round-trips frames with 1, 2, 4 and 8 byte headers', () => {
  for (const lengthFieldLength of [1, 2, 4, 8] as const) {
    const codec = new LengthDelimitedCodec({ lengthFieldLength });
    const buf = new BytesBuffer(0);
    const frames = [new Uint8Array(0), Uint8Array.of(1), new Uint8Array(200).fill(5)];
    for (const f of frames) codec.encode(f, buf);
    assert.equal(buf.length, frames.length * lengthFieldLength + 201);
    for (const f of frames) assert.deepEqual(codec.decode(buf), f);
    assert.equal(codec.decode(buf), undefined);
  }
});

test('defaults: 4-byte header, 8 MiB limit; the limit never exceeds what the header can say', () => {
  const d = new LengthDelimitedCodec();
  assert.equal(d.lengthFieldLength, 4);
  assert.equal(d.maxFrameLength, 8 * 1024 * 1024);
  assert.equal(new LengthDelimitedCodec({ lengthFieldLength: 1 }).maxFrameLength, 255);
});

test('waits for a partial header and a partial body', () => {
  const codec = new LengthDelimitedCodec();
  const buf = new BytesBuffer();
  buf.write(Uint8Array.of(0, 0));
  assert.equal(codec.decode(buf), undefined);
  buf.write(Uint8Array.of(0, 3, 9, 9));
  assert.equal(codec.decode(buf), undefined);
  buf.write(Uint8Array.of(9));
  assert.deepEqual(codec.decode(buf), Uint8Array.of(9, 9, 9));
});

test('an oversize header throws FrameTooLargeError from the header alone, and every later call too', () => {
  const codec = new LengthDelimitedCodec(); // 8 MiB limit
  const buf = new BytesBuffer(16);
  buf.write(Uint8Array.of(0xff, 0xff, 0xff, 0xff)); // declares 4 GiB, no body
  assert.throws(
    () => codec.decode(buf),
    (e) => e instanceof FrameTooLargeError && e.length === 0xffffffff,
  );
  assert.equal(buf.capacity, 16, 'nothing was allocated for the body');
  buf.write(Uint8Array.of(0, 0, 0, 0));
  assert.throws(() => codec.decode(buf), FrameTooLargeError);
});

test('decodeEof() inside a frame throws UnexpectedEofError; at a frame boundary returns undefined', () => {
  const codec = new LengthDelimitedCodec({ lengthFieldLength: 2 });
  const buf = new BytesBuffer();
  buf.write(Uint8Array.of(0, 5, 1, 2));
  assert.throws(
    () => codec.decodeEof(buf),
    (e) => e instanceof UnexpectedEofError && e.bytesRead === 4 && e.expected === 7,
  );
  const ok = new BytesBuffer();
  assert.equal(codec.decodeEof(ok), undefined);
});

test('encode() rejects frames over the limit and non-bytes; bad options throw RangeError', () => {
  const codec = new LengthDelimitedCodec({ maxFrameLength: 3 });
  const dst = new BytesBuffer();
  assert.throws(() => codec.encode(new Uint8Array(4), dst), FrameTooLargeError);
  assert.equal(dst.length, 0, 'nothing written for a rejected frame');
  assert.throws(() => codec.encode('x' as unknown as Uint8Array, dst), TypeError);
  assert.throws(() => new LengthDelimitedCodec({ lengthFieldLength: 3 as 4 }), RangeError);
  assert.throws(() => new LengthDelimitedCodec({ maxFrameLength: -1 }), RangeError);
  assert.throws(() => new LengthDelimitedCodec({ maxFrameLength: 1.5 }), RangeError);
});
