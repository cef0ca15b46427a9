import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime, sleep, spawn } from 'weft';
import { pause, resume } from 'weft/testing';
import { RecvError } from 'weft/sync';
import {
  spawnActor,
  deadLetters,
  MailboxFullError,
  ActorStoppedError,
  AskTimeoutError,
  type Reply,
  type Behavior,
} from 'weft/actor';
import { stateOf } from '../helpers/property.js';

type Msg = { type: 'add'; n: number } | { type: 'get'; reply: Reply<number> } | { type: 'slow'; ms: number };

const counter: Behavior<Msg, number, []> = {
  init: () => 0,
  async receive(sum, msg) {
    if (msg.type === 'add') return sum + msg.n;
    if (msg.type === 'get') msg.reply.send(sum);
    else await sleep(msg.ms);
    return sum;
  },
};

void test('receive handles messages one at a time in order and returns the next state', async () => {
  const seen: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const ref = spawnActor({
    init: () => [] as number[],
    async receive(state: number[], n: number) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(0);
      inFlight--;
      seen.push(n);
      return [...state, n];
    },
  });
  for (let i = 0; i < 20; i++) ref.tell(i);
  while (seen.length < 20) await sleep(1);
  await ref.stop();
  assert.deepEqual(seen, [...Array(20).keys()]);
  assert.equal(maxInFlight, 1);
});

void test('init receives the spawn arguments and messages told before init finishes wait', async () => {
  const ref = spawnActor(
    { name: 'acc' },
    {
      async init(_ctx, start: number) {
        await sleep(1);
        return start;
      },
      receive: (s: number, msg: { n: number } | { reply: Reply<number> }) => {
        if ('n' in msg) return s + msg.n;
        msg.reply.send(s);
        return s;
      },
    },
    10,
  );
  assert.equal(ref.name, 'acc');
  ref.tell({ n: 5 });
  assert.equal(await ref.ask<number>((reply) => ({ reply })), 15);
  await ref.stop();
});

void test('tell throws MailboxFullError with the message when the mailbox is full', async () => {
  const ref = spawnActor({ mailbox: 2 }, counter);
  ref.tell({ type: 'slow', ms: 5 });
  ref.tell({ type: 'add', n: 1 });
  const msg: Msg = { type: 'add', n: 2 };
  assert.throws(
    () => ref.tell(msg),
    (e: unknown) => e instanceof MailboxFullError && e.value === msg && e.code === 'ERR_MAILBOX_FULL',
  );
  await ref.stop();
});

void test('tell and send throw ActorStoppedError once the actor is stopped', async () => {
  const ref = spawnActor(counter);
  await ref.stop();
  assert.equal(ref.isAlive, false);
  assert.throws(
    () => ref.tell({ type: 'add', n: 1 }),
    (e: unknown) => e instanceof ActorStoppedError && e.code === 'ERR_ACTOR_STOPPED',
  );
  await assert.rejects(ref.send({ type: 'add', n: 1 }), ActorStoppedError);
});

void test('send waits for room in a full mailbox and resolves once the message is in', async () => {
  const ref = spawnActor({ mailbox: 1 }, counter);
  ref.tell({ type: 'slow', ms: 100 }); // taken at once by the actor (long enough that a loaded machine cannot finish it first)
  await sleep(0);
  ref.tell({ type: 'add', n: 1 }); // fills the mailbox
  const pending = ref.send({ type: 'add', n: 2 });
  assert.equal(await stateOf(pending), 'pending');
  await pending;
  assert.equal(await ref.ask<number>((reply) => ({ type: 'get', reply })), 3);
  await ref.stop();
});

void test('send aborted by its signal delivers nothing', async () => {
  const ref = spawnActor({ mailbox: 1 }, counter);
  ref.tell({ type: 'slow', ms: 100 });
  await sleep(0);
  ref.tell({ type: 'add', n: 1 });
  const ac = new AbortController();
  const pending = ref.send({ type: 'add', n: 100 }, { signal: ac.signal });
  ac.abort(new Error('gave up'));
  await assert.rejects(pending, /gave up/);
  assert.equal(await ref.ask<number>((reply) => ({ type: 'get', reply })), 1);
  await ref.stop();
});

void test('send rejects with ActorStoppedError when the actor stops while it waits', async () => {
  const ref = spawnActor({ mailbox: 1 }, counter);
  ref.tell({ type: 'slow', ms: 100 });
  await sleep(0);
  ref.tell({ type: 'add', n: 1 });
  const pending = ref.send({ type: 'add', n: 2 });
  const stopping = ref.stop();
  await assert.rejects(pending, ActorStoppedError);
  await stopping;
});

void test('ask resolves with the reply', async () => {
  const ref = spawnActor(counter);
  ref.tell({ type: 'add', n: 41 });
  ref.tell({ type: 'add', n: 1 });
  assert.equal(await ref.ask<number>((reply) => ({ type: 'get', reply })), 42);
  await ref.stop();
});

void test('ask rejects with AskTimeoutError after its timeout (5 s by default) on the paused clock', async () => {
  pause();
  try {
    const ref = spawnActor(counter);
    const t0 = performance.now();
    const err = await ref.ask<number>(() => ({ type: 'add', n: 1 })).catch((e: unknown) => e);
    assert.ok(err instanceof AskTimeoutError && err.timeout === 5_000 && err.code === 'ERR_ASK_TIMEOUT');
    assert.ok(performance.now() - t0 < 1_000);
    const err2 = await ref.ask<number>(() => ({ type: 'add', n: 1 }), { timeout: 20 }).catch((e: unknown) => e);
    assert.ok(err2 instanceof AskTimeoutError && err2.timeout === 20);
    await ref.stop();
  } finally {
    resume();
  }
});

void test('ask aborted by its signal rejects with the reason and a late reply is refused', async () => {
  let late: Reply<number> | undefined;
  const ref = spawnActor({ init: () => 0, receive: (s: number, m: { reply: Reply<number> }) => ((late = m.reply), s) });
  const ac = new AbortController();
  const p = ref.ask<number>((reply) => ({ reply }), { signal: ac.signal });
  await sleep(1);
  ac.abort(new Error('not needed'));
  await assert.rejects(p, /not needed/);
  assert.equal(late?.send(1), false);
  await ref.stop();
});

void test('ask is cancelled with its task', async () => {
  const ref = spawnActor({ init: () => 0, receive: (s: number, _m: { reply: Reply<number> }) => s });
  const asker = spawn(() => ref.ask<number>((reply) => ({ reply })));
  await sleep(1);
  asker.abort();
  await assert.rejects(asker, (e: any) => e.isCancelled());
  await ref.stop();
});

void test('ask to a stopped actor rejects with ActorStoppedError; a request left in the mailbox rejects when the actor stops', async () => {
  const ref = spawnActor(counter);
  ref.tell({ type: 'slow', ms: 5 });
  const queued = ref.ask<number>((reply) => ({ type: 'get', reply }));
  await sleep(1);
  await ref.stop();
  await assert.rejects(queued, ActorStoppedError);
  await assert.rejects(
    ref.ask<number>((reply) => ({ type: 'get', reply })),
    ActorStoppedError,
  );
});

void test('ask to an unsupervised actor that fails handling the request rejects with ActorStoppedError at once', async () => {
  const rt = Runtime.builder().onTaskError('ignore').build();
  await rt.run(async () => {
    const ref = spawnActor({
      init: () => 0,
      receive: (): number => {
        throw new Error('cannot');
      },
    });
    const err = await ref.ask<number>((reply) => ({ reply }), { timeout: Infinity }).catch((e: unknown) => e);
    assert.ok(err instanceof ActorStoppedError, String(err));
    assert.ok(!(err instanceof RecvError));
    assert.ok((await ref.stopped()) instanceof Error);
  });
  await rt.shutdown();
});

void test('stop lets the message in hand finish, runs terminate, drops the rest to dead letters', async () => {
  using letters = deadLetters();
  const events: string[] = [];
  const ref = spawnActor({
    init: () => 0,
    async receive(s: number, m: string) {
      events.push(`start ${m}`);
      await sleep(2);
      events.push(`end ${m}`);
      return s + 1;
    },
    terminate(s: number, reason: unknown) {
      events.push(`terminate ${s} ${String(reason)}`);
    },
  });
  ref.tell('a');
  ref.tell('b');
  ref.tell('c');
  await sleep(1);
  const stopping = ref.stop('enough');
  assert.equal(ref.isAlive, false);
  await stopping;
  assert.deepEqual(events, ['start a', 'end a', 'terminate 1 enough']);
  const dropped: unknown[] = [];
  for await (const { msg, ref: from } of letters) {
    assert.equal(from, ref);
    dropped.push(msg);
    if (dropped.length === 2) break;
  }
  assert.deepEqual(dropped, ['b', 'c']);
  assert.equal(await ref.stopped(), 'enough');
});

void test('stopped() resolves with the stop reason; stop() is idempotent and the first reason wins', async () => {
  const ref = spawnActor(counter);
  const stopped = ref.stopped();
  await Promise.all([ref.stop('first'), ref.stop('second')]);
  assert.equal(await stopped, 'first');
  assert.equal(await ref.stopped(), 'first');
  const other = spawnActor(counter);
  await other.stop();
  assert.equal(await other.stopped(), 'normal');
});

void test('an unsupervised failure stops the actor with the error and reports it through onTaskError', async () => {
  const reported: unknown[] = [];
  const rt = Runtime.builder()
    .onTaskError((e) => reported.push(e.cause))
    .build();
  await rt.run(async () => {
    const boom = new Error('boom');
    const ref = spawnActor({
      init: () => 0,
      receive: (): number => {
        throw boom;
      },
    });
    ref.tell(1);
    assert.equal(await ref.stopped(), boom);
    assert.deepEqual(reported, [boom]);
  });
  await rt.shutdown();
});

void test('ctx.signal aborts once the actor has stopped', async () => {
  let signal: AbortSignal | undefined;
  const ref = spawnActor({ init: (ctx) => ((signal = ctx.signal), 0), receive: (s: number) => s });
  await sleep(0);
  assert.equal(signal?.aborted, false);
  await ref.stop('bye');
  assert.equal(signal?.aborted, true);
  assert.equal(signal?.reason, 'bye');
});

void test('runtime shutdown stops its actors', async () => {
  const rt = Runtime.builder().build();
  let ref: ReturnType<typeof spawnActor<Msg, number, []>> | undefined;
  await rt.run(() => {
    ref = spawnActor(counter);
    ref.tell({ type: 'slow', ms: 60_000 });
  });
  await rt.shutdown();
  assert.equal(ref!.isAlive, false);
});

void test('bad arguments throw synchronously', () => {
  assert.throws(() => spawnActor({ mailbox: 0 }, counter), RangeError);
  assert.throws(() => spawnActor({} as never), TypeError);
  assert.throws(() => spawnActor({ receive: () => 0 } as never), TypeError);
  assert.throws(() => spawnActor({ thread: 'gpu' } as never, counter), TypeError);
});

void test('stop during an async init: init finishes, terminate runs, no message is handled', async () => {
  const events: string[] = [];
  const ref = spawnActor({
    async init() {
      await sleep(5);
      events.push('init done');
      return 0;
    },
    receive: (s: number, m: string) => (events.push(`got ${m}`), s),
    terminate: (_s: number, reason: unknown) => void events.push(`terminate ${String(reason)}`),
  });
  ref.tell('early');
  await sleep(1);
  await ref.stop('abort start');
  assert.deepEqual(events, ['init done', 'terminate abort start']);
});

void test('telling undefined is a TypeError (undefined means "closed" to a mailbox)', async () => {
  const ref = spawnActor({ init: () => 0, receive: (s: number, _m: number | undefined) => s });
  assert.throws(() => ref.tell(undefined), TypeError);
  await ref.stop();
});

void test('a brutal shutdown kills an actor stuck in receive: no terminate, its mailbox goes to dead letters', async () => {
  const { supervisor } = await import('weft/actor');
  using letters = deadLetters();
  let terminated = false;
  const sup = supervisor({
    strategy: 'one-for-one',
    children: [
      {
        id: 'stuck',
        shutdown: 'brutal',
        start: () =>
          spawnActor({
            init: () => 0,
            receive: async (s: number, m: string) => {
              if (m === 'hang') await sleep(60_000);
              return s;
            },
            terminate: () => void (terminated = true),
          }),
      },
    ],
  });
  const stuck = sup.ref('stuck')!;
  stuck.tell('hang');
  stuck.tell('queued');
  await sleep(1);
  await sup.stop();
  assert.equal(terminated, false);
  assert.equal(await stuck.stopped(), 'killed');
  for await (const l of letters) {
    assert.equal(l.msg, 'queued');
    break;
  }
});
