import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { Runtime } from 'weft';

void test('Runtime.builder() builds a Runtime; every option method chains', async () => {
  const builder = Runtime.builder();
  assert.equal(builder.currentThread(), builder);
  assert.equal(builder.workerThreads(2), builder);
  assert.equal(builder.maxBlockingThreads(3), builder);
  assert.equal(builder.threadKeepAlive(500), builder);
  assert.equal(builder.threadName('w'), builder);
  assert.equal(builder.startPaused(false), builder);
  assert.equal(builder.seed(1), builder);
  assert.equal(builder.onTaskError('ignore'), builder);
  assert.equal(builder.multiThread(), builder);
  const rt = builder.build();
  assert.ok(rt instanceof Runtime);
  assert.deepEqual(
    { ...rt.options },
    {
      flavor: 'multi-thread',
      workerThreads: 2,
      maxBlockingThreads: 3,
      threadKeepAlive: 500,
      threadName: 'w',
      startPaused: false,
      seed: 1,
      onTaskError: 'ignore',
      observe: undefined,
      onTaskSpawn: undefined,
      onTaskTerminate: undefined,
    },
  );
  await rt.shutdown();
});

void test('defaults: current-thread, workers = availableParallelism, keep-alive 10 s, warn on task errors', async () => {
  const rt = Runtime.builder().build();
  assert.equal(rt.options.flavor, 'current-thread');
  assert.equal(rt.options.workerThreads, availableParallelism());
  assert.equal(rt.options.maxBlockingThreads, Math.max(4, availableParallelism()));
  assert.equal(rt.options.threadKeepAlive, 10_000);
  assert.equal(rt.options.threadName, 'weft-worker');
  assert.equal(rt.options.startPaused, false);
  assert.equal(rt.options.seed, undefined);
  assert.equal(rt.options.onTaskError, 'warn');
  await rt.shutdown();
});

void test('each build() gets its own options: later builder calls do not change a built runtime', async () => {
  const builder = Runtime.builder().seed(5);
  const a = builder.build();
  builder.seed(6);
  const b = builder.build();
  assert.equal(a.options.seed, 5);
  assert.equal(b.options.seed, 6);
  assert.ok(Object.isFrozen(a.options));
  await a.shutdown();
  await b.shutdown();
});

void test('workerThreads / maxBlockingThreads: integers 1-1024, else RangeError; non-numbers TypeError', () => {
  for (const method of ['workerThreads', 'maxBlockingThreads'] as const) {
    for (const bad of [0, -1, 1.5, 1025, NaN, Infinity]) {
      assert.throws(() => Runtime.builder()[method](bad), {
        name: 'RangeError',
        message: new RegExp(`Builder.${method}: n must be an integer from 1 to 1024`),
      });
    }
    assert.throws(() => Runtime.builder()[method]('2' as never), { name: 'TypeError' });
    Runtime.builder()[method](1)[method](1024);
  }
});

void test('threadKeepAlive: ms >= 0 or Infinity, else RangeError/TypeError', () => {
  Runtime.builder().threadKeepAlive(0).threadKeepAlive(Infinity).threadKeepAlive(1.5);
  assert.throws(() => Runtime.builder().threadKeepAlive(-1), {
    name: 'RangeError',
    message: /Builder.threadKeepAlive/,
  });
  assert.throws(() => Runtime.builder().threadKeepAlive(NaN), RangeError);
  assert.throws(() => Runtime.builder().threadKeepAlive('1' as never), TypeError);
});

void test('threadName: a non-empty string, else TypeError', () => {
  assert.throws(() => Runtime.builder().threadName(''), { name: 'TypeError', message: /non-empty string/ });
  assert.throws(() => Runtime.builder().threadName(5 as never), TypeError);
});

void test('startPaused: a boolean, else TypeError', () => {
  assert.throws(() => Runtime.builder().startPaused('yes' as never), { name: 'TypeError', message: /boolean/ });
  assert.throws(() => Runtime.builder().startPaused(undefined as never), TypeError);
});

void test('seed: an integer 0 to 2^32-1, else RangeError/TypeError', () => {
  Runtime.builder()
    .seed(0)
    .seed(2 ** 32 - 1);
  for (const bad of [-1, 2 ** 32, 0.5, NaN])
    assert.throws(() => Runtime.builder().seed(bad), { name: 'RangeError', message: /Builder.seed/ });
  assert.throws(() => Runtime.builder().seed('1' as never), TypeError);
});

void test("onTaskError: 'warn' | 'ignore' | 'shutdown' | a function, else TypeError", () => {
  Runtime.builder()
    .onTaskError('warn')
    .onTaskError('ignore')
    .onTaskError('shutdown')
    .onTaskError(() => {});
  for (const bad of ['log', '', null, 5]) {
    assert.throws(() => Runtime.builder().onTaskError(bad as never), {
      name: 'TypeError',
      message: /Builder.onTaskError/,
    });
  }
});
