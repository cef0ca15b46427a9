import '../helpers/guard.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, NodeDownError, CodecError } from '../../src/cluster/index.js';
import { spawnActor, AskTimeoutError, MailboxFullError, type Reply, type Down } from '../../src/actor/index.js';
import { NatsServer, ChildNode, stopAllNodes } from './harness.js';
import { INITIAL_CREDIT } from '../../src/cluster/actor-wire.js';

let nats: NatsServer;
before(async () => {
  nats = await NatsServer.start();
});
after(async () => {
  await stopAllNodes();
  await nats.dispose();
});

const fast = { heartbeatInterval: 200, downAfter: 1000 };
const join = (node: string) => Cluster.join({ servers: nats.url, node, ...fast });

type CounterMsg =
  | { type: 'add'; n: number }
  | { type: 'get'; reply: Reply<number> }
  | { type: 'slow'; ms: number }
  | { type: 'echo'; value: unknown; reply: Reply<unknown> }
  | { type: 'fail' };

test('tell and ask reach an actor in another process, in order', async () => {
  const host = await ChildNode.start(nats.url, 'r1-host', fast);
  await host.call('publishCounter', 'counter-r1');
  await using local = await join('r1-local');
  const counter = local.ref<CounterMsg>('counter-r1');
  for (let i = 1; i <= 100; i++) counter.tell({ type: 'add', n: i });
  assert.equal(await counter.ask<number>((reply) => ({ type: 'get', reply })), 5050);
  const value = { at: new Date(5), tags: new Set(['x']), big: 2n ** 70n, bytes: new Uint8Array([1, 2]) };
  assert.deepEqual(await counter.ask((reply) => ({ type: 'echo', value, reply })), value);
  await host.stop();
});

test('send waits for credit from a full remote mailbox (no unbounded buffer)', async () => {
  await using a = await join('r2-a');
  await using b = await join('r2-b');
  let handled = 0;
  const slow = spawnActor<{ ms: number }, number, []>(
    { mailbox: 2 },
    {
      init: () => 0,
      receive: async (s, m) => {
        await new Promise((r) => setTimeout(r, m.ms));
        handled++;
        return s + 1;
      },
    },
  );
  b.publish('slow-r2', slow);
  const ref = a.ref<{ ms: number }>('slow-r2');
  const t0 = Date.now();
  // 256 in-flight credits + a 2-slot mailbox: the 300th send must wait for the actor.
  for (let i = 0; i < 300; i++) await ref.send({ ms: 0 });
  assert.ok(handled >= 300 - INITIAL_CREDIT - 2 - 1, `only ${handled} handled when the 300th send resolved`);
  assert.ok(Date.now() - t0 >= 0);
  // tell without credit throws MailboxFullError instead of buffering.
  let full = 0;
  for (let i = 0; i < 200; i++) {
    try {
      ref.tell({ ms: 0 });
    } catch (e) {
      assert.ok(e instanceof MailboxFullError);
      full++;
    }
  }
  assert.ok(full > 0, 'tell ran out of credit');
  await slow.stop();
  await ref.stopped();
});

test('an ask that gets no reply rejects with AskTimeoutError', async () => {
  await using a = await join('r3-a');
  const silent = spawnActor<{ reply: Reply<number> }, number, []>({ init: () => 0, receive: (s) => s });
  a.publish('silent-r3', silent);
  const ref = a.ref<{ reply: Reply<number> }>('silent-r3');
  await assert.rejects(
    ref.ask<number>((reply) => ({ reply }), { timeout: 200 }),
    (e: unknown) => e instanceof AskTimeoutError,
  );
  await silent.stop();
});

test('a watcher sees down with the reason when the remote actor stops; later tells throw', async () => {
  const host = await ChildNode.start(nats.url, 'r4-host', fast);
  await host.call('publishCounter', 'counter-r4');
  await using local = await join('r4-local');
  const ref = local.ref<CounterMsg>('counter-r4');
  const downs: Down[] = [];
  const watcher = spawnActor<Down | 'go', number, []>({
    init: (ctx) => {
      ctx.watch(ref);
      return 0;
    },
    receive: (s, m) => {
      if (m !== 'go') downs.push(m);
      return s;
    },
  });
  assert.equal(await ref.ask<number>((reply) => ({ type: 'get', reply })), 0);
  await host.call('stopLocal', 'counter-r4', 'finished');
  assert.equal(await ref.stopped(), 'finished');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(downs.length, 1);
  assert.equal(downs[0]!.reason, 'finished');
  assert.equal(ref.isAlive, false);
  assert.throws(() => ref.tell({ type: 'add', n: 1 }));
  await watcher.stop();
  await host.stop();
});

test('asks to an actor whose node is killed reject with NodeDownError; watchers get down', async () => {
  const host = await ChildNode.start(nats.url, 'r5-host', fast);
  await host.call('publishCounter', 'counter-r5');
  await using local = await join('r5-local');
  const ref = local.ref<CounterMsg>('counter-r5');
  assert.equal(await ref.ask<number>((reply) => ({ type: 'get', reply })), 0);
  const downs: Down[] = [];
  const watcher = spawnActor<Down, number, []>({
    init: (ctx) => {
      ctx.watch(ref);
      return 0;
    },
    receive: (s, m) => {
      downs.push(m);
      return s;
    },
  });
  ref.tell({ type: 'slow', ms: 60_000 });
  const inFlight = ref.ask<number>((reply) => ({ type: 'get', reply }), { timeout: 20_000 });
  await host.kill();
  const t0 = Date.now();
  await assert.rejects(inFlight, (e: unknown) => e instanceof NodeDownError && e.node === 'r5-host');
  assert.ok(Date.now() - t0 < 3000);
  assert.ok((await ref.stopped()) instanceof NodeDownError);
  await assert.rejects(
    ref.ask<number>((reply) => ({ type: 'get', reply })),
    (e: unknown) => e instanceof NodeDownError,
  );
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(downs.length, 1, 'the watcher got one down');
  assert.ok(downs[0]!.reason instanceof NodeDownError);
  await watcher.stop();
});

test('stop() through a ref stops the remote actor', async () => {
  const host = await ChildNode.start(nats.url, 'r6-host', fast);
  await host.call('publishCounter', 'counter-r6');
  await using local = await join('r6-local');
  const ref = local.ref<CounterMsg>('counter-r6');
  await ref.stop('bye');
  assert.equal(await ref.stopped(), 'bye');
  assert.equal(ref.isAlive, false);
  await host.stop();
});

test('a message that cannot cross is refused by tell with CodecError (a TypeError)', async () => {
  await using a = await join('r7-a');
  const ref = a.ref<unknown>('nobody-r7');
  assert.throws(
    () => ref.tell({ f: () => 1 }),
    (e: unknown) => e instanceof CodecError && e instanceof TypeError,
  );
});
