import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'weft';
import { pause, resume } from 'weft/testing';
import { TcpListener, TcpStream, ReadTimeoutError, type TcpBindOptions } from 'weft/net';
import { Framed, LinesCodec } from 'weft/codec';
import { tcpPair, text } from './helpers.js';

test('a read that receives nothing within readTimeout rejects with ReadTimeoutError and closes the stream', async () => {
  await using p = await tcpPair({ readTimeout: 80 });
  const t0 = performance.now();
  const err = await p.server.read(new Uint8Array(8)).catch((e: unknown) => e);
  const waited = performance.now() - t0;
  assert.ok(err instanceof ReadTimeoutError, String(err));
  assert.equal(err.code, 'ERR_READ_TIMEOUT');
  assert.equal(err.ms, 80);
  assert.ok(waited >= 70 && waited < 1000, `waited ${waited} ms`);
  assert.equal(await p.client.read(new Uint8Array(8)), 0, 'the peer was disconnected');
  await assert.rejects(p.server.read(new Uint8Array(8)), ReadTimeoutError);
});

test('readTimeout runs on the runtime clock: with the clock paused it fires without waiting', async () => {
  await using p = await tcpPair({ readTimeout: 60 * 60 * 1000 });
  pause();
  try {
    await assert.rejects(p.server.read(new Uint8Array(8)), ReadTimeoutError);
  } finally {
    resume();
  }
});

test('reads that keep receiving are not timed out', async () => {
  await using p = await tcpPair({ readTimeout: 100 });
  const buf = new Uint8Array(1);
  for (let i = 0; i < 5; i++) {
    setTimeout(() => void p.client.write(text('x')), 30);
    assert.equal(await p.server.read(buf), 1);
  }
});

/** An echo server (one task per connection) whose streams use `opts`; counts connections closed by timeouts. */
async function echoServer(opts: TcpBindOptions, framed?: { frameTimeout: number }) {
  const listener = await TcpListener.bind('127.0.0.1:0', opts);
  const stats = { timedOut: 0 };
  const loop = spawn(async () => {
    for await (const stream of listener) {
      spawn(async () => {
        await using s = stream;
        try {
          if (framed !== undefined) {
            const f = new Framed(s, new LinesCodec(), framed);
            for await (const line of f) await f.send(line);
          } else {
            const buf = new Uint8Array(4096);
            for (let n; (n = await s.read(buf)) > 0;) await s.writeAll(buf.subarray(0, n));
          }
        } catch (e) {
          if (e instanceof ReadTimeoutError) stats.timedOut++;
        }
      });
    }
  });
  return {
    listener,
    stats,
    async [Symbol.asyncDispose]() {
      await listener.close();
      await loop;
    },
  };
}

test('a slow-loris peer is closed by the read timeout while a normal client keeps its latency', async () => {
  await using srv = await echoServer({ readTimeout: 100 });
  const loris = await TcpStream.connect(srv.listener.localAddr());
  await using normal = await TcpStream.connect(srv.listener.localAddr());
  let lorisClosedAt = 0;
  let trickling = true;
  const trickle = (async () => {
    const t0 = performance.now();
    try {
      for (let i = 0; i < 20; i++) {
        await loris.write(text('x'));
        await new Promise((r) => setTimeout(r, 250)); // one byte every 250 ms
        if ((await loris.read(new Uint8Array(1))) === 0) break;
      }
    } catch {
      // reset by the server: also closed
    }
    lorisClosedAt = performance.now() - t0;
    trickling = false;
  })();
  const rtts: number[] = [];
  const buf = new Uint8Array(64);
  while (trickling) {
    const t = performance.now();
    await normal.writeAll(buf);
    await normal.readExact(buf);
    rtts.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 5));
  }
  await trickle;
  loris.close();
  assert.ok(lorisClosedAt > 0 && lorisClosedAt < 1500, `loris closed after ${lorisClosedAt} ms`);
  assert.equal(srv.stats.timedOut, 1);
  rtts.sort((a, b) => a - b);
  const p99 = rtts[Math.floor(rtts.length * 0.99)]!;
  assert.ok(p99 < 100, `normal client p99 ${p99} ms`);
});

test('frameTimeout closes a peer that trickles a frame, but leaves an idle connection open', async () => {
  await using srv = await echoServer({}, { frameTimeout: 150 });
  await using idle = await TcpStream.connect(srv.listener.localAddr());
  await using loris = await TcpStream.connect(srv.listener.localAddr());
  const t0 = performance.now();
  let closedAfter = -1;
  for (let i = 0; i < 40; i++) {
    const ok = await loris.write(text('y')).then(
      () => true,
      () => false,
    );
    if (!ok) break;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 40);
    const n = await loris.read(new Uint8Array(1), { signal: ac.signal }).catch(() => (ac.signal.aborted ? -1 : 0));
    clearTimeout(timer);
    if (n === 0) {
      closedAfter = performance.now() - t0;
      break;
    }
  }
  assert.ok(closedAfter >= 140 && closedAfter < 1000, `closed after ${closedAfter} ms`);
  assert.equal(srv.stats.timedOut, 1);
  // The idle connection, quiet for longer than frameTimeout, still works.
  await idle.writeAll(text('still here\n'));
  const buf = new Uint8Array(11);
  await idle.readExact(buf);
  assert.equal(new TextDecoder().decode(buf), 'still here\n');
});
