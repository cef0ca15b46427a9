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

/** Calls `step()` until it has made no progress for `quietMs`; returns the total progress. */
async function untilQuiet(step: () => number, quietMs: number): Promise<number> {
  let total = 0;
  let lastProgress = Date.now();
  while (Date.now() - lastProgress < quietMs) {
    const n = step();
    total += n;
    if (n > 0) lastProgress = Date.now();
    await new Promise((r) => setTimeout(r, 20));
  }
  return total;
}

test('credits re-sync after a NATS restart: none leaked or doubled, no value lost or repeated, no sender stuck', async () => {
  await using a = await Cluster.join({ servers: nats.url, node: 'f5-a', ...fast });
  await using b = await Cluster.join({ servers: nats.url, node: 'f5-b', ...fast });

  // A cluster channel streaming through the restart (small capacity: grants fly all the time).
  const capacity = 4;
  const [tx, rxA] = a.channel<number>('f5', { capacity });
  rxA.close();
  const [txB, rx] = b.channel<number>('f5', { capacity });
  txB.close();
  const got: number[] = [];
  const consumer = (async () => {
    while (got.length < 400) got.push((await rx.recv()) as number);
  })();
  const producer = (async () => {
    for (let i = 0; i < 400; i++) {
      await tx.send(i);
      if (i % 4 === 0) await new Promise((r) => setTimeout(r, 2));
    }
  })();

  // A remote actor streaming through the same restart.
  let open: () => void = () => {};
  const gate = new Promise<void>((r) => (open = r));
  const mailbox = 4;
  const actor = spawnActor<'block' | number, number, []>(
    { mailbox },
    {
      init: () => 0,
      receive: async (n, m) => {
        if (m === 'block') await gate;
        return n + 1;
      },
    },
  );
  b.publish('f5-actor', actor);
  const ref = a.ref<'block' | number>('f5-actor');
  const actorStream = (async () => {
    for (let i = 0; i < 1500; i++) await ref.send(i);
  })();

  await new Promise((r) => setTimeout(r, 150));
  await nats.restart(600);
  await producer;
  await consumer;
  await actorStream;
  assert.deepEqual(
    got,
    Array.from({ length: 400 }, (_, i) => i),
    'every channel value once, in order',
  );

  // Channel credits: with the consumer stopped, exactly `capacity` more sends can complete.
  let resolved = 0;
  const more = (async () => {
    for (let i = 0; i < capacity + 3; i++) {
      await tx.send(1000 + i);
      resolved++;
    }
  })();
  let seen = 0;
  await untilQuiet(() => {
    const n = resolved - seen;
    seen = resolved;
    return n;
  }, 1500);
  assert.equal(resolved, capacity, 'the receiver grants exactly its free room, and the sender holds all of it');
  const rest: number[] = [];
  while (rest.length < capacity + 3) rest.push((await rx.recv()) as number);
  await more;
  assert.deepEqual(
    rest,
    Array.from({ length: capacity + 3 }, (_, i) => 1000 + i),
  );
  await new Promise((r) => setTimeout(r, 700)); // re-sends, if any, would arrive now
  assert.equal(rx.tryRecv().state, 'empty', 'nothing delivered twice');
  tx.close();
  rx.close();

  // Actor credits: block the actor, then count what the ref can still put in flight.
  await ref.send('block');
  const accepted = await untilQuiet(() => {
    let n = 0;
    for (;;) {
      try {
        ref.tell(n);
        n++;
      } catch (e) {
        assert.ok(e instanceof MailboxFullError);
        return n;
      }
    }
  }, 1500);
  // Every credit came back after the outage: the full window, plus the mailbox room the host credits.
  assert.equal(accepted, INITIAL_CREDIT + mailbox);
  open();
  await actor.stop();
});
