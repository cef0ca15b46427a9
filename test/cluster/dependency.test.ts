import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('without the NATS client installed, weft/cluster loads and works offline, and Cluster.join rejects with ClusterDependencyError naming the packages', () => {
  const script = fileURLToPath(new URL('./fixtures/no-nats.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--conditions=weft-source', '--import', 'tsx', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    ok: boolean;
    codecWorks: boolean;
    code: string;
    message: string;
  };
  assert.equal(out.ok, true, out.message);
  assert.equal(out.codecWorks, true, 'the module loaded and its codec ran without the client');
  assert.equal(out.code, 'ERR_CLUSTER_DEPENDENCY');
  assert.match(out.message, /npm install @nats-io\/transport-node @nats-io\/kv @nats-io\/jetstream/);
});
