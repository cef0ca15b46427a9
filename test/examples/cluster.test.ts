import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { natsServerPath } from '../cluster/harness.js';

test('examples/cluster: three node processes share carts and a job channel; every checkout once, every cart complete', async () => {
  natsServerPath(); // fails with the install command when nats-server is missing
  const child = spawn(process.execPath, ['--conditions=weft-source', '--import', 'tsx', 'examples/cluster/run.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NATS_URL: '' },
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (c: string) => (out += c));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  assert.equal(code, 0, out);
  assert.match(out, /ok: 6 checkouts, each once, each cart complete/);
  const lines = out.split('\n').filter((l) => l.includes('took the checkout of'));
  assert.equal(lines.length, 6);
  for (const l of lines) {
    for (const node of ['shop-0', 'shop-1', 'shop-2'])
      assert.ok(l.includes(`@${node}`), `each cart got an item from each process: ${l}`);
  }
});
