import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture } from '../fixtures/child.js';

void test('a 2^31 + 10 s sleep and timeout on the real clock cost no CPU over a second, print no warning, and abort', async () => {
  const result = await runFixture('long-sleep.ts', [], { limitMs: 30_000 });
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /TimeoutOverflowWarning/);
  const report = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {
    cpuMs: number;
    wallMs: number;
    sleep: string;
    timeout: string;
    warnings: string[];
  };
  assert.deepEqual(report.warnings, []);
  // A re-armed 1 ms timer (the bug) burns most of the second; an idle wait a few ms at most.
  assert.ok(report.cpuMs < 150, `${report.cpuMs.toFixed(1)} ms of CPU over ${report.wallMs.toFixed(0)} ms of waiting`);
  assert.equal(report.sleep, 'aborted');
  assert.equal(report.timeout, 'aborted');
});
