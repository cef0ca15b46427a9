import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The clock keeps its Node timer armed (unref'd) when the last weft timer is
// removed before its deadline, so that the next one reuses it (an ask costs
// no setTimeout/clearTimeout pair). These run as programs: what matters is
// when the process exits.

function run(fixture: string): { out: string; ms: number } {
  const script = fileURLToPath(new URL(`../fixtures/clock/${fixture}.ts`, import.meta.url));
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--conditions=weft-source', '--import', 'tsx', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  return { out: r.stdout.trim(), ms: performance.now() - t0 };
}

test('a program whose asks were all answered exits at once, not when the kept timer would fire', () => {
  const { out, ms } = run('after-asks');
  assert.equal(out, String((999 * 1000) / 2));
  // The last ask's timer was due 5 s after it; start-up with tsx takes well under that.
  assert.ok(ms < 4000, `exited after ${Math.round(ms)} ms`);
});

test('an unanswered ask alone keeps the process alive until it times out', () => {
  const { out } = run('unanswered-ask');
  const m = /^timeout after (\d+)$/.exec(out);
  assert.ok(m !== null, out);
  assert.ok(Number(m[1]) >= 1490, out);
});
