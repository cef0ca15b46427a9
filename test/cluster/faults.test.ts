import '../helpers/guard.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/cluster/index.js';
import { spawnActor, AskTimeoutError, MailboxFullError, type Reply } from '../../src/actor/index.js';
import { NatsServer, ChildNode, stopAllNodes, eventually } from './harness.js';
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
type Get = { reply: Reply<number> };

test('asks during a NATS restart settle within their timeout, and asks work again after it', async () => {
  await using a = await Cluster.join({ servers: nats.url, node: 'f1-a', ...fast });
  await using b = await Cluster.join({ servers: nats.url, node: 'f1-b', ...fast });
  const actor = spawnActor<Get, number, []>({
    init: () => 0,
    receive: (n, m) => {
      m.reply.send(n + 1);
      return n + 1;
    },
  });
  b.publish('f1-counter', actor);
  const ref = a.ref<Get>('f1-counter');
  assert.equal(await ref.ask<number>((reply) => ({ reply })), 1);
  const restart = nats.restart(1500);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = Date.now();
  const during = await Promise.allSettled(
    Array.from({ length: 5 }, () => ref.ask<number>((reply) => ({ reply }), { timeout: 400 })),
  );
  for (const r of during) {
    // Either it waited in the client's reconnect buffer and was answered, or it timed out: nothing hangs.
    if (r.status === 'rejected') assert.ok(r.reason instanceof AskTimeoutError, String(r.reason));
  }
  assert.ok(Date.now() - t0 < 1500, 'every ask settled within its timeout');
  await restart;
  await eventually(
    async () => {
      try {
        return (await ref.ask<number>((reply) => ({ reply }), { timeout: 300 })) > 0;
      } catch {
        return false;
      }
    },
    10_000,
    'asks answered after NATS came back',
  );
  await actor.stop();
});

test('membership rides out a NATS outage longer than downAfter without false downs', async () => {
  await using a = await Cluster.join({ servers: nats.url, node: 'f2-a', ...fast });
  const child = await ChildNode.start(nats.url, 'f2-child', fast);
  await eventually(() => a.members().includes('f2-child'), 3000, 'child up');
  using events = a.memberEvents();
  await nats.restart(1500);
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(a.members(), ['f2-a', 'f2-child']);
  assert.equal(events.tryRecv().state, 'empty', 'no member event during or after the outage');
  // Detection still works after the outage.
  await child.kill();
  assert.deepEqual(await events.recv(), { type: 'down', node: 'f2-child' });
});

test('channel values sent across a NATS restart arrive exactly once, in order', async () => {
  await using a = await Cluster.join({ servers: nats.url, node: 'f3-a', ...fast });
  await using b = await Cluster.join({ servers: nats.url, node: 'f3-b', ...fast });
  const [tx, rxA] = a.channel<number>('f3', { capacity: 16 });
  rxA.close();
  const [txB, rx] = b.channel<number>('f3', { capacity: 16 });
  txB.close();
  const got: number[] = [];
  const consumer = (async () => {
    while (got.length < 300) got.push((await rx.recv()) as number);
  })();
  const producer = (async () => {
    for (let i = 0; i < 300; i++) {
      await tx.send(i);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
  })();
  await new Promise((r) => setTimeout(r, 100));
  await nats.restart(800);
  await producer;
  await consumer;
  assert.deepEqual(
    got,
    Array.from({ length: 300 }, (_, i) => i),
  );
  tx.close();
  rx.close();
});

test('a slow remote actor pushes back: its senders wait and tell refuses, nothing piles up', async () => {
  await using a = await Cluster.join({ servers: nats.url, node: 'f4-a', ...fast });
  await using b = await Cluster.join({ servers: nats.url, node: 'f4-b', ...fast });
  let handled = 0;
  const slow = spawnActor<number, number, []>(
    { mailbox: 4 },
    {
      init: () => 0,
      receive: async (s) => {
        await new Promise((r) => setTimeout(r, 1));
        handled++;
        return s + 1;
      },
    },
  );
  b.publish('f4-slow', slow);
  const refs = [a.ref<number>('f4-slow'), a.ref<number>('f4-slow')];
  let sent = 0;
  let worst = 0;
  await Promise.all(
    refs.map(async (ref) => {
      for (let i = 0; i < 400; i++) {
        await ref.send(i);
        sent++;
        worst = Math.max(worst, sent - handled);
      }
    }),
  );
  // Two sessions of INITIAL_CREDIT each, plus the 4-slot mailbox, plus the one in hand.
  assert.ok(worst <= 2 * INITIAL_CREDIT + 4 + 1, `in flight peaked at ${worst}`);
  let refused = 0;
  for (let i = 0; i < 2 * INITIAL_CREDIT; i++) {
    try {
      refs[0]!.tell(i);
    } catch (e) {
      assert.ok(e instanceof MailboxFullError);
      refused++;
    }
  }
  assert.ok(refused > 0);
  await slow.stop();
});
