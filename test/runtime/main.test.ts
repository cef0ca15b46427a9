import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main, Runtime } from 'weft';
import { runFixture } from '../fixtures/child.js';

// Each test starts a child Node process; they run concurrently to keep the file fast.
const success = runFixture('main-program.ts', ['success']);
const failure = runFixture('main-program.ts', ['failure']);
const sigint = runFixture('main-program.ts', ['sigint'], {
  onLine: (line, child) => {
    if (line === 'ready') child.kill('SIGINT');
  },
});
const sigterm = runFixture('main-program.ts', ['sigint'], {
  onLine: (line, child) => {
    if (line === 'ready') child.kill('SIGTERM');
  },
});
const stuck = runFixture('main-program.ts', ['stuck'], {
  mark: 'cleanup started',
  onLine: (line, child) => {
    if (line === 'ready') child.kill('SIGINT');
    // Unref'd: the fixtures run at once, and this harness timer must not count as a
    // handle left open by whichever test's leak check happens to run within its 50 ms.
    if (line === 'cleanup started') setTimeout(() => child.kill('SIGINT'), 50).unref();
  },
});

void test('main(): a body that succeeds exits with code 0', async () => {
  const r = await success;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /success body done\nmain returned, exitCode=0/);
  assert.equal(r.stderr, '');
});

void test('main(): a body that fails exits with code 1 and prints the cause chain on stderr', async () => {
  const r = await failure;
  assert.equal(r.code, 1);
  assert.match(r.stdout, /main returned, exitCode=1/, 'main() itself does not reject');
  assert.match(r.stderr, /Error: could not start/);
  assert.match(r.stderr, /caused by: TypeError: config missing/);
  assert.match(r.stderr, /caused by: Error: ENOENT/);
});

void test('main(): SIGINT cancels the root task (its finally runs) and exits with 130', async () => {
  const r = await sigint;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stdout, /finally ran, signal aborted=true/);
  assert.match(r.stdout, /main returned, exitCode=130/);
});

void test('main(): SIGTERM cancels the root task and exits with 143', async () => {
  const r = await sigterm;
  assert.equal(r.code, 143, r.stderr);
  assert.match(r.stdout, /finally ran, signal aborted=true/);
});

void test('main(): a second SIGINT forces exit while cleanup hangs', async () => {
  const r = await stuck;
  assert.equal(r.code, 130);
  assert.match(r.stdout, /cleanup started/);
  assert.doesNotMatch(r.stdout, /main returned/);
  assert.match(r.stderr, /second SIGINT/);
  assert.ok(
    r.exitedAfterMark !== undefined && r.exitedAfterMark < 5000,
    `exited ${r.exitedAfterMark} ms after cleanup started`,
  );
});

void test('main() rejects bad input synchronously', () => {
  assert.throws(() => main(5 as never), { name: 'TypeError', message: /main: fn must be a function/ });
  assert.throws(() => main(() => 1, { runtime: {} as never }), { name: 'TypeError', message: /Runtime/ });
  assert.throws(() => main(() => 1, { shutdownTimeout: -1 }), { name: 'RangeError', message: /shutdownTimeout/ });
  assert.throws(() => main(() => 1, 'x' as never), { name: 'TypeError', message: /options must be an object/ });
  assert.equal(process.listenerCount('SIGINT'), 0, 'no signal handler was installed');
  void Runtime;
});
