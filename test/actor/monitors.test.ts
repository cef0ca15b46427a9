import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime, sleep } from 'weft';
import { spawnActor, supervisor, registry, deadLetters, type Down, type Reply, type ActorRef } from 'weft/actor';

const idle = {
  init: () => 0,
  receive: (s: number, m: 'crash' | 'stop'): number => {
    if (m === 'crash') throw new Error('crashed');
    return s;
  },
};

async function quiet(body: () => Promise<void>): Promise<void> {
  const rt = Runtime.builder().onTaskError('ignore').build();
  try {
    await rt.run(body);
  } finally {
    await rt.shutdown();
  }
}

type WatcherMsg =
  | Down
  | { type: 'watch'; ref: ActorRef<any> }
  | { type: 'unwatch'; ref: ActorRef<any> }
  | { type: 'downs'; reply: Reply<Down[]> };

function watcher(): ActorRef<WatcherMsg> {
  return spawnActor({
    init: () => [] as Down[],
    receive: (downs: Down[], msg: WatcherMsg, ctx) => {
      if (msg.type === 'watch') ctx.watch(msg.ref);
      else if (msg.type === 'unwatch') ctx.unwatch(msg.ref);
      else if (msg.type === 'down') return [...downs, msg];
      else msg.reply.send(downs);
      return downs;
    },
  });
}

const downsOf = (w: ActorRef<WatcherMsg>) => w.ask<Down[]>((reply) => ({ type: 'downs', reply }));

void test('watch: the watcher receives { type: "down", ref, reason } when the watched actor stops', async () => {
  const w = watcher();
  const target = spawnActor(idle);
  w.tell({ type: 'watch', ref: target });
  await downsOf(w);
  await target.stop('bye');
  await sleep(1);
  const downs = await downsOf(w);
  assert.equal(downs.length, 1);
  assert.equal(downs[0]!.ref, target);
  assert.equal(downs[0]!.reason, 'bye');
  await w.stop();
});

void test('watch of an actor that already stopped delivers down at once; watching twice delivers once', async () => {
  const w = watcher();
  const target = spawnActor(idle);
  await target.stop('early');
  w.tell({ type: 'watch', ref: target });
  w.tell({ type: 'watch', ref: target });
  await sleep(1);
  const downs = await downsOf(w);
  assert.deepEqual(
    downs.map((d) => d.reason),
    ['early'],
  );
  await w.stop();
});

void test('watch reports the failure of an unsupervised actor as the reason; unwatch cancels', async () => {
  await quiet(async () => {
    const w = watcher();
    const a = spawnActor(idle);
    const b = spawnActor(idle);
    w.tell({ type: 'watch', ref: a });
    w.tell({ type: 'watch', ref: b });
    w.tell({ type: 'unwatch', ref: b });
    await downsOf(w);
    a.tell('crash');
    b.tell('crash');
    await a.stopped();
    await b.stopped();
    await sleep(1);
    const downs = await downsOf(w);
    assert.equal(downs.length, 1);
    assert.equal(downs[0]!.ref, a);
    assert.equal((downs[0]!.reason as Error).message, 'crashed');
    await w.stop();
  });
});

void test('a restart by a supervisor is not a stop: no down is delivered', async () => {
  await quiet(async () => {
    const w = watcher();
    const sup = supervisor({ strategy: 'one-for-one', children: [{ id: 'c', start: () => spawnActor(idle) }] });
    const c = sup.ref('c')!;
    w.tell({ type: 'watch', ref: c });
    await downsOf(w);
    c.tell('crash');
    await sleep(5);
    assert.equal(sup.restarts, 1);
    assert.deepEqual(await downsOf(w), []);
    await sup.stop();
    await sleep(1);
    assert.deepEqual(
      (await downsOf(w)).map((d) => d.reason),
      ['shutdown'],
    );
    await w.stop();
  });
});

void test('link: a failure of either stops the other with the same reason, both ways', async () => {
  await quiet(async () => {
    for (const failing of [0, 1]) {
      const a = spawnActor(idle);
      const b = spawnActor({ init: (ctx) => (ctx.link(a), 0), receive: idle.receive });
      await sleep(1);
      const pair = [a, b];
      pair[failing]!.tell('crash');
      const reasons = await Promise.all(pair.map((r) => r.stopped()));
      assert.ok(reasons[0] instanceof Error && reasons[0] === reasons[1], `failing ${failing}`);
      assert.equal((reasons[0] as Error).message, 'crashed');
    }
  });
});

void test('link: a normal stop does not propagate', async () => {
  const a = spawnActor(idle);
  const b = spawnActor({ init: (ctx) => (ctx.link(a), 0), receive: idle.receive });
  await sleep(1);
  await a.stop();
  await sleep(1);
  assert.equal(b.isAlive, true);
  await b.stop();
});

void test('link: a supervised actor failed through a link is restarted by its supervisor', async () => {
  await quiet(async () => {
    const loner = spawnActor(idle);
    let inits = 0;
    const sup = supervisor({
      strategy: 'one-for-one',
      children: [
        {
          id: 'l',
          start: () => spawnActor({ init: (ctx) => (inits++ === 0 && ctx.link(loner), 0), receive: idle.receive }),
        },
      ],
    });
    await sleep(1);
    loner.tell('crash');
    await loner.stopped();
    await sleep(5);
    assert.equal(inits, 2);
    assert.equal(sup.restarts, 1);
    assert.equal(sup.ref('l')!.isAlive, true);
    await sup.stop();
  });
});

void test('stash sets messages aside; unstashAll puts them back before the mailbox, in order', async () => {
  type M = { type: 'open' } | { type: 'item'; v: number } | { type: 'get'; reply: Reply<number[]> };
  const ref = spawnActor({
    init: () => ({ open: false, items: [] as number[] }),
    receive: (s: { open: boolean; items: number[] }, m: M, ctx) => {
      if (m.type === 'open') {
        ctx.unstashAll();
        return { ...s, open: true };
      }
      if (!s.open) {
        ctx.stash(m);
        return s;
      }
      if (m.type === 'item') return { ...s, items: [...s.items, m.v] };
      m.reply.send(s.items);
      return s;
    },
  });
  ref.tell({ type: 'item', v: 1 });
  ref.tell({ type: 'item', v: 2 });
  const got = ref.ask<number[]>((reply) => ({ type: 'get', reply }));
  ref.tell({ type: 'open' });
  ref.tell({ type: 'item', v: 3 });
  assert.deepEqual(await got, [1, 2]);
  assert.deepEqual(await ref.ask<number[]>((reply) => ({ type: 'get', reply })), [1, 2, 3]);
  await ref.stop();
});

void test('stashed messages go to dead letters when the actor stops', async () => {
  using letters = deadLetters();
  const ref = spawnActor({ init: () => 0, receive: (s: number, m: string, ctx) => (ctx.stash(m), s) });
  ref.tell('kept aside');
  await sleep(1);
  await ref.stop();
  for await (const l of letters) {
    assert.equal(l.msg, 'kept aside');
    break;
  }
});

void test('registry: register, whereis, unregister; a name is freed when its actor stops', async () => {
  const reg = registry();
  const a = spawnActor(idle);
  reg.register('svc', a);
  assert.equal(reg.whereis('svc'), a);
  const b = spawnActor(idle);
  assert.throws(() => reg.register('svc', b), RangeError);
  reg.unregister('svc');
  assert.equal(reg.whereis('svc'), undefined);
  reg.register('svc', b);
  await b.stop();
  assert.equal(reg.whereis('svc'), undefined);
  reg.register('svc', a);
  assert.equal(reg.whereis('svc'), a);
  await a.stop();
  assert.throws(() => reg.register('', a), TypeError);
});

void test('registry is per runtime', async () => {
  const a = spawnActor(idle);
  registry().register('mine', a);
  const rt = Runtime.builder().build();
  await rt.run(() => assert.equal(registry().whereis('mine'), undefined));
  await rt.shutdown();
  assert.equal(registry().whereis('mine'), a);
  await a.stop();
});

void test('deadLetters: each subscription sees letters after it subscribed; disposing ends its iteration', async () => {
  const ref = spawnActor({ init: () => 0, receive: async (s: number, _m: string) => (await sleep(5), s) });
  const early = deadLetters();
  ref.tell('handled');
  ref.tell('dropped 1');
  ref.tell('dropped 2');
  await sleep(1);
  await ref.stop();
  const late = deadLetters();
  const seen: unknown[] = [];
  const reading = (async () => {
    for await (const l of early) seen.push(l.msg);
  })();
  await sleep(1);
  early[Symbol.dispose]();
  await reading;
  assert.deepEqual(seen, ['dropped 1', 'dropped 2']);
  assert.equal(early.dropped, 0);
  late[Symbol.dispose]();
  const lateSeen: unknown[] = [];
  for await (const l of late) lateSeen.push(l);
  assert.deepEqual(lateSeen, []);
});
