import '../helpers/guard.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, NodeDownError, decode } from '../../src/cluster/index.js';
import { spawnActor, type ActorRef, type Reply } from '../../src/actor/index.js';
import { NatsServer, ChildNode, stopAllNodes } from './harness.js';
import type { RefMsg } from './fixtures/commands.js';

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

type CounterMsg = { type: 'add'; n: number } | { type: 'get'; reply: Reply<number> };
type Pong = { pong: number; from: string };

/** A local actor that collects what it is told. */
function collector<T>() {
  const got: T[] = [];
  let wake: (() => void) | undefined;
  const ref = spawnActor<T, number, []>({
    init: () => 0,
    receive: (n, msg) => {
      got.push(msg);
      wake?.();
      return n + 1;
    },
  });
  const until = async (count: number) => {
    while (got.length < count) await new Promise<void>((r) => (wake = r));
  };
  return { ref, got, until };
}

test('a local ref in a tell payload works as a reply-to on the other node', async () => {
  const child = await ChildNode.start(nats.url, 'rf1-child', fast);
  await child.call('publishRefActor', 'rf1-actor');
  await using local = await join('rf1-local');
  const remote = local.ref<RefMsg>('rf1-actor');
  const inbox = collector<Pong>();
  // inbox is published nowhere: the child reaches it only through the ref inside the message.
  for (let n = 1; n <= 20; n++) remote.tell({ type: 'ping', n, replyTo: inbox.ref });
  await inbox.until(20);
  assert.deepEqual(
    inbox.got,
    Array.from({ length: 20 }, (_, i) => ({ pong: i + 1, from: 'rf1-child' })),
  );
  await inbox.ref.stop();
  await child.stop();
});

test('a ref in an ask reply is a working remote ref; sent back, it is the local ref again; stop reaches it', async () => {
  const child = await ChildNode.start(nats.url, 'rf2-child', fast);
  await child.call('publishRefActor', 'rf2-actor');
  await using local = await join('rf2-local');
  const remote = local.ref<RefMsg>('rf2-actor');
  const counter = await remote.ask<ActorRef<CounterMsg>>((reply) => ({ type: 'spawn', reply }));
  assert.ok(counter.isAlive);
  counter.tell({ type: 'add', n: 2 });
  await counter.send({ type: 'add', n: 3 });
  assert.equal(await counter.ask<number>((reply) => ({ type: 'get', reply })), 5);
  // Back on its own node, the ref is the child's local ref, not a proxy to itself.
  assert.equal(await remote.ask<boolean>((reply) => ({ type: 'isMine', ref: counter, reply })), true);
  // The child asks through a ref it got from us (ours to its own actor): answered the same.
  assert.equal(await remote.ask<number>((reply) => ({ type: 'askThrough', target: counter, reply })), 5);
  const stopped = counter.stopped();
  await counter.stop('done with it');
  assert.equal(await stopped, 'done with it');
  assert.equal(counter.isAlive, false);
  await child.stop();
});

test('a ref inside a cluster channel value arrives as a working ref', async () => {
  const child = await ChildNode.start(nats.url, 'rf3-child', fast);
  await using local = await join('rf3-local');
  const [tx, rx] = local.channel<{ counter: ActorRef<CounterMsg> }>('rf3', { capacity: 4 });
  tx.close();
  const next = rx.recv();
  await child.call('chanSendRef', 'rf3', 7);
  const v = await next;
  assert.ok(v !== undefined);
  assert.equal(await v.counter.ask<number>((reply) => ({ type: 'get', reply })), 7);
  rx.close();
  await child.call('stopSpawned', 'bye');
  assert.equal(await v.counter.stopped(), 'bye');
  await child.stop();
});

test('a ref to an actor of a killed node is down with NodeDownError, and its asks reject with it', async () => {
  const child = await ChildNode.start(nats.url, 'rf4-child', fast);
  await child.call('publishRefActor', 'rf4-actor');
  await using local = await join('rf4-local');
  const counter = await local.ref<RefMsg>('rf4-actor').ask<ActorRef<CounterMsg>>((reply) => ({ type: 'spawn', reply }));
  assert.equal(await counter.ask<number>((reply) => ({ type: 'get', reply })), 0);
  const stopped = counter.stopped();
  await child.kill();
  assert.ok((await stopped) instanceof NodeDownError);
  await assert.rejects(
    counter.ask<number>((reply) => ({ type: 'get', reply })),
    NodeDownError,
  );
});

test('refs cross in wire version 2 only when a message holds one; stopped and entity refs cross too', async () => {
  await using a = await join('rf5-a');
  await using b = await join('rf5-b');
  const seen: unknown[] = [];
  const probe = spawnActor<{ ref: ActorRef<CounterMsg>; reply: Reply<string> }, number, []>({
    init: () => 0,
    receive: async (n, msg) => {
      seen.push(msg.ref);
      msg.reply.send(String(await msg.ref.stopped()));
      return n;
    },
  });
  b.publish('rf5-probe', probe);
  const gone = spawnActor<CounterMsg, number, []>({ init: () => 0, receive: (s) => s });
  await gone.stop('early');
  // A ref to an actor that stopped before it crossed: the other side finds nobody and sees it stopped.
  const answer = await a
    .ref<{ ref: ActorRef<CounterMsg>; reply: Reply<string> }>('rf5-probe')
    .ask<string>((reply) => ({ ref: gone, reply }), { timeout: 5000 });
  assert.equal(answer, 'noproc');
  // Entities cross as the entity: the other node's ref reaches (and activates) it wherever it lives.
  const cartBehavior = {
    init: () => 0,
    receive: (s: number, m: CounterMsg) => {
      if (m.type === 'add') return s + m.n;
      m.reply.send(s);
      return s;
    },
  };
  const cartA = a.entity<CounterMsg, number>('rf5cart', cartBehavior, { idleTimeout: 60_000 });
  b.entity<CounterMsg, number>('rf5cart', cartBehavior, { idleTimeout: 60_000 });
  await cartA('x').send({ type: 'add', n: 4 });
  // send() resolves once the ref took the message; an ask on the same ref comes after it (one session), so
  // the add has landed before another node's ref asks.
  assert.equal(await cartA('x').ask<number>((reply) => ({ type: 'get', reply })), 4);
  const relay = spawnActor<{ cart: ActorRef<CounterMsg>; reply: Reply<number> }, number, []>({
    init: () => 0,
    receive: async (n, m) => {
      m.reply.send(await m.cart.ask<number>((reply) => ({ type: 'get', reply })));
      return n;
    },
  });
  b.publish('rf5-relay', relay);
  const viaB = await a
    .ref<{ cart: ActorRef<CounterMsg>; reply: Reply<number> }>('rf5-relay')
    .ask<number>((reply) => ({ cart: cartA('x'), reply }));
  assert.equal(viaB, 4);
  await probe.stop();
  await relay.stop();
  assert.equal(seen.length, 1);
  // Wire versions: plain values are version 1, a message with a ref is version 2.
  const { encodeWith, encode } = await import('../../src/cluster/codec.js');
  assert.equal(encode({ a: 1 })[0], 1);
  const hooks = { encode: (v: object) => (v === probe ? { tag: 'ref', data: { n: 'p' } } : undefined) };
  const bytes = encodeWith({ r: probe }, hooks);
  assert.equal(bytes[0], 2);
  assert.throws(() => decode(bytes), /unknown tag "ref"/);
});
