import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, sleep, select, scope, CancellationToken } from 'weft';
import { mpsc, Notify } from 'weft/sync';
import { fastPath, readyAnswer } from '../../src/core/fast-path.js';
import { BUDGET, scheduler } from '../../src/core/scheduler.js';
import { taskOf } from '../../src/task/join-handle.js';
import type { Cancellable } from '../../src/core/wait-queue.js';

function sitesOf(handle: Parameters<typeof taskOf>[0]): string[] {
  const out: string[] = [];
  for (let w: Cancellable | undefined = taskOf(handle).waits; w !== undefined; w = w.tNext) out.push(w.site?.op ?? '?');
  return out.sort();
}

void test('every wait a task is parked in is listed in task.waits with its site, and unlisted once it settles', async () => {
  const [tx, rx] = mpsc.channel<number>(1);
  const notify = new Notify();
  const token = new CancellationToken();
  const tasks = [
    spawn(() => rx.recv()),
    spawn(() => notify.notified()),
    spawn(() => sleep(10_000)),
    spawn(() => select({ token, other: (signal) => sleep(10_000, { signal }) })),
    spawn(() => scope(async () => sleep(10_000))),
  ];
  await sleep(5);
  assert.deepEqual(
    tasks.map((t) => sitesOf(t)),
    [['mpsc.recv'], ['notify.notified'], ['sleep'], ['select', 'sleep'], ['scope']],
  );
  tx.trySend(1);
  notify.notifyOne();
  token.cancel();
  await tasks[0];
  await tasks[1];
  await tasks[3];
  assert.deepEqual(sitesOf(tasks[0]!), []);
  for (const t of tasks) t.abort();
  await Promise.allSettled(tasks);
  assert.deepEqual(
    tasks.map((t) => sitesOf(t)),
    [[], [], [], [], []],
  );
});

void test('fastPath: undefined while there is budget; the signal reason when aborted; past the budget the op again after a hop', async () => {
  const calls: unknown[][] = [];
  const self = {
    op(a: number, b: string): Promise<string> {
      calls.push([a, b]);
      return Promise.resolve(`${a}${b}`);
    },
  };
  const reason = new Error('stop');
  await assert.rejects(fastPath(AbortSignal.abort(reason), self, self.op, 1, 'x')!, (e) => e === reason);
  // Use the budget up: exactly one call in BUDGET comes back as a retry.
  let retried: Promise<string> | undefined;
  let answeredNow = 0;
  for (let i = 0; i < BUDGET && retried === undefined; i++) {
    const later = fastPath(undefined, self, self.op, 2, 'y');
    if (later === undefined) answeredNow++;
    else retried = later;
  }
  assert.ok(retried !== undefined, 'the budget ran out within BUDGET ready operations');
  assert.ok(answeredNow < BUDGET);
  assert.equal(calls.length, 0, 'nothing is retried before the hop');
  assert.equal(await retried, '2y');
  assert.deepEqual(calls, [[2, 'y']]);
  assert.equal(await readyAnswer(undefined, Promise.resolve(5)), 5);
  await assert.rejects(readyAnswer(AbortSignal.abort(reason), Promise.resolve(5)), (e) => e === reason);
});

void test('scheduler.defer runs items one microtask later, in order, batching those deferred meanwhile', async () => {
  const order: string[] = [];
  scheduler.defer({ runDeferred: () => order.push('a') });
  scheduler.defer({
    runDeferred: () => {
      order.push('b');
      scheduler.defer({ runDeferred: () => order.push('c (deferred while the batch ran)') });
    },
  });
  order.push('sync');
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(order, ['sync', 'a', 'b', 'c (deferred while the batch ran)']);
});

void test('outside the wait module no class overrides complete, fail or cancel', () => {
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && path !== join('src', 'core', 'wait-queue.ts')) {
        const text = readFileSync(path, 'utf8');
        if (/override\s+(complete|fail|cancel)\s*\(/.test(text)) offenders.push(path);
      }
    }
  };
  walk('src');
  assert.deepEqual(offenders, []);
});
