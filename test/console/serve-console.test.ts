import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime, spawn, sleep } from '../../src/index.js';
import { mpsc } from '../../src/sync/index.js';
import { serveConsole } from '../../src/console/index.js';
import { SseReader, getJson, stalledClient } from './helpers.js';

test('GET /api/state lists the named tasks of a running program with what they wait on', async () => {
  const rt = new Runtime();
  await rt.run(async () => {
    await using server = await serveConsole(rt, { port: 0, publishInterval: 50 });
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const [tx, rx] = mpsc.channel<number>(4);
    const consumer = spawn(
      async () => {
        let n = 0;
        while ((await rx.recv()) !== undefined) n++;
        return n;
      },
      { name: 'consumer' },
    );
    const sleeper = spawn(() => sleep(10_000), { name: 'sleeper' });
    await sleep(5);
    const state = await getJson(new URL('api/state', server.url));
    assert.equal(typeof state.now, 'number');
    assert.ok(Array.isArray(state.resources) && Array.isArray(state.warnings));
    assert.equal(state.metrics.aliveTasks, 3);
    const byName = new Map(state.tasks.map((t: any) => [t.name, t]));
    const c: any = byName.get('consumer');
    const s: any = byName.get('sleeper');
    assert.ok(c && s, `named tasks in ${JSON.stringify(state.tasks.map((t: any) => t.name))}`);
    assert.equal(c.state, 'idle');
    assert.match(c.waitsOn[0].op, /recv/i);
    assert.match(s.waitsOn[0].op, /sleep/i);
    sleeper.abort();
    tx.close();
    assert.equal(await consumer, 0);
    await sleeper.catch(() => {});
  });
  await rt.shutdown();
});

test('GET /api/updates sends only what changed, and a task that ends is removed', async () => {
  const rt = new Runtime();
  await rt.run(async () => {
    await using server = await serveConsole(rt, { port: 0, publishInterval: 30 });
    const sse = new SseReader(new URL('api/updates', server.url));
    await sse.ready();
    assert.match(String(sse.headers['content-type']), /text\/event-stream/);
    const idle = spawn(() => sleep(10_000), { name: 'steady' });
    const first = await sse.until((e) => e.tasks.some((t: any) => t.name === 'steady'));
    const steadyId = first.tasks.find((t: any) => t.name === 'steady').id;
    const brief = spawn(() => sleep(60), { name: 'brief' });
    const added = await sse.until((e) => e.tasks.some((t: any) => t.name === 'brief'));
    // The unchanged task is not sent again.
    assert.ok(!added.tasks.some((t: any) => t.id === steadyId), 'unchanged task re-sent');
    const briefId = added.tasks.find((t: any) => t.name === 'brief').id;
    await brief;
    const removed = await sse.until((e) => e.removedTasks.includes(briefId));
    assert.equal(removed.droppedEvents, 0);
    assert.equal(typeof removed.loop.delayMax, 'number');
    assert.ok(removed.seq > added.seq);
    sse.close();
    idle.abort();
    await idle.catch(() => {});
  });
  await rt.shutdown();
});

test('a client that stops reading has updates dropped and counted, not queued', async () => {
  const rt = new Runtime();
  await rt.run(async () => {
    await using server = await serveConsole(rt, { port: 0, publishInterval: 10 });
    const slow = stalledClient(server.url);
    const sse = new SseReader(new URL('api/updates', server.url));
    await sse.ready();
    // Churn: every interval a batch of new tasks with long names, so each update is large.
    const churn = spawn(async (self) => {
      for (let round = 0; !self.signal.aborted; round++) {
        const batch = [];
        for (let i = 0; i < 300; i++)
          batch.push(spawn(() => sleep(15), { name: `churn-${round}-${i}-${'x'.repeat(2000)}` }));
        await Promise.all(batch);
      }
    });
    // The healthy reader keeps getting updates while the stalled one falls behind. The stalled
    // socket first fills the kernel's buffers (Linux autotunes them up to tcp_rmem's and
    // tcp_wmem's max: 32 + 4 MiB on some machines), so run until more than that has been sent.
    await sse.until((e) => e.seq > 60 && sse.received > kernelSocketBuffers() + (8 << 20), 30_000);
    assert.ok(
      sse.events.every((e) => e.droppedEvents === 0),
      'the reading client lost updates',
    );
    // The stalled client reads again: the updates it gets now say how many it missed.
    slow.resume();
    const seq = sse.events.at(-1).seq;
    await sse.until((e) => e.seq > seq + 5, 15_000);
    const dropped = [...slow.text().matchAll(/"droppedEvents":(\d+)/g)].map((m) => Number(m[1]));
    assert.ok(dropped.length > 0 && dropped.at(-1)! > 0, `stalled client saw droppedEvents ${dropped.slice(-3)}`);
    // The client that kept reading missed far fewer (none on an idle machine; updates here are ~600 KB each).
    assert.ok(sse.events.at(-1).droppedEvents < dropped.at(-1)!, 'the reading client lost as many updates');
    churn.abort();
    await churn.catch(() => {});
    slow.close();
    sse.close();
  });
  await rt.shutdown();
});

test('record appends the state and then every update as JSON lines', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-console-'));
  const file = join(dir, 'rec.jsonl');
  const rt = new Runtime();
  try {
    await rt.run(async () => {
      const server = await serveConsole(rt, { port: 0, publishInterval: 20, record: file });
      const t = spawn(() => sleep(100), { name: 'recorded' });
      await t;
      await sleep(40);
      await server.close();
      await server.close(); // idempotent
    });
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines[0].type, 'state');
    assert.ok(lines.length >= 4, `${lines.length} lines`);
    assert.ok(lines.slice(1).every((l) => l.type === 'delta'));
    assert.ok(lines.some((l) => l.type === 'delta' && l.tasks.some((t: any) => t.name === 'recorded')));
    const id = lines.flatMap((l) => l.tasks).find((t: any) => t.name === 'recorded').id;
    assert.ok(lines.some((l) => l.type === 'delta' && l.removedTasks.includes(id)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await rt.shutdown();
  }
});

test('GET / serves the page and its bundle, with no reference to another host', async () => {
  const rt = new Runtime();
  await using server = await serveConsole(rt, { port: 0 });
  const html = await (await fetch(server.url)).text();
  assert.match(html, /<title>weft console<\/title>/);
  assert.doesNotMatch(html, /https?:\/\//);
  const js = await fetch(new URL('app.js', server.url));
  assert.equal(js.status, 200);
  assert.match(String(js.headers.get('content-type')), /javascript/);
  assert.ok((await js.text()).length > 10_000);
  assert.equal((await fetch(new URL('nope', server.url))).status, 404);
  await rt.shutdown();
});

test('serveConsole refuses bad options synchronously-shaped and a busy port with the listen error', async () => {
  const rt = new Runtime();
  await assert.rejects(serveConsole(rt, { port: -1 }), RangeError);
  await assert.rejects(serveConsole(rt, { publishInterval: 0 }), RangeError);
  await assert.rejects(serveConsole(rt, { host: '' }), TypeError);
  await using first = await serveConsole(rt, { port: 0 });
  const port = Number(new URL(first.url).port);
  await assert.rejects(serveConsole(rt, { port }), /EADDRINUSE/);
  await rt.shutdown();
});

/** The most a loopback connection's kernel buffers can hold (receive + send), from /proc on Linux. */
function kernelSocketBuffers(): number {
  const max = (file: string, fallback: number): number => {
    try {
      return Number(readFileSync(file, 'utf8').trim().split(/\s+/).at(-1)) || fallback;
    } catch {
      return fallback;
    }
  };
  return max('/proc/sys/net/ipv4/tcp_rmem', 6 << 20) + max('/proc/sys/net/ipv4/tcp_wmem', 4 << 20);
}
