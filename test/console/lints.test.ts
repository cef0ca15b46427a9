import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Runtime, spawn, sleep } from '../../src/index.js';
import { mpsc, oneshot } from '../../src/sync/index.js';
import { serveConsole } from '../../src/console/index.js';
import { stateUntil, warningsWith } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('WEFT_EVENT_LOOP_BLOCKED: a task that holds the loop for 250 ms is reported with the delay and named', async () => {
  const rt = Runtime.builder().observe({ taskTimes: true }).build();
  await rt.run(async () => {
    await using server = await serveConsole(rt, { port: 0, publishInterval: 50 });
    await sleep(120);
    await spawn(() => busy(250), { name: 'blocker' });
    const state = await stateUntil(server.url, (s) => s.loop.some((x: any) => x.delayMax >= 200));
    const [w] = warningsWith(state, 'WEFT_EVENT_LOOP_BLOCKED');
    assert.ok(w !== undefined, JSON.stringify(state.warnings));
    const ms = Number(/up to ([\d.]+) ms/.exec(w.message)?.[1]);
    assert.ok(ms >= 200, w.message);
    assert.match(w.message, /by task \d+ \(blocker\)/);
    assert.equal(state.tasks.find((t: any) => t.id === w.taskId)?.name, 'blocker');
  });
  await rt.shutdown();
});

/** Makes a oneshot and returns only its receiver: the sender becomes garbage, never closed. */
function orphanedReceiver(): Promise<number> {
  const [tx, rx] = oneshot<number>();
  void tx;
  return rx.recv();
}

function orphanedMpsc(): ReturnType<typeof mpsc.channel<number>>[1] {
  const [tx, rx] = mpsc.channel<number>(1);
  const extra = tx.clone();
  void extra;
  return rx;
}

test('WEFT_LOST_WAKER: a task parked on a channel whose senders were all collected unclosed', async () => {
  const rt = new Runtime();
  await rt.run(async () => {
    await using server = await serveConsole(rt, { port: 0, publishInterval: 30 });
    const [liveTx, liveRx] = mpsc.channel<number>(1);
    const fine = spawn(() => liveRx.recv(), { name: 'has-a-sender' });
    const lost = spawn(() => orphanedReceiver(), { name: 'orphan-oneshot' });
    const rx = orphanedMpsc();
    const lostMpsc = spawn(() => rx.recv(), { name: 'orphan-mpsc' });
    const state = await stateUntil(server.url, (s) => warningsWith(s, 'WEFT_LOST_WAKER').length >= 2, 10_000, gc);
    const named = warningsWith(state, 'WEFT_LOST_WAKER').map(
      (w) => state.tasks.find((t: any) => t.id === w.taskId)?.name,
    );
    assert.deepEqual(named.sort(), ['orphan-mpsc', 'orphan-oneshot']);
    for (const t of [lost, lostMpsc]) t.abort();
    // The task whose sender is alive (and used now) was never flagged.
    assert.equal(liveTx.trySend(1), true);
    assert.equal(await fine, 1);
    await Promise.allSettled([lost, lostMpsc]);
  });
  await rt.shutdown();
});

test('WEFT_UNOBSERVED_FAILURE: a task that failed with nobody awaiting it; an awaited failure is not flagged', async () => {
  const rt = Runtime.builder().onTaskError('ignore').build();
  await rt.run(async () => {
    await using server = await serveConsole(rt, { port: 0, publishInterval: 30 });
    spawn(
      async () => {
        await sleep(1);
        throw new Error('nobody saw this');
      },
      { name: 'forgotten' },
    );
    const watched = spawn(
      async () => {
        throw new Error('seen');
      },
      { name: 'awaited' },
    );
    await assert.rejects(watched);
    const state = await stateUntil(server.url, (s) => warningsWith(s, 'WEFT_UNOBSERVED_FAILURE').length > 0);
    const ws = warningsWith(state, 'WEFT_UNOBSERVED_FAILURE');
    assert.equal(ws.length, 1);
    assert.match(ws[0].message, /forgotten.*nobody saw this/);
  });
  await rt.shutdown();
});

test('WEFT_LONG_POLL: a poll past longPoll; a task of short polls is not flagged', async () => {
  const rt = Runtime.builder().observe({ taskTimes: true, longPoll: 30 }).build();
  await rt.run(async () => {
    await using server = await serveConsole(rt, { port: 0, publishInterval: 30 });
    const slow = spawn(
      async () => {
        await sleep(1);
        busy(60);
        await sleep(1);
      },
      { name: 'slow-parse' },
    );
    const quick = spawn(
      async () => {
        for (let i = 0; i < 5; i++) {
          busy(2);
          await sleep(1);
        }
      },
      { name: 'quick' },
    );
    await Promise.all([slow, quick]);
    const state = await stateUntil(server.url, (s) => warningsWith(s, 'WEFT_LONG_POLL').length > 0);
    const nameOf = (w: any) => state.tasks.find((t: any) => t.id === w.taskId)?.name;
    const warnings = warningsWith(state, 'WEFT_LONG_POLL');
    // Only the two tasks of the test are judged: on a loaded machine the root task's own set-up
    // (binding the console's server) can take longer than 30 ms and is rightly flagged too.
    assert.deepEqual(
      warnings.map(nameOf).filter((n: string) => n === 'slow-parse' || n === 'quick'),
      ['slow-parse'],
    );
    const slowWarning = warnings.find((w: any) => nameOf(w) === 'slow-parse');
    assert.match(slowWarning.message, /1 poll\(s\) longer than 30 ms/);
  });
  await rt.shutdown();
});

test('WEFT_NEVER_YIELDED: a task whose whole life was one long poll', async () => {
  const rt = Runtime.builder().observe({ taskTimes: true, longPoll: 30 }).build();
  await rt.run(async () => {
    await using server = await serveConsole(rt, { port: 0, publishInterval: 30 });
    await spawn(() => busy(60), { name: 'hog' });
    await spawn(
      async () => {
        busy(60);
        await sleep(1); // yields once: long poll, but not "never yielded"
      },
      { name: 'yields-once' },
    );
    const state = await stateUntil(server.url, (s) => warningsWith(s, 'WEFT_NEVER_YIELDED').length > 0);
    const flagged = warningsWith(state, 'WEFT_NEVER_YIELDED').map(
      (w) => state.tasks.find((t: any) => t.id === w.taskId)?.name,
    );
    assert.deepEqual(flagged, ['hog']);
    assert.match(warningsWith(state, 'WEFT_NEVER_YIELDED')[0].message, /never yielded: one poll of \d/);
  });
  await rt.shutdown();
});

test('WEFT_SELF_WAKE: a task that wakes itself on every wait; a task woken by another is not flagged', async () => {
  const rt = Runtime.builder().observe({ taskTimes: true }).build();
  await rt.run(async () => {
    await using server = await serveConsole(rt, { port: 0, publishInterval: 30 });
    const [tx, rx] = mpsc.channel<number>(1);
    await spawn(
      async () => {
        for (let i = 0; i < 20; i++) {
          const next = rx.recv();
          tx.trySend(i); // the task itself settles the wait it is about to park in
          await next;
        }
      },
      { name: 'spinner' },
    );
    const [ptx, prx] = mpsc.channel<number>(1);
    const consumer = spawn(
      async () => {
        while ((await prx.recv()) !== undefined);
      },
      { name: 'consumer' },
    );
    for (let i = 0; i < 20; i++) {
      await ptx.send(i);
      await sleep(1);
    }
    ptx.close();
    await consumer;
    const state = await stateUntil(server.url, (s) => warningsWith(s, 'WEFT_SELF_WAKE').length > 0);
    const ws = warningsWith(state, 'WEFT_SELF_WAKE');
    assert.deepEqual(
      ws.map((w) => state.tasks.find((t: any) => t.id === w.taskId)?.name),
      ['spinner'],
    );
    assert.match(ws[0].message, /woke itself 20 of 20 times \(100%\)/);
  });
  await rt.shutdown();
});
