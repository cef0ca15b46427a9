import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, Agent, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { sleep, CancelledError } from 'weft';
import { serve, ClientDisconnectedError, RequestTimeoutError, ServerClosedError, type HttpServer } from 'weft/http';

interface Reply {
  status: number;
  body: string;
  headers: IncomingMessage['headers'];
}

function get(server: HttpServer, path = '/', agent: Agent | false = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.address().port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const quiet = { port: 0, host: '127.0.0.1', onError: () => {} };

test('each request runs as a weft task with its own context', async () => {
  const ids = new Set<number>();
  await using server = await serve(async (req, res, task) => {
    ids.add(task.id);
    await sleep(1, { signal: task.signal });
    res.setHeader('content-type', 'text/plain');
    res.end(`you asked for ${req.url}`);
  }, quiet);
  assert.equal(server.address().address, '127.0.0.1');
  const [a, b] = await Promise.all([get(server, '/a'), get(server, '/b')]);
  assert.deepEqual([a.status, a.body], [200, 'you asked for /a']);
  assert.equal(b.body, 'you asked for /b');
  assert.equal(ids.size, 2);
  assert.equal(server.activeRequests, 0);
});

test('a handler that throws gets the client a 500 and is reported to onError', async () => {
  const errors: unknown[] = [];
  await using server = await serve(
    () => {
      throw new Error('boom');
    },
    { ...quiet, onError: (e) => errors.push(e) },
  );
  const reply = await get(server);
  assert.equal(reply.status, 500);
  assert.equal((errors[0] as Error).message, 'boom');
});

test('a handler that throws after sending headers gets the connection closed instead', async () => {
  await using server = await serve(async (_req, res) => {
    res.writeHead(200);
    res.write('partial');
    await sleep(5);
    throw new Error('late');
  }, quiet);
  await assert.rejects(get(server), /aborted|socket hang up|ECONNRESET/);
});

test('a response the handler did not end is ended when the handler returns', async () => {
  await using server = await serve((_req, res) => {
    res.statusCode = 204;
  }, quiet);
  assert.equal((await get(server)).status, 204);
});

test("the task's signal fires with ClientDisconnectedError when the client goes away", async () => {
  let reason: unknown;
  let started!: () => void;
  const inHandler = new Promise<void>((r) => (started = r));
  await using server = await serve(async (_req, res, task) => {
    started();
    try {
      await sleep(60_000, { signal: task.signal });
    } finally {
      reason = task.signal.reason;
    }
    res.end('never');
  }, quiet);
  const req = request({ host: '127.0.0.1', port: server.address().port, agent: false });
  req.on('error', () => {});
  req.end();
  await inHandler;
  req.destroy();
  for (let i = 0; i < 100 && reason === undefined; i++) await sleep(5);
  assert.ok(reason instanceof ClientDisconnectedError, String(reason));
  assert.equal(server.activeRequests, 0);
});

test('a request past requestTimeout is aborted and answered 503, even if the handler ignores its signal', async () => {
  let reason: unknown;
  await using server = await serve(
    async (_req, res, task) => {
      task.signal.addEventListener('abort', () => (reason = task.signal.reason));
      await new Promise((r) => setTimeout(r, 300)); // ignores the signal
      res.end('too late');
    },
    { ...quiet, requestTimeout: 50 },
  );
  const t0 = performance.now();
  const reply = await get(server);
  assert.equal(reply.status, 503);
  assert.ok(performance.now() - t0 < 250, 'answered at the deadline, not when the handler finished');
  assert.ok(reason instanceof RequestTimeoutError);
  assert.equal((reason as RequestTimeoutError).code, 'ERR_REQUEST_TIMEOUT');
  await sleep(300); // let the stubborn handler finish
});

test('close() stops accepting, lets requests in flight finish, and closes idle keep-alive connections', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const server = await serve(async (req, res) => {
    if (req.url === '/slow') await sleep(80);
    res.end('done');
  }, quiet);
  const { port } = server.address();
  await get(server, '/', agent); // leaves an idle keep-alive connection
  const slow = get(server, '/slow', agent);
  await sleep(20);
  const t0 = performance.now();
  const closing = server.close({ timeout: 5000 });
  const refused = await new Promise<boolean>((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
  assert.ok(refused, 'new connections are refused while draining');
  assert.equal((await slow).body, 'done');
  await closing;
  assert.ok(performance.now() - t0 < 2500, 'the idle keep-alive connection did not hold up close()');
  agent.destroy();
});

test('close() aborts requests still running after its timeout with ServerClosedError', async () => {
  let reason: unknown;
  let started!: () => void;
  const inHandler = new Promise<void>((r) => (started = r));
  const server = await serve(async (_req, res, task) => {
    started();
    try {
      await sleep(60_000, { signal: task.signal });
    } catch (e) {
      reason = task.signal.reason;
      assert.ok(e instanceof CancelledError || e === task.signal.reason);
      throw e;
    }
    res.end();
  }, quiet);
  const reply = get(server);
  await inHandler;
  const t0 = performance.now();
  await server.close({ timeout: 50 });
  assert.ok(performance.now() - t0 < 1000);
  assert.ok(reason instanceof ServerClosedError);
  assert.equal((await reply).status, 503);
  await server.close(); // idempotent
});

test('maxConnections closes connections beyond the limit', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  await using server = await serve(
    async (_req, res) => {
      await gate;
      res.end('ok');
    },
    { ...quiet, maxConnections: 1 },
  );
  const first = get(server);
  await sleep(30);
  await assert.rejects(get(server), /socket hang up|ECONNRESET/);
  release();
  assert.equal((await first).body, 'ok');
});

test('bad arguments throw synchronously', () => {
  assert.throws(() => serve('x' as never, { port: 0 }), TypeError);
  assert.throws(() => serve(() => {}, undefined as never), TypeError);
  assert.throws(() => serve(() => {}, { port: 70000 }), RangeError);
  assert.throws(() => serve(() => {}, { port: 0, requestTimeout: -1 }), RangeError);
  assert.throws(() => serve(() => {}, { port: 0, requestTimeout: 10, headersTimeout: 20 }), RangeError);
  assert.throws(() => serve(() => {}, { port: 0, maxConnections: 0 }), RangeError);
});
