import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BufferPool } from 'weft/net';

test('released buffers are reused and the pool keeps at most maxPooled', () => {
  const pool = new BufferPool({ bufferSize: 128, maxPooled: 2 });
  const bufs = [pool.acquire(), pool.acquire(), pool.acquire()];
  assert.equal(pool.allocated, 3);
  for (const b of bufs) pool.release(b);
  assert.equal(pool.available, 2);
  const again = pool.acquire();
  assert.ok(bufs.includes(again));
  assert.equal(pool.allocated, 3);
});

test('a lease returns its buffer when disposed, once', () => {
  const pool = new BufferPool({ bufferSize: 16 });
  {
    using lease = pool.lease();
    assert.equal(lease.buffer.length, 16);
    assert.equal(pool.available, 0);
  }
  assert.equal(pool.available, 1);
});

test('release() rejects foreign buffers; bad options throw RangeError', () => {
  const pool = new BufferPool({ bufferSize: 16 });
  assert.throws(() => pool.release(new Uint8Array(8)), TypeError);
  assert.throws(() => pool.release(pool.acquire().subarray(1)), TypeError);
  assert.throws(() => new BufferPool({ bufferSize: 0 }), RangeError);
  assert.throws(() => new BufferPool({ maxPooled: -1 }), RangeError);
});
