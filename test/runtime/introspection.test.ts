import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime, spawn, sleep, yieldNow, select, type TaskInfo, type JoinHandle } from 'weft';
import { Barrier, Mutex, Notify, RwLock, Semaphore, broadcast, mpsc, oneshot, watch } from 'weft/sync';

/** Lets spawned tasks run until they park. */
async function parkAll(): Promise<void> {
  for (let i = 0; i < 5; i++) await yieldNow();
}

function infoOf(rt: Runtime, name: string): TaskInfo {
  const info = rt.tasks().find((t) => t.name === name);
  assert.ok(info, `task ${name} is listed`);
  return info;
}

/** Spawns `body` as a task named `name`, lets it park, and checks its one wait against the resource named `name`. */
async function expectParked(rt: Runtime, name: string, op: string, kind: string, body: () => Promise<unknown>) {
  const handle = spawn(body, { name });
  await parkAll();
  const info = infoOf(rt, name);
  assert.equal(info.state, 'idle', `${name} is idle`);
  assert.equal(info.waitsOn.length, 1, `${name} waits on one thing`);
  const [wait] = info.waitsOn;
  assert.equal(wait!.op, op);
  const resource = rt.resources().find((r) => r.name === name);
  assert.ok(resource, `resource ${name} is listed`);
  assert.equal(resource.kind, kind);
  assert.equal(wait!.resourceId, resource.id, `${name} waits on resource ${resource.id}`);
  assert.deepEqual(resource.waiters, [info.id]);
  assert.ok(Number.isFinite(wait!.since));
  return { handle, resource, info };
}

void test('a task parked on each kind of primitive reports the op and the resource id it waits on', async () => {
  const rt = Runtime.builder().observe().build();
  await rt.run(async () => {
    const [, rx] = mpsc.channel<number>(2, { name: 'mpsc-rx' });
    const recv = await expectParked(rt, 'mpsc-rx', 'mpsc.recv', 'mpsc', () => rx.recv());
    assert.equal(recv.resource.attributes['capacity'], 2);
    assert.equal(recv.resource.attributes['senders'], 1);
    assert.equal(recv.resource.attributes['closed'], false);
    recv.handle.abort();

    const [tx] = mpsc.channel<number>(1, { name: 'mpsc-tx' });
    tx.trySend(0);
    const send = await expectParked(rt, 'mpsc-tx', 'mpsc.send', 'mpsc', () => tx.send(1));
    assert.equal(send.resource.attributes['length'], 1);
    send.handle.abort();

    const [, orx] = oneshot<number>({ name: 'oneshot' });
    const one = await expectParked(rt, 'oneshot', 'oneshot.recv', 'oneshot', () => orx.recv());
    assert.equal(one.resource.attributes['sent'], false);
    one.handle.abort();

    const mutex = new Mutex(0, { name: 'mutex' });
    const held = await mutex.lock();
    const lock = await expectParked(rt, 'mutex', 'mutex.lock', 'mutex', () => mutex.lock());
    assert.equal(lock.resource.attributes['locked'], true);
    lock.handle.abort();
    held.release();

    const rw = new RwLock(0, { name: 'rwlock' });
    const reader = await rw.read();
    const write = await expectParked(rt, 'rwlock', 'rwlock.write', 'rwlock', () => rw.write());
    write.handle.abort();
    reader.release();
    const writer = await rw.write();
    const read = await expectParked(rt, 'rwlock', 'rwlock.read', 'rwlock', () => rw.read());
    read.handle.abort();
    writer.release();

    const sem = new Semaphore(0, { name: 'semaphore' });
    const acq = await expectParked(rt, 'semaphore', 'semaphore.acquire', 'semaphore', () => sem.acquire(2));
    assert.equal(acq.resource.attributes['permits'], 0);
    assert.equal(acq.resource.attributes['waiting'], 1);
    acq.handle.abort();

    const notify = new Notify({ name: 'notify' });
    (await expectParked(rt, 'notify', 'notify.notified', 'notify', () => notify.notified())).handle.abort();

    const barrier = new Barrier(2, { name: 'barrier' });
    (await expectParked(rt, 'barrier', 'barrier.wait', 'barrier', () => barrier.wait())).handle.abort();

    const [, wrx] = watch(0, { name: 'watch' });
    (await expectParked(rt, 'watch', 'watch.changed', 'watch', () => wrx.changed())).handle.abort();

    const [, brx] = broadcast<number>(4, { name: 'broadcast' });
    (await expectParked(rt, 'broadcast', 'broadcast.recv', 'broadcast', () => brx.recv())).handle.abort();
    await parkAll();
  });
  await rt.shutdown();
});

void test('sleep, join and select show as waits; a sleep is a timer resource with its duration', async () => {
  const rt = Runtime.builder().observe().build();
  await rt.run(async () => {
    const napper = spawn(() => sleep(5_000), { name: 'napper' });
    const joiner = spawn(() => napper, { name: 'joiner' });
    const [, rx] = mpsc.channel<number>(1);
    const selector = spawn(() => select({ msg: rx, nap: (signal) => sleep(9_000, { signal }) }), { name: 'selector' });
    await parkAll();
    const nap = infoOf(rt, 'napper');
    assert.equal(nap.waitsOn[0]!.op, 'sleep');
    const timer = rt.resources().find((r) => r.id === nap.waitsOn[0]!.resourceId);
    assert.equal(timer?.kind, 'timer');
    assert.equal(timer?.attributes['duration'], 5_000);
    const join = infoOf(rt, 'joiner');
    assert.deepEqual(
      join.waitsOn.map((w) => [w.op, w.taskId]),
      [['join', napper.id]],
    );
    assert.ok(infoOf(rt, 'selector').waitsOn.some((w) => w.op === 'select'));
    napper.abort();
    selector.abort();
    await joiner.catch(() => {});
    await selector.catch(() => {});
  });
  await rt.shutdown();
});

void test('tasks() gives parentId, kind, thread, state, outcome and spawn times; finished tasks are retained', async () => {
  const rt = Runtime.builder().observe({ spawnLocation: true }).onTaskError('ignore').build();
  let parentId = 0;
  let child: JoinHandle<number> | undefined;
  await rt.run(async (main) => {
    parentId = main.id;
    const self = rt.tasks().find((t) => t.id === main.id)!;
    assert.equal(self.state, 'running');
    child = spawn(() => 7, { name: 'child' });
    const early = infoOf(rt, 'child');
    assert.equal(early.state, 'scheduled');
    assert.equal(early.parentId, main.id);
    assert.equal(early.kind, 'task');
    assert.equal(early.thread, 0);
    assert.equal(early.outcome, undefined);
    assert.match(early.location!, /introspection\.test\.ts:\d+:\d+$/);
    await child;
    const failing = spawn(
      () => {
        throw new Error('x');
      },
      { name: 'failing' },
    );
    await failing.catch(() => {});
    const cancelled = spawn(() => sleep(60_000), { name: 'cancelled' });
    await parkAll();
    cancelled.abort();
    await cancelled.catch(() => {});
  });
  const all = rt.tasks();
  const done = all.filter((t) => t.state === 'done');
  assert.deepEqual(
    done.map((t) => [t.name, t.outcome]),
    [
      ['child', 'ok'],
      ['failing', 'failed'],
      ['cancelled', 'cancelled'],
      ['main', 'ok'],
    ],
  );
  const c = done[0]!;
  assert.equal(c.parentId, parentId);
  assert.ok(c.endedAt! >= c.spawnedAt);
  assert.equal(c.id, child!.id);
  await rt.shutdown();
});

void test('maxRetained keeps only the newest finished tasks; retain drops them after that many ms', async () => {
  const rt = Runtime.builder().observe({ maxRetained: 3, retain: 1_000 }).startPaused(true).build();
  await rt.run(async () => {
    for (let i = 0; i < 10; i++) await spawn(() => i, { name: `t${i}` });
    assert.deepEqual(
      rt
        .tasks()
        .filter((t) => t.state === 'done')
        .map((t) => t.name),
      ['t7', 't8', 't9'],
    );
    await sleep(1_001);
    assert.deepEqual(
      rt.tasks().filter((t) => t.state === 'done'),
      [],
    );
  });
  await rt.shutdown();
});

void test('without observe(), tasks() lists alive tasks with their waits and retains nothing', async () => {
  const rt = Runtime.builder().build();
  await rt.run(async () => {
    const [, rx] = mpsc.channel<number>(1);
    const h = spawn(() => rx.recv(), { name: 'plain' });
    await parkAll();
    const info = infoOf(rt, 'plain');
    assert.equal(info.waitsOn[0]!.op, 'mpsc.recv');
    assert.equal(typeof info.waitsOn[0]!.resourceId, 'number');
    assert.ok(Number.isNaN(info.spawnedAt));
    assert.deepEqual(rt.resources(), []);
    h.abort();
    await h.catch(() => {});
  });
  assert.deepEqual(rt.tasks(), []);
  await rt.shutdown();
});

void test('onTaskSpawn and onTaskTerminate see each task once, with its outcome at the end', async () => {
  const spawned: string[] = [];
  const ended: string[] = [];
  const rt = Runtime.builder()
    .onTaskSpawn((t) => spawned.push(`${t.name}:${t.state}`))
    .onTaskTerminate((t) => ended.push(`${t.name}:${t.outcome}`))
    .build();
  await rt.run(async () => {
    await spawn(() => 1, { name: 'a' });
    const b = spawn(() => sleep(60_000), { name: 'b' });
    await yieldNow();
    b.abort();
    await b.catch(() => {});
  });
  assert.deepEqual(spawned, ['main:scheduled', 'a:scheduled', 'b:scheduled']);
  assert.deepEqual(ended, ['a:ok', 'b:cancelled', 'main:ok']);
  await rt.shutdown();
});

void test('observe() rejects bad options with ObserveOptionError naming the option', async () => {
  const { ObserveOptionError } = await import('weft');
  const bad: Array<[Record<string, unknown>, string]> = [
    [{ retain: -1 }, 'retain'],
    [{ retain: Number.NaN }, 'retain'],
    [{ maxRetained: 1.5 }, 'maxRetained'],
    [{ maxRetained: -1 }, 'maxRetained'],
    [{ maxRetained: 1e9 }, 'maxRetained'],
    [{ longPoll: 0 }, 'longPoll'],
    [{ longPoll: Infinity }, 'longPoll'],
    [{ taskTimes: 'yes' }, 'taskTimes'],
    [{ spawnLocation: 1 }, 'spawnLocation'],
    [{ tasktimes: true }, 'tasktimes'],
  ];
  for (const [options, option] of bad) {
    assert.throws(
      () => Runtime.builder().observe(options),
      (e: unknown) => e instanceof ObserveOptionError && e.option === option && e.code === 'ERR_OBSERVE_OPTION',
      JSON.stringify(options),
    );
  }
  assert.throws(() => Runtime.builder().observe(null as never), ObserveOptionError);
  assert.throws(() => Runtime.builder().onTaskSpawn(1 as never), TypeError);
  // The bounds themselves are accepted.
  Runtime.builder().observe({ retain: 0, maxRetained: 0, longPoll: 0.001 });
  Runtime.builder().observe({ retain: Infinity, maxRetained: 10_000_000 });
});

void test('dump() draws each task under its parent with what it waits on', async () => {
  const rt = Runtime.builder().observe().build();
  await rt.run(async () => {
    const [, rx] = mpsc.channel<number>(1, { name: 'jobs' });
    let kid: JoinHandle<unknown> | undefined;
    const parent = spawn(
      async () => {
        kid = spawn(() => rx.recv(), { name: 'kid' });
        await kid;
      },
      { name: 'parent' },
    );
    await parkAll();
    const text = rt.dump();
    const lines = text.split('\n');
    assert.match(lines[0]!, /^weft runtime \(current-thread\): 3 alive tasks/);
    const main = lines.findIndex((l) => l.includes('"main"'));
    const p = lines.findIndex((l) => l.includes('"parent"'));
    const k = lines.findIndex((l) => l.includes('"kid"'));
    assert.ok(main >= 1 && p > main && k > p, text);
    assert.match(lines[main]!, /^└─ task \d+ "main" running/);
    assert.match(lines[p]!, /^ {3}└─ task \d+ "parent" idle, waits on join task \d+/);
    assert.match(lines[k]!, /^ {6}└─ task \d+ "kid" idle, waits on mpsc\.recv mpsc#\d+ "jobs" for [\d.]+m?s$/);
    kid!.abort();
    await parent.catch(() => {});
  });
  await rt.shutdown();
});

void test('metrics() of an observing runtime: event-loop delay and utilization, forced yields', async () => {
  const rt = Runtime.builder().observe().build();
  await rt.run(async () => {
    const [tx, rx] = mpsc.channel<number>(1024);
    for (let i = 0; i < 600; i++) {
      await tx.send(i);
      await rx.recv();
    }
    // The delay monitor samples every 10 ms: give it a few samples (longer on a loaded machine).
    for (let i = 0; i < 50 && rt.metrics().eventLoopDelay.max === 0; i++) await new Promise((r) => setTimeout(r, 20));
  });
  const m = rt.metrics();
  assert.ok(m.budgetForcedYields >= 4, `forced yields: ${m.budgetForcedYields}`);
  assert.ok(m.eventLoopUtilization > 0 && m.eventLoopUtilization <= 1);
  assert.ok(m.eventLoopDelay.max >= m.eventLoopDelay.p99 && m.eventLoopDelay.p99 >= m.eventLoopDelay.p50);
  assert.ok(m.eventLoopDelay.p50 > 0, JSON.stringify(m.eventLoopDelay));
  await rt.shutdown();
});

void test('scope, join(), interval and OnceCell waits are named too', async () => {
  const { scope, join, interval, now } = await import('weft');
  const { OnceCell } = await import('weft/sync');
  const rt = Runtime.builder().observe().build();
  await rt.run(async () => {
    const gate = new Notify();
    const inScope = spawn(() => scope(async (s) => void s.spawn(() => gate.notified())), { name: 'scoped' });
    const joined = spawn(() => join(() => gate.notified()), { name: 'joined' });
    const every = interval(60_000, { name: 'ticker', start: now() + 3_600_000 });
    const ticking = spawn(() => every.tick(), { name: 'ticking' });
    const cell = new OnceCell<number>({ name: 'cell' });
    const initialising = spawn(() => cell.getOrInit(() => gate.notified().then(() => 1)), { name: 'init' });
    const waitingOnCell = spawn(() => cell.getOrInit(() => 2), { name: 'second' });
    await parkAll();
    assert.ok(infoOf(rt, 'scoped').waitsOn.some((w) => w.op === 'scope'));
    assert.ok(infoOf(rt, 'joined').waitsOn.some((w) => w.op === 'join'));
    const ticker = rt.resources().find((r) => r.name === 'ticker')!;
    assert.equal(ticker.kind, 'interval');
    assert.equal(ticker.attributes['period'], 60_000);
    assert.deepEqual(
      infoOf(rt, 'ticking').waitsOn.map((w) => [w.op, w.resourceId]),
      [['interval.tick', ticker.id]],
    );
    const c = rt.resources().find((r) => r.name === 'cell')!;
    assert.equal(c.attributes['initializing'], true);
    assert.deepEqual(
      infoOf(rt, 'second').waitsOn.map((w) => [w.op, w.resourceId]),
      [['onceCell.getOrInit', c.id]],
    );
    gate.notifyWaiters();
    await Promise.all([inScope, joined, initialising, waitingOnCell]);
    ticking.abort();
    await ticking.catch(() => {});
    every[Symbol.dispose]();
  });
  await rt.shutdown();
});
