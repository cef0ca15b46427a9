import '../helpers/guard.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/cluster/index.js';
import { NatsServer, ChildNode, stopAllNodes } from './harness.js';

let nats: NatsServer;
before(async () => {
  nats = await NatsServer.start();
});
after(async () => {
  await stopAllNodes();
  await nats.dispose();
});

const fast = { heartbeatInterval: 200, downAfter: 1000 };

test('join() sees the members already there, and they see it up', async () => {
  const child = await ChildNode.start(nats.url, 'm-child', fast);
  await using local = await Cluster.join({ servers: nats.url, node: 'm-local', ...fast });
  assert.deepEqual(local.members(), ['m-child', 'm-local']);
  await child.waitEvent(
    (e) => (e as { type?: string; node?: string }).type === 'up' && (e as { node: string }).node === 'm-local',
  );
  assert.deepEqual(await child.call('members'), ['m-child', 'm-local']);
  await child.stop();
});

test('leave() is announced: the others see the node down at once, not after downAfter', async () => {
  await using local = await Cluster.join({
    servers: nats.url,
    node: 'l-local',
    heartbeatInterval: 200,
    downAfter: 30_000,
  });
  using events = local.memberEvents();
  const child = await ChildNode.start(nats.url, 'l-child', fast);
  assert.deepEqual(await events.recv(), { type: 'up', node: 'l-child' });
  const t0 = Date.now();
  await child.call('leave');
  assert.deepEqual(await events.recv(), { type: 'down', node: 'l-child' });
  assert.ok(Date.now() - t0 < 2000, `down after ${Date.now() - t0} ms`);
  assert.deepEqual(local.members(), ['l-local']);
  await child.stop();
});

test('a SIGKILLed node is down for the others within downAfter + heartbeatInterval', async () => {
  await using local = await Cluster.join({ servers: nats.url, node: 'k-local', ...fast });
  using events = local.memberEvents();
  const child = await ChildNode.start(nats.url, 'k-child', fast);
  assert.deepEqual(await events.recv(), { type: 'up', node: 'k-child' });
  await child.kill();
  const t0 = Date.now();
  assert.deepEqual(await events.recv(), { type: 'down', node: 'k-child' });
  const took = Date.now() - t0;
  // The bound is downAfter + heartbeatInterval after the last beat (+ delivery slack on a shared machine).
  assert.ok(took <= fast.downAfter + fast.heartbeatInterval + 500, `down after ${took} ms`);
  assert.ok(took >= fast.downAfter - fast.heartbeatInterval - 50, `down too early: ${took} ms`);
  assert.deepEqual(local.members(), ['k-local']);
});

test('a node with default options declares a killed peer down within 10 s', async () => {
  const watcher = await ChildNode.start(nats.url, 'w-watcher');
  const victim = await ChildNode.start(nats.url, 'w-victim', fast);
  await watcher.waitEvent((e) => (e as { type?: string; node?: string }).node === 'w-victim');
  await victim.kill();
  const t0 = Date.now();
  await watcher.waitEvent(
    (e) => (e as { type?: string; node?: string }).type === 'down' && (e as { node: string }).node === 'w-victim',
    10_000,
  );
  const took = Date.now() - t0;
  assert.ok(took < 10_000 && took > 3000, `down after ${took} ms`);
  await watcher.stop();
});

test('memberEvents() ends when the node leaves; members() keeps only itself', async () => {
  const local = await Cluster.join({ servers: nats.url, node: 'e-local', ...fast });
  const events = local.memberEvents();
  await local.leave();
  assert.equal(await events.recv(), undefined);
  events.close();
  assert.deepEqual(local.members(), ['e-local']);
});

test('bad options are refused with TypeError / RangeError before connecting', async () => {
  await assert.rejects(Cluster.join({ servers: 5 as unknown as string }), TypeError);
  await assert.rejects(Cluster.join({ servers: nats.url, node: 'a.b' }), TypeError);
  await assert.rejects(Cluster.join({ servers: nats.url, heartbeatInterval: 500, downAfter: 400 }), RangeError);
});
