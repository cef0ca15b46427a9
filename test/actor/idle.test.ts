import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime, sleep } from 'weft';
import { spawnActor, supervisor, deadLetters, type ActorRef, type Reply } from 'weft/actor';

// An idle actor keeps no suspended async frame: the message that wakes it is
// handled in the receive's reaction while `receive` returns at once, and by a
// new drive of the actor's loop otherwise (local-actor.ts, #serve/#drive).
// These tests wake idle actors into each of those ways on.

/** Lets a freshly told actor drain its mailbox and park again. */
const idle = () => sleep(1);

void test('a burst told to an idle actor is handled in order, past the cooperative budget, and timers still run', async () => {
  const seen: number[] = [];
  const ref = spawnActor({ init: () => 0, receive: (s: number, n: number) => (seen.push(n), s + n) });
  await idle();
  let timerRanAt = -1;
  setTimeout(() => (timerRanAt = seen.length), 0);
  // more than one budget's worth (128): the drive hops to the macrotask queue on the way
  for (let i = 0; i < 1000; i++) ref.tell(i);
  while (seen.length < 1000) await sleep(0);
  assert.deepEqual(seen, [...Array(1000).keys()]);
  assert.ok(timerRanAt >= 0 && timerRanAt < 1000, `a timer ran while the burst was handled (at ${timerRanAt})`);
  await ref.stop();
});

void test('a receive that turns async after the actor was idle keeps the state and the order', async () => {
  const events: string[] = [];
  const ref = spawnActor({
    init: () => 0,
    receive(s: number, m: { n: number; slow?: boolean; reply?: Reply<number> }) {
      if (m.reply !== undefined) return (m.reply.send(s), s);
      events.push(`start ${m.n}`);
      if (m.slow !== true) return s + m.n;
      return sleep(2).then(() => (events.push(`end ${m.n}`), s + m.n));
    },
  });
  await idle();
  ref.tell({ n: 1 });
  ref.tell({ n: 2, slow: true });
  ref.tell({ n: 3 });
  await idle();
  await sleep(5);
  ref.tell({ n: 4, slow: true });
  ref.tell({ n: 5 });
  await sleep(5);
  assert.deepEqual(events, ['start 1', 'start 2', 'end 2', 'start 3', 'start 4', 'end 4', 'start 5']);
  assert.equal(await ref.ask<number>((reply) => ({ n: 0, reply })), 15);
  await ref.stop();
});

void test('a throw from a synchronous receive of an idle actor restarts it under its supervisor; only that message is lost', async () => {
  using letters = deadLetters();
  const handled: string[] = [];
  const inits: number[] = [];
  const sup = supervisor({
    strategy: 'one-for-one',
    children: [
      {
        id: 'w',
        start: () =>
          spawnActor({
            init: () => (inits.push(inits.length), 0),
            receive: (s: number, m: string) => {
              if (m === 'boom') throw new Error('boom');
              handled.push(m);
              return s + 1;
            },
          }),
      },
    ],
  });
  const w = sup.ref('w')!;
  await idle();
  w.tell('a');
  w.tell('boom');
  w.tell('b');
  await idle();
  await sleep(5);
  assert.deepEqual(handled, ['a', 'b']);
  assert.deepEqual(inits, [0, 1]);
  for await (const l of letters) {
    assert.equal(l.msg, 'boom');
    break;
  }
  await sup.stop();
});

void test('unstashAll in a synchronous receive of an idle actor puts the stash ahead of what the mailbox holds', async () => {
  const handled: string[] = [];
  const ref = spawnActor({
    init: () => false,
    receive: (open: boolean, m: string, ctx) => {
      if (m === 'open') {
        ctx.unstashAll();
        return true;
      }
      if (!open) {
        ctx.stash(m);
        return open;
      }
      handled.push(m);
      return open;
    },
  });
  await idle();
  ref.tell('x');
  ref.tell('y');
  await idle();
  ref.tell('open');
  ref.tell('z');
  await idle();
  assert.deepEqual(handled, ['x', 'y', 'z']);
  await ref.stop();
});

void test('an idle actor is listed as parked on its mailbox receive, and a runtime shutdown still ends it', async () => {
  const rt = Runtime.builder().observe().build();
  let terminated: unknown = 'not yet';
  let ref!: ActorRef<string>;
  await rt.run(async () => {
    ref = spawnActor(
      { name: 'sleeper' },
      { init: () => 0, receive: (s: number) => s, terminate: (_s, r) => void (terminated = r) },
    );
    ref.tell('one');
    await idle();
    const mailbox = rt.resources().find((r) => r.kind === 'mpsc' && r.name === 'mailbox of actor sleeper');
    assert.ok(mailbox, 'the mailbox is a resource');
    const task = rt.tasks().find((t) => t.name === 'actor sleeper');
    assert.ok(task, 'the actor task is alive');
    assert.notEqual(task.state, 'done');
    assert.deepEqual(
      task.waitsOn.map((w) => [w.op, w.resourceId]),
      [['mpsc.recv', mailbox.id]],
    );
  });
  await rt.shutdown();
  assert.equal(await ref.stopped(), 'shutdown');
  assert.equal(terminated, 'not yet', 'an aborted actor does not run terminate');
  assert.equal(ref.isAlive, false);
});
