import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'weft-doctor-test-'));

/** Runs `weft doctor` (the package's bin) on a fixture, as a user would. */
async function doctor(fixture: string): Promise<{ stdout: string; html: string }> {
  const report = join(dir, `${fixture}.html`);
  const { stdout } = await run(
    process.execPath,
    [
      'bin/weft.mjs',
      'doctor',
      '--duration',
      '3.5',
      '--report',
      report,
      '--',
      'node',
      `test/fixtures/doctor/${fixture}.ts`,
    ],
    { timeout: 30_000 },
  );
  return { stdout, html: readFileSync(report, 'utf8') };
}

function diagnosisOf(stdout: string): string | undefined {
  return /^diagnosis: (\S+)/m.exec(stdout)?.[1];
}

// Two at a time: four programs in parallel on a shared 2-core machine would measure each other.
const first = Promise.all([doctor('blocker'), doctor('io')]);
const second = first.then(() => Promise.all([doctor('cpu'), doctor('healthy')]));

test('weft doctor names an event-loop blocker and advises spawnBlocking', async () => {
  const [{ stdout, html }] = await first;
  assert.equal(diagnosisOf(stdout), 'event-loop-blocked', stdout);
  assert.match(stdout, /event-loop delay reached \d+/);
  // Task times name the blocking task and the advice is for it.
  assert.match(stdout, /tasks with long polls: checksum \(\d+ polls of 100 ms or more/);
  assert.match(stdout, /move the synchronous work of checksum to spawnBlocking/);
  assert.match(html, /id="diagnosis">event-loop-blocked</);
  assert.match(html, /<svg/);
});

test('weft doctor finds an I/O-bound server under load and keeps it on currentThread()', async () => {
  const [, { stdout }] = await first;
  assert.equal(diagnosisOf(stdout), 'io-bound', stdout);
  assert.match(stdout, /recommended: Runtime\.builder\(\)\.currentThread\(\)/);
  assert.match(stdout, /sockets open on average/);
});

test('weft doctor finds a CPU-bound loop and recommends multiThread().workerThreads(n)', async () => {
  const [{ stdout }] = await second;
  assert.equal(diagnosisOf(stdout), 'cpu-bound', stdout);
  assert.match(stdout, /recommended: Runtime\.builder\(\)\.multiThread\(\)\.workerThreads\(\d+\)/);
  assert.match(stdout, /busy \d+% of the time/);
  assert.match(stdout, /busiest: crunch-\d/);
});

test('weft doctor calls a quiet program healthy and changes nothing', async () => {
  const [, { stdout }] = await second;
  assert.equal(diagnosisOf(stdout), 'healthy', stdout);
  assert.match(stdout, /keep the default current-thread runtime/);
  rmSync(dir, { recursive: true, force: true });
});
