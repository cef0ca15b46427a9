/**
 * The cluster example in one command: three node processes share virtual
 * `cart` actors and a `jobs` channel over one nats-server.
 *
 *   npm run example:cluster                      # starts its own nats-server on a free port
 *   NATS_URL=nats://127.0.0.1:4222 npm run example:cluster   # or uses yours
 *
 * It prints what each node did, checks that every checkout job was handled
 * exactly once and saw its whole cart, then stops the nodes (they leave the
 * cluster) and the server it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const NODES = 3;
const USERS = 6;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

async function startNats(): Promise<{ url: string; stop: () => Promise<void> }> {
  const bin =
    ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) => existsSync(p)) ??
    'nats-server';
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'weft-example-nats-'));
  const child = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
  const failed = new Promise<never>((_, reject) =>
    child.once('error', () =>
      reject(new Error('nats-server not found: apt-get install -y nats-server (or set NATS_URL)')),
    ),
  );
  for (let i = 0; i < 200; i++) {
    const up = await Promise.race([
      failed,
      new Promise<boolean>((resolve) => {
        const s = connect({ port, host: '127.0.0.1' });
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => (s.destroy(), resolve(false)));
      }),
    ]);
    if (up) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const given = process.env['NATS_URL'] ?? '';
const own = given === '' ? await startNats() : undefined;
const url = given !== '' ? given : own!.url;
console.log(`nats: ${url}${own ? ' (started for this run)' : ''}`);

type Line = { node: string; event: string; user?: string; from?: string; cartOn?: string; items?: string[] };
const checkouts: Line[] = [];
let allDone: () => void = () => {};
const done = new Promise<void>((r) => (allDone = r));
const children: ChildProcess[] = [];
for (let i = 0; i < NODES; i++) {
  const child = spawn(
    process.execPath,
    ['--conditions=weft-source', '--import', 'tsx', join(here, 'node.ts'), `shop-${i}`, String(i), String(NODES), url],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  createInterface({ input: child.stdout! }).on('line', (text) => {
    const line = JSON.parse(text) as Line;
    if (line.event === 'checkout') {
      checkouts.push(line);
      console.log(
        `  ${line.node} took the checkout of ${line.user} (sent by ${line.from}; cart active on ${line.cartOn}): ${line.items!.join(', ')}`,
      );
      if (checkouts.length === USERS) allDone();
    } else console.log(`  ${line.node} ${line.event}`);
  });
}
const timer = setTimeout(() => allDone(), 60_000);
await done;
clearTimeout(timer);
await Promise.all(
  children.map(
    (c) =>
      new Promise((r) => {
        c.once('exit', r);
        c.kill('SIGTERM');
      }),
  ),
);
await own?.stop();

const users = new Set(checkouts.map((c) => c.user));
const ok = checkouts.length === USERS && users.size === USERS && checkouts.every((c) => c.items?.length === 3);
console.log(
  ok ? `ok: ${USERS} checkouts, each once, each cart complete` : 'FAILED: some checkouts are missing or repeated',
);
process.exitCode = ok ? 0 : 1;
