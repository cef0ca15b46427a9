import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime, spawn, sleep, yieldNow } from 'weft';
import { mpsc } from 'weft/sync';

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

void test('taskTimes: polls, busy, idle and scheduled time, wakes and long polls of one task', async () => {
  const rt = Runtime.builder().observe({ taskTimes: true, longPoll: 30 }).build();
  await rt.run(async () => {
    const h = spawn(
      async () => {
        spin(5); // poll 1
        await sleep(20); // idle ~20 ms
        spin(40); // poll 2: long
        await sleep(1); // idle
        return 1; // poll 3
      },
      { name: 'worker' },
    );
    await h;
    const info = rt.tasks().find((t) => t.name === 'worker')!;
    assert.equal(info.state, 'done');
    assert.equal(info.polls, 3);
    assert.equal(info.wakes, 2);
    assert.equal(info.selfWakes, 0);
    // The 40 ms poll is long; on a loaded machine a short one may be too (wall time).
    assert.ok(info.longPolls >= 1 && info.longPolls <= 3, `long polls ${info.longPolls}`);
    assert.ok(info.busyMs >= 45, `busy ${info.busyMs}`);
    assert.ok(info.idleMs >= 19, `idle ${info.idleMs}`);
    assert.ok(info.scheduledMs >= 0, `scheduled ${info.scheduledMs}`);
    // Everything between spawn and end is accounted for once: busy + idle + scheduled fits in the lifetime.
    const life = info.endedAt! - info.spawnedAt;
    assert.ok(
      info.busyMs + info.idleMs + info.scheduledMs <= life + 2,
      `${info.busyMs}+${info.idleMs}+${info.scheduledMs} vs ${life}`,
    );
  });
  const m = rt.metrics();
  assert.ok(m.pollCount >= 3 + 2, `pollCount ${m.pollCount}`); // main's polls too
  assert.ok(m.longPollCount >= 1);
  const total = (h: { counts: number[] }) => h.counts.reduce((a, b) => a + b, 0);
  assert.equal(total(m.pollTimeHistogram), m.pollCount);
  assert.ok(total(m.scheduledDelayHistogram) >= 4);
  // The 40 ms poll lands in the bucket bounded by 50 ms (or a later one, on a loaded machine).
  const i50 = m.pollTimeHistogram.bounds.indexOf(50);
  assert.ok(m.pollTimeHistogram.counts.slice(i50).reduce((a, b) => a + b, 0) >= 1);
  await rt.shutdown();
});

void test('taskTimes: a task that settles its own wait counts a self-wake', async () => {
  const rt = Runtime.builder().observe({ taskTimes: true }).build();
  await rt.run(async () => {
    const [tx, rx] = mpsc.channel<number>(1);
    const h = spawn(
      async () => {
        const p = rx.recv();
        tx.trySend(1); // this task wakes itself
        await p;
      },
      { name: 'self' },
    );
    await h;
    const info = rt.tasks().find((t) => t.name === 'self')!;
    assert.equal(info.wakes, 1);
    assert.equal(info.selfWakes, 1);
  });
  await rt.shutdown();
});

void test('taskTimes: a woken task is scheduled until it runs; parked it is idle', async () => {
  const rt = Runtime.builder().observe({ taskTimes: true }).build();
  await rt.run(async () => {
    const [tx, rx] = mpsc.channel<number>(1);
    const h = spawn(() => rx.recv(), { name: 'rx' });
    await yieldNow();
    const state = () => rt.tasks().find((t) => t.name === 'rx')!.state;
    assert.equal(state(), 'idle');
    tx.trySend(1);
    assert.equal(state(), 'scheduled');
    await h;
    assert.equal(state(), 'done');
  });
  await rt.shutdown();
});

void test('without taskTimes the time figures stay 0', async () => {
  const rt = Runtime.builder().observe().build();
  await rt.run(async () => {
    await spawn(() => sleep(2), { name: 'plain' });
    const info = rt.tasks().find((t) => t.name === 'plain')!;
    assert.deepEqual(
      [info.polls, info.busyMs, info.idleMs, info.scheduledMs, info.wakes, info.longPolls],
      [0, 0, 0, 0, 0, 0],
    );
  });
  assert.equal(rt.metrics().pollCount, 0);
  await rt.shutdown();
});

void test('taskTimes: polls on one thread do not overlap (a batch of spawned tasks is charged at most its wall time)', async () => {
  const rt = Runtime.builder().observe({ taskTimes: true }).build();
  await rt.run(async () => {
    const n = 500;
    const t0 = performance.now();
    const hs = [];
    for (let i = 0; i < n; i++) hs.push(spawn(async () => i, { name: `b${i}` }));
    for (const h of hs) await h;
    const wall = performance.now() - t0;
    const batch = rt.tasks().filter((t) => t.name?.startsWith('b'));
    assert.equal(batch.length, n);
    for (const t of batch) assert.equal(t.polls, 1, `${t.name}: ${t.polls} polls`);
    // Before the open poll was ended by the next one, each async body's poll ran
    // on until its completion reaction, across the polls of all the others:
    // the busy times summed to about n / 2 times the wall time.
    const busy = batch.reduce((s, t) => s + t.busyMs, 0);
    assert.ok(busy <= wall, `busy ${busy.toFixed(2)} ms in ${wall.toFixed(2)} ms of wall time`);
    for (const t of batch) assert.ok(t.busyMs + t.scheduledMs + t.idleMs <= t.endedAt! - t.spawnedAt + 1);
  });
  await rt.shutdown();
});

void test('taskTimes: a task awaiting a promise weft does not see stops being busy when another task runs', async () => {
  const rt = Runtime.builder().observe({ taskTimes: true }).build();
  await rt.run(async () => {
    const foreign = spawn(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 40)); // not a weft wait
      },
      { name: 'foreign' },
    );
    await yieldNow();
    await spawn(() => sleep(5), { name: 'other' }); // its polls end the open one
    await foreign;
    const info = rt.tasks().find((t) => t.name === 'foreign')!;
    assert.ok(info.busyMs < 20, `busy ${info.busyMs} ms across a 40 ms foreign await`);
  });
  await rt.shutdown();
});
