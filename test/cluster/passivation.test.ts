import '../helpers/guard.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Cluster } from '../../src/cluster/index.js';
import { deadLetters } from '../../src/actor/index.js';
import { NatsServer, ChildNode, stopAllNodes, eventually } from './harness.js';
import { tallyBehavior, type TallyMsg } from './fixtures/commands.js';

// Passivation must lose nothing: a message that reaches an activation as it
// passivates is delivered, once, to it or to the next activation.

let nats: NatsServer;
before(async () => {
  nats = await NatsServer.start();
});
after(async () => {
  await stopAllNodes();
  await nats.dispose();
});

const opts = { heartbeatInterval: 200, downAfter: 1000, leaseTtl: 3000 };
type Event = { kind: string; id: string; item?: string; node: string; at: number };

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every item delivered exactly once, and activations of `id` that never overlap in time. */
function assertExactlyOnce(events: readonly Event[], id: string, items: readonly string[]): void {
  const got = events.filter((e) => e.kind === 'got' && e.id === id).map((e) => e.item!);
  const counts = new Map<string, number>();
  for (const g of got) counts.set(g, (counts.get(g) ?? 0) + 1);
  const missing = items.filter((i) => !counts.has(i));
  const twice = [...counts].filter(([, n]) => n > 1).map(([i]) => i);
  assert.deepEqual({ missing, twice }, { missing: [], twice: [] }, `entity ${id}: ${got.length} deliveries`);
  const life = events.filter((e) => (e.kind === 'activate' || e.kind === 'passivate') && e.id === id);
  life.sort((x, y) => x.at - y.at || (x.kind === 'passivate' ? -1 : 1));
  let open = 0;
  for (const e of life) {
    open += e.kind === 'activate' ? 1 : -1;
    assert.ok(open <= 1, `entity ${id}: two activations at once (${JSON.stringify(life)})`);
  }
}

function stamped(events: Event[]): (e: unknown) => void {
  return (e) => events.push({ ...(e as Event), at: Date.now() });
}

test('messages queued behind a long receive are not dropped when the idle timer fires', async () => {
  await using local = await Cluster.join({ servers: nats.url, node: 'p1-local', ...opts });
  const events: Event[] = [];
  const tally = local.entity('tally', tallyBehavior('p1-local', stamped(events)), { idleTimeout: 40 });
  const ref = tally('slow');
  ref.tell({ type: 'slow', item: 's', ms: 150 });
  const items = ['s'];
  for (let i = 0; i < 5; i++) {
    ref.tell({ type: 'add', item: `a${i}` });
    items.push(`a${i}`);
  }
  await eventually(() => events.filter((e) => e.kind === 'passivate').length >= 1, 5000, 'passivated at last');
  await pause(50);
  assertExactlyOnce(events, 'slow', items);
});

test('tells, sends and asks from two nodes racing passivation all arrive exactly once', async () => {
  const child = await ChildNode.start(nats.url, 'p2-child', opts);
  await using local = await Cluster.join({ servers: nats.url, node: 'p2-local', ...opts });
  const events: Event[] = [];
  const tally = local.entity('tally', tallyBehavior('p2-local', stamped(events)), { idleTimeout: 30 });
  await child.call('declareTally', 30);
  const ref = tally('race');
  const items: string[] = [];
  const asks: Promise<string>[] = [];
  const remote = child.call('tallyStream', 'race', 'c', 120, 60);
  for (let i = 0; i < 120; i++) {
    const item = `l${i}`;
    items.push(item, `c${i}`);
    if (i % 3 === 0) ref.tell({ type: 'add', item });
    else if (i % 3 === 1) await ref.send({ type: 'add', item });
    else asks.push(ref.ask<string>((reply) => ({ type: 'ask', item, reply }), { timeout: 20_000 }));
    await pause(Math.floor(Math.random() * 61));
  }
  assert.equal(await remote, 40, 'every ask of the child node was answered');
  const answers = await Promise.all(asks);
  assert.deepEqual(
    answers,
    items.filter((x, i) => i % 2 === 0 && Number(x.slice(1)) % 3 === 2),
  );
  const all = (): Event[] => [...events, ...(child.events as Event[])];
  await eventually(
    () => all().filter((e) => e.kind === 'got' && e.id === 'race').length >= items.length,
    10_000,
    'all delivered',
  );
  await pause(100);
  assertExactlyOnce(all(), 'race', items);
  assert.ok(
    all().filter((e) => e.kind === 'activate').length >= 3,
    'the entity passivated and came back several times',
  );
  await child.stop();
});

test('property: bursts at random gaps around the idle timeout lose nothing and duplicate nothing', async () => {
  await using local = await Cluster.join({ servers: nats.url, node: 'p3-local', ...opts });
  const events: Event[] = [];
  const tally = local.entity('tally', tallyBehavior('p3-local', stamped(events)), { idleTimeout: 25 });
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ op: fc.constantFrom('tell', 'send', 'ask'), gap: fc.integer({ min: 0, max: 50 }) }), {
        minLength: 5,
        maxLength: 25,
      }),
      async (ops) => {
        const id = `b${run++}`;
        const ref = tally(id);
        const items: string[] = [];
        const asks: Promise<string>[] = [];
        for (const [i, { op, gap }] of ops.entries()) {
          const item = `${id}-${i}`;
          items.push(item);
          const msg: TallyMsg = { type: 'add', item };
          if (op === 'tell') ref.tell(msg);
          else if (op === 'send') await ref.send(msg);
          else asks.push(ref.ask<string>((reply) => ({ type: 'ask', item, reply }), { timeout: 20_000 }));
          await pause(gap);
        }
        await Promise.all(asks);
        await eventually(
          () => events.filter((e) => e.kind === 'got' && e.id === id).length >= items.length,
          5000,
          `${id} got everything`,
        );
        await pause(30);
        assertExactlyOnce(events, id, items);
      },
    ),
    { numRuns: 12 },
  );
});

test('stop() on an entity ref: its mailbox goes to dead letters, what had not reached it to the next activation, in order', async () => {
  await using local = await Cluster.join({ servers: nats.url, node: 'p4-local', ...opts });
  const events: Event[] = [];
  const tally = local.entity('tally', tallyBehavior('p4-local', stamped(events)), { idleTimeout: 60_000 });
  using letters = deadLetters();
  const dead: string[] = [];
  void (async () => {
    for await (const l of letters) dead.push((l.msg as TallyMsg).item);
  })();
  const ref = tally('stopped');
  await ref.ask<string>((reply) => ({ type: 'ask', item: 'first', reply }));
  const items = Array.from({ length: 2000 }, (_, i) => `m${i}`);
  // Slow messages first: when the stop comes the mailbox (1,024) is full, the host queues
  // what its credits let in (256), and the other sends wait for a credit.
  const sends = items.map((item, i) => ref.send(i < 100 ? { type: 'slow', item, ms: 2 } : { type: 'add', item }));
  await pause(30);
  await ref.stop('enough');
  await Promise.all(sends);
  const got = (): string[] => events.filter((e) => e.kind === 'got' && e.item !== 'first').map((e) => e.item!);
  await eventually(
    () => got().length + dead.length >= items.length,
    10_000,
    'every message delivered or a dead letter',
  );
  await pause(50);
  assert.deepEqual([...got(), ...dead].sort(), [...items].sort(), 'each message exactly once, delivered or dead');
  const order = got().map((i) => Number(i.slice(1)));
  const lastDead = Math.max(...dead.map((i) => Number(i.slice(1))));
  const next = order.filter((n) => n > lastDead);
  assert.ok(dead.length > 0 && next.length > 0, `${dead.length} dead, ${next.length} to the next activation`);
  assert.deepEqual(
    order,
    [...order].sort((x, y) => x - y),
    'delivered in the order sent',
  );
  assert.equal(events.filter((e) => e.kind === 'activate').length, 2);
});
