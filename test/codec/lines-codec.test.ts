import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BytesBuffer, LinesCodec, FrameTooLargeError } from 'weft/codec';

function decodeAll(codec: LinesCodec, buf: BytesBuffer): (string | Error)[] {
  const out: (string | Error)[] = [];
  for (;;) {
    try {
      const line = codec.decode(buf);
      if (line === undefined) return out;
      out.push(line);
    } catch (e) {
      out.push(e as Error);
    }
  }
}

test('decodes \\n and \\r\\n lines, waits for an unterminated one, returns it at end of stream', () => {
  const codec = new LinesCodec();
  const buf = new BytesBuffer();
  buf.writeString('a\nb\r\n\nrest');
  assert.deepEqual(decodeAll(codec, buf), ['a', 'b', '']);
  assert.equal(codec.decodeEof(buf), 'rest');
  assert.equal(codec.decodeEof(buf), undefined);
});

test('the default maxLength is 64 KiB', () => {
  assert.equal(new LinesCodec().maxLength, 64 * 1024);
});

test('a line over maxLength throws FrameTooLargeError before its end arrives, then decoding resumes after it', () => {
  const codec = new LinesCodec({ maxLength: 8 });
  const buf = new BytesBuffer();
  buf.writeString('123456789'); // 9 bytes, no newline yet: already too long
  const [err] = decodeAll(codec, buf);
  assert.ok(err instanceof FrameTooLargeError);
  assert.equal(err.code, 'ERR_FRAME_TOO_LARGE');
  assert.equal(buf.length, 0, 'the overlong bytes were dropped');
  buf.writeString('more of the long line');
  assert.deepEqual(decodeAll(codec, buf), []);
  assert.equal(buf.length, 0);
  buf.writeString('tail\nok\n');
  assert.deepEqual(decodeAll(codec, buf), ['ok']);
});

test('a long line whose newline is already buffered fails once and the next line is decoded', () => {
  const codec = new LinesCodec({ maxLength: 3 });
  const buf = new BytesBuffer();
  buf.writeString('toolong\nfit\n');
  const out = decodeAll(codec, buf);
  assert.ok(out[0] instanceof FrameTooLargeError);
  assert.deepEqual(out.slice(1), ['fit']);
});

test('a line trickled one byte at a time is scanned once per byte (no rescans)', () => {
  const codec = new LinesCodec({ maxLength: 100_000 });
  const buf = new BytesBuffer();
  const t0 = performance.now();
  for (let i = 0; i < 50_000; i++) {
    buf.writeUint8(97);
    assert.equal(codec.decode(buf), undefined);
  }
  buf.writeUint8(10);
  assert.equal(codec.decode(buf)?.length, 50_000);
  // With rescanning this would be ~1.25e9 byte comparisons; linear is well under a second.
  assert.ok(performance.now() - t0 < 2000);
});

test('encode() appends a newline and rejects lines containing one or over the limit', () => {
  const codec = new LinesCodec({ maxLength: 4 });
  const dst = new BytesBuffer();
  codec.encode('abcd', dst);
  assert.equal(dst.utf8(), 'abcd\n');
  assert.throws(() => codec.encode('a\nb', dst), TypeError);
  assert.throws(() => codec.encode('abcde', dst), FrameTooLargeError);
  assert.throws(() => codec.encode('ééé', dst), FrameTooLargeError, '6 UTF-8 bytes');
  assert.throws(() => codec.encode(5 as unknown as string, dst), TypeError);
  assert.throws(() => new LinesCodec({ maxLength: -1 }), RangeError);
});
