import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime, spawn, sleep, yieldNow } from 'weft';

void test('metrics() of a fresh runtime: zero counters, current-thread flavor, no workers', async () => {
  await using rt = Runtime.builder().build();
  const { eventLoopDelay, eventLoopUtilization, pollTimeHistogram, scheduledDelayHistogram, ...counters } =
    rt.metrics();
  assert.ok(eventLoopUtilization >= 0 && eventLoopUtilization <= 1);
  assert.deepEqual(eventLoopDelay, { p50: 0, p99: 0, max: 0 }); // not observing: no delay monitor
  assert.equal(pollTimeHistogram.counts.length, pollTimeHistogram.bounds.length + 1);
  assert.ok(scheduledDelayHistogram.counts.every((c) => c === 0));
  assert.deepEqual(counters, {
    flavor: 'current-thread',
    workers: 0,
    aliveTasks: 0,
    spawnedTasks: 0,
    completedTasks: 0,
    failedTasks: 0,
    cancelledTasks: 0,
    blockingThreads: 0,
    idleBlockingThreads: 0,
    blockingQueueDepth: 0,
    pollCount: 0,
    longPollCount: 0,
    budgetForcedYields: 0,
    perWorker: [],
  });
});

void test('metrics() counts spawned, alive, completed, failed and cancelled tasks', async () => {
  await using rt = Runtime.builder().onTaskError('ignore').build();
  const ok = rt.spawn(() => 1);
  const bad = rt.spawn(() => {
    throw new Error('x');
  });
  const slow = rt.spawn(() => sleep(1_000_000));
  const cleanupThrows = rt.spawn(async () => {
    try {
      await sleep(1_000_000);
    } finally {
      throw new Error('cleanup');
    }
  });
  let m = rt.metrics();
  assert.equal(m.spawnedTasks, 4);
  assert.equal(m.aliveTasks, 4);
  await ok;
  await bad.catch(() => {});
  await yieldNow();
  m = rt.metrics();
  assert.equal(m.completedTasks, 1);
  assert.equal(m.failedTasks, 1);
  assert.equal(m.aliveTasks, 2);
  slow.abort();
  cleanupThrows.abort();
  await Promise.allSettled([slow, cleanupThrows]);
  m = rt.metrics();
  assert.equal(m.cancelledTasks, 1);
  assert.equal(m.failedTasks, 2, 'cleanup that throws during abort counts as failed');
  assert.equal(m.aliveTasks, 0);
  assert.equal(m.spawnedTasks, m.completedTasks + m.failedTasks + m.cancelledTasks);
});

void test('metrics() counts the root task of run() and what it spawns', async () => {
  await using rt = Runtime.builder().build();
  await rt.run(async () => {
    await Promise.all([spawn(() => 1), spawn(() => 2)]);
    spawn(() => sleep(1_000_000)); // aborted when main returns
  });
  const m = rt.metrics();
  assert.equal(m.spawnedTasks, 4);
  assert.equal(m.completedTasks, 3);
  assert.equal(m.cancelledTasks, 1);
  assert.equal(m.aliveTasks, 0);
});

void test('metrics() of a multi-thread runtime reports its flavor and worker count', async () => {
  await using rt = Runtime.builder().multiThread().workerThreads(3).build();
  const m = rt.metrics();
  assert.equal(m.flavor, 'multi-thread');
  assert.equal(m.workers, 3);
});

void test('metrics() returns a snapshot, not a live view', async () => {
  await using rt = Runtime.builder().build();
  const before = rt.metrics();
  await rt.spawn(() => 1);
  assert.equal(before.spawnedTasks, 0);
  assert.equal(rt.metrics().spawnedTasks, 1);
});
