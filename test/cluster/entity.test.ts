import '../helpers/guard.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, NodeDownError } from '../../src/cluster/index.js';
import { NatsServer, ChildNode, stopAllNodes, eventually } from './harness.js';
import { cartBehavior } from './fixtures/commands.js';

let nats: NatsServer;
before(async () => {
  nats = await NatsServer.start();
});
after(async () => {
  await stopAllNodes();
  await nats.dispose();
});

const opts = { heartbeatInterval: 200, downAfter: 1000, leaseTtl: 3000 };
type Items = { node: string; items: string[] };

function activations(events: unknown[], id: string): unknown[] {
  return events.filter(
    (e) => (e as { kind?: string; id?: string }).kind === 'activate' && (e as { id: string }).id === id,
  );
}

test('racing first messages from three nodes activate each entity exactly once', async () => {
  const a = await ChildNode.start(nats.url, 'v1-a', opts);
  const b = await ChildNode.start(nats.url, 'v1-b', opts);
  await using local = await Cluster.join({ servers: nats.url, node: 'v1-local', ...opts });
  const seen: unknown[] = [];
  const cart = local.entity(
    'cart',
    cartBehavior('v1-local', (e) => seen.push(e)),
    { idleTimeout: 60_000 },
  );
  await a.call('declareCart', 60_000);
  await b.call('declareCart', 60_000);
  const ids = Array.from({ length: 12 }, (_, i) => `u${i}`);
  await Promise.all(
    ids.flatMap((id) => [
      a.call('cartAdd', id, 'from-a'),
      b.call('cartAdd', id, 'from-b'),
      cart(id).send({ type: 'add', item: 'from-local' }),
    ]),
  );
  for (const id of ids) {
    // send() resolves once the ref took the message, not once it was delivered: the other nodes' may still travel.
    let r: Items = { node: '', items: [] };
    await eventually(
      async () => (r = await cart(id).ask<Items>((reply) => ({ type: 'items', reply }))).items.length >= 3,
      5000,
      `entity ${id} got all three messages`,
    );
    await new Promise((res) => setTimeout(res, 20));
    r = await cart(id).ask<Items>((reply) => ({ type: 'items', reply }));
    assert.deepEqual([...r.items].sort(), ['from-a', 'from-b', 'from-local'], `entity ${id} saw every message once`);
    const all = [...seen, ...a.events, ...b.events];
    assert.equal(activations(all, id).length, 1, `entity ${id} was activated once`);
  }
  const counts = [
    local.activeEntities('cart'),
    (await a.call('activeEntities', 'cart')) as number,
    (await b.call('activeEntities', 'cart')) as number,
  ];
  assert.equal(
    counts.reduce((x, y) => x + y, 0),
    ids.length,
  );
  await a.stop();
  await b.stop();
});

test('an idle entity is passivated, and the next message activates it again', async () => {
  await using local = await Cluster.join({ servers: nats.url, node: 'v2-local', ...opts });
  const seen: unknown[] = [];
  const cart = local.entity(
    'cart',
    cartBehavior('v2-local', (e) => seen.push(e)),
    { idleTimeout: 300 },
  );
  cart('p1').tell({ type: 'add', item: 'tea' });
  assert.deepEqual((await cart('p1').ask<Items>((reply) => ({ type: 'items', reply }))).items, ['tea']);
  assert.equal(local.activeEntities('cart'), 1);
  await eventually(() => local.activeEntities('cart') === 0, 3000, 'passivated after idleTimeout');
  const r = await cart('p1').ask<Items>((reply) => ({ type: 'items', reply }));
  assert.deepEqual(r.items, [], 'a new activation starts from init');
  assert.equal(activations(seen, 'p1').length, 2);
});

test('an entity whose node is killed is activated elsewhere after its lease expires; asks in flight get NodeDownError', async () => {
  const host = await ChildNode.start(nats.url, 'v3-host', opts);
  await host.call('declareCart', 60_000);
  await host.call('cartAdd', 'k1', 'first');
  await using local = await Cluster.join({ servers: nats.url, node: 'v3-local', ...opts });
  const seen: unknown[] = [];
  const cart = local.entity(
    'cart',
    cartBehavior('v3-local', (e) => seen.push(e)),
    { idleTimeout: 60_000 },
  );
  const before = await cart('k1').ask<Items>((reply) => ({ type: 'items', reply }));
  assert.deepEqual(before, { node: 'v3-host', items: ['first'] });
  const ref = cart('k1');
  await host.kill();
  const t0 = Date.now();
  const after = await (async () => {
    for (;;) {
      try {
        return await ref.ask<Items>((reply) => ({ type: 'items', reply }), { timeout: 5000 });
      } catch (e) {
        assert.ok(e instanceof NodeDownError, `got ${String(e)}`);
      }
    }
  })();
  assert.equal(after.node, 'v3-local');
  assert.deepEqual(after.items, []);
  const took = Date.now() - t0;
  assert.ok(took <= opts.leaseTtl + 2500, `re-activated ${took} ms after the kill`);
  assert.equal(activations(seen, 'k1').length, 1);
});
