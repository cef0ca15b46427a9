import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime, spawn, sleep, yieldNow, JoinError } from 'weft';

/** Lets the runtime's one-turn grace period for unobserved failures pass. */
async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

function failing(message: string): () => Promise<never> {
  return async () => {
    await sleep(1);
    throw new Error(message, { cause: new Error('root cause') });
  };
}

void test('an unobserved task failure never becomes an unhandled rejection (default runtime)', async (t) => {
  t.mock.method(console, 'warn', () => {});
  spawn(() => {
    throw new Error('nobody awaits me');
  });
  spawn(() => Promise.reject(new Error('nor me')));
  await sleep(2);
  await turns();
  // The guard fails this test if an unhandled rejection occurred.
});

void test("onTaskError 'warn' (default): exactly one line with the task id, name and cause chain", async (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  await using rt = Runtime.builder().build();
  const handle = rt.spawn(failing('request failed'), { name: 'handler' });
  await sleep(5);
  await turns();
  assert.equal(warn.mock.callCount(), 1);
  const args = warn.mock.calls[0]!.arguments;
  assert.equal(args.length, 1);
  const line = String(args[0]);
  assert.doesNotMatch(line, /\n/);
  assert.match(line, new RegExp(`task ${handle.id} \\(handler\\)`));
  assert.match(line, /Error: request failed; caused by: Error: root cause/);
});

void test("onTaskError 'warn' reports a task without a name by its id", async (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  await using rt = Runtime.builder().onTaskError('warn').build();
  const handle = rt.spawn(failing('x'));
  await sleep(5);
  await turns();
  assert.equal(warn.mock.callCount(), 1);
  assert.match(String(warn.mock.calls[0]!.arguments[0]), new RegExp(`task ${handle.id} failed`));
});

void test('a failure whose handle is awaited in time is not reported', async (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  await using rt = Runtime.builder().build();
  const handle = rt.spawn(failing('seen'));
  await assert.rejects(handle, JoinError);
  const late = rt.spawn(() => {
    throw new Error('awaited right after');
  });
  await yieldNow(); // it failed, but its handle is awaited within one turn
  await assert.rejects(late, JoinError);
  await turns();
  assert.equal(warn.mock.callCount(), 0);
});

void test('a cancelled task is never reported', async (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  const fn = t.mock.fn();
  await using rt = Runtime.builder().onTaskError(fn).build();
  rt.spawn(() => sleep(1_000_000)).abort();
  await turns();
  assert.equal(warn.mock.callCount(), 0);
  assert.equal(fn.mock.callCount(), 0);
});

void test("onTaskError 'ignore' reports nothing", async (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  const error = t.mock.method(console, 'error', () => {});
  await using rt = Runtime.builder().onTaskError('ignore').build();
  rt.spawn(failing('ignored'));
  await sleep(5);
  await turns();
  assert.equal(warn.mock.callCount(), 0);
  assert.equal(error.mock.callCount(), 0);
});

void test("onTaskError 'shutdown' shuts the runtime down: other tasks are aborted, later spawns cancelled", async (t) => {
  t.mock.method(console, 'warn', () => {});
  const rt = Runtime.builder().onTaskError('shutdown').build();
  const other = rt.spawn(() => sleep(1_000_000));
  rt.spawn(failing('fatal'));
  await assert.rejects(other, (e: unknown) => e instanceof JoinError && e.isCancelled());
  assert.equal(rt.isShutdown, true);
  await assert.rejects(
    rt.spawn(() => 1),
    (e: unknown) => e instanceof JoinError && e.isCancelled(),
  );
  await rt.shutdown();
});

void test('onTaskError(fn) gets the failed JoinError', async (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  const seen: JoinError[] = [];
  await using rt = Runtime.builder()
    .onTaskError((e) => seen.push(e))
    .build();
  const handle = rt.spawn(failing('to the handler'), { name: 'h' });
  await sleep(5);
  await turns();
  assert.equal(seen.length, 1);
  const e = seen[0]!;
  assert.ok(e instanceof JoinError);
  assert.equal(e.isFailed(), true);
  assert.equal(e.taskId, handle.id);
  assert.equal((e.cause as Error).message, 'to the handler');
  assert.equal(warn.mock.callCount(), 0);
});

void test('an onTaskError handler that throws is reported on stderr, not thrown', async (t) => {
  const error = t.mock.method(console, 'error', () => {});
  await using rt = Runtime.builder()
    .onTaskError(() => {
      throw new Error('handler broke');
    })
    .build();
  rt.spawn(failing('x'));
  await sleep(5);
  await turns();
  assert.equal(error.mock.callCount(), 1);
  assert.match(String(error.mock.calls[0]!.arguments[0]), /handler broke/);
});

void test('an async onTaskError handler that rejects is reported, not an unhandled rejection', async (t) => {
  const error = t.mock.method(console, 'error', () => {});
  await using rt = Runtime.builder()
    .onTaskError((async () => {
      throw new Error('async handler broke');
    }) as never)
    .build();
  rt.spawn(failing('x'));
  await sleep(5);
  await turns();
  assert.equal(error.mock.callCount(), 1);
  assert.match(String(error.mock.calls[0]!.arguments[0]), /async handler broke/);
});
