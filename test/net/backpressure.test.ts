import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tcpPair, stateOf, until } from './helpers.js';

const MAX_WRITE = 64 * 1024;

test('a peer that never reads: the writer waits and its unsent bytes stay <= high-water mark + one write', async () => {
  await using p = await tcpPair();
  const chunk = new Uint8Array(MAX_WRITE).fill(1);
  const bound = p.client.writeHighWaterMark + MAX_WRITE;
  let written = 0;
  let maxBuffered = 0;
  let blocked: Promise<number> | undefined;
  // Write until a write stays pending: the kernel buffers are full and Node holds its high-water mark.
  for (let i = 0; i < 100_000; i++) {
    const w = p.client.write(chunk);
    if ((await stateOf(w)) === 'pending') {
      blocked = w;
      break;
    }
    written += await w;
    maxBuffered = Math.max(maxBuffered, p.client.writeBuffered);
  }
  assert.ok(blocked !== undefined, 'a write eventually waits for the peer');
  maxBuffered = Math.max(maxBuffered, p.client.writeBuffered);
  assert.ok(maxBuffered <= bound, `buffered ${maxBuffered} > bound ${bound}`);
  // The server's own receive buffer is bounded too (it paused reading).
  assert.ok(p.server.readBuffered <= 64 * 1024 + 64 * 1024, `server buffered ${p.server.readBuffered}`);
  // Once the peer reads, the blocked write goes through and everything arrives.
  const expected = written + MAX_WRITE;
  const reading = (async () => {
    const buf = new Uint8Array(MAX_WRITE);
    let total = 0;
    while (total < expected) total += await p.server.read(buf);
    return total;
  })();
  written += await blocked!;
  assert.equal(await reading, written);
});

test('a write aborted while waiting for drain wrote nothing (cancel-safe)', async () => {
  await using p = await tcpPair();
  const chunk = new Uint8Array(MAX_WRITE).fill(2);
  let written = 0;
  const ac = new AbortController();
  let pending: Promise<number> | undefined;
  for (let i = 0; i < 100_000 && pending === undefined; i++) {
    const w = p.client.write(chunk, { signal: ac.signal });
    if ((await stateOf(w)) === 'pending') pending = w;
    else written += await w;
  }
  ac.abort(new Error('give up'));
  await assert.rejects(pending!, /give up/);
  const shutdown = p.client.shutdown(); // completes once the peer has read what was written
  const buf = new Uint8Array(MAX_WRITE);
  let total = 0;
  for (let n; (n = await p.server.read(buf)) > 0;) total += n;
  await shutdown;
  assert.equal(total, written, 'exactly the bytes of the writes that resolved arrived');
});

test('a fast peer cannot make the reader buffer more than readHighWaterMark + one chunk', async () => {
  await using p = await tcpPair({ readHighWaterMark: 16 * 1024 });
  const writing = p.client.writeAll(new Uint8Array(8 * 1024 * 1024));
  writing.catch(() => {});
  await until(() => p.server.readBuffered >= 16 * 1024);
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(p.server.readBuffered <= 16 * 1024 + 64 * 1024, `buffered ${p.server.readBuffered}`);
  assert.equal(await stateOf(writing), 'pending', 'the writer is held back by TCP flow control');
  // Reading resumes the flow; everything arrives.
  const buf = new Uint8Array(64 * 1024);
  let total = 0;
  while (total < 8 * 1024 * 1024) total += await p.server.read(buf);
  await writing;
  assert.equal(total, 8 * 1024 * 1024);
});

test('bytes queued behind a full socket arrive intact though the writer reuses its buffer', async () => {
  await using p = await tcpPair();
  const src = new Uint8Array(1500);
  let sent = 0;
  let queuedWrites = 0;
  // The reader stays idle: the kernel fills up, then small writes queue in Node (below its
  // high-water mark) while an earlier one is still being sent, each from the same rewritten buffer.
  for (let i = 0; i < 200_000; i++) {
    const n = 700 + (i % 800);
    for (let k = 0; k < n; k++) src[k] = (sent + k) % 251;
    if (p.client.writeBuffered > 0) queuedWrites++;
    const w = p.client.write(src.subarray(0, n));
    if ((await stateOf(w)) === 'pending') {
      // Blocked (Node holds its high-water mark): resolve it later, then stop.
      const expected = sent + n;
      const reading = (async () => {
        const buf = new Uint8Array(65536);
        let got = 0;
        while (got < expected) {
          const m = await p.server.read(buf);
          for (let k = 0; k < m; k++) if (buf[k] !== (got + k) % 251) assert.fail(`byte ${got + k} corrupted`);
          got += m;
        }
        return got;
      })();
      assert.equal(await w, n);
      sent += n;
      assert.equal(await reading, sent);
      break;
    }
    sent += await w;
  }
  assert.ok(queuedWrites > 3, `only ${queuedWrites} writes were made with bytes queued in Node`);
});
