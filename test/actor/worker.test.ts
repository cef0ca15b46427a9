import '../helpers/guard.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { threadId } from 'node:worker_threads';
import { Runtime, sleep } from 'weft';
import { spawnActor, supervisor, ActorStoppedError, MailboxFullError, type ActorRef } from 'weft/actor';
import { oneshot } from 'weft/sync';
import { RuntimeFlavorError, spawnWorker } from 'weft/worker';
import { counter, relay, useRef, type RelayMsg } from '../fixtures/actors-worker.js';
import { noThreadsLeft } from '../worker/helpers.js';
import { linkStats } from '../../src/worker/channels/remote-link.js';

describe("spawnActor({ thread: 'worker' })", () => {
  const rt = Runtime.builder()
    .multiThread()
    .workerThreads(1)
    .maxBlockingThreads(1)
    .threadName('actors')
    .onTaskError('ignore')
    .build();
  after(async () => {
    // Every ref link closed with its actor's stop (none kept the thread alive).
    for (let i = 0; i < 200 && linkStats.open > 0; i++) await sleep(10);
    assert.equal(linkStats.open, 0);
    await rt.shutdown();
    await noThreadsLeft();
  });

  test('runs the actor on a worker thread: tell, ask and stop work with the same semantics', async () => {
    await rt.run(async () => {
      const ref = spawnActor({ thread: 'worker', name: 'remote counter' }, counter, 10);
      assert.equal(ref.name, 'remote counter');
      ref.tell({ type: 'add', n: 5 });
      await ref.send({ type: 'add', n: 1 });
      assert.equal(await ref.ask<number>((reply) => ({ type: 'get', reply }), { timeout: 10_000 }), 16);
      const there = await ref.ask<number>((reply) => ({ type: 'thread', reply }), { timeout: 10_000 });
      assert.notEqual(there, threadId);
      ref.tell({ type: 'self-add', n: 4 }); // ctx.self.tell on the worker: queued behind the next get
      assert.equal(await ref.ask<number>((reply) => ({ type: 'get', reply }), { timeout: 10_000 }), 16);
      assert.equal(await ref.ask<number>((reply) => ({ type: 'get', reply }), { timeout: 10_000 }), 20);
      await ref.stop('done');
      assert.equal(await ref.stopped(), 'done');
      assert.equal(ref.isAlive, false);
      assert.throws(() => ref.tell({ type: 'add', n: 1 }), ActorStoppedError);
    });
  });

  test('an unsupervised failure on the worker stops the actor with the error; asks left reject', async () => {
    await rt.run(async () => {
      const ref = spawnActor({ thread: 'worker' }, counter, 0);
      ref.tell({ type: 'crash' });
      const reason = await ref.stopped();
      assert.ok(reason instanceof Error);
      assert.equal((reason as Error).message, 'crashed on the worker');
      await assert.rejects(
        ref.ask<number>((reply) => ({ type: 'get', reply })),
        ActorStoppedError,
      );
    });
  });

  test('a supervisor restarts a failed worker child in place: same ref, same mailbox, init again on the worker', async () => {
    await rt.run(async () => {
      const sup = supervisor({
        strategy: 'one-for-one',
        children: [{ id: 'w', start: () => spawnActor({ thread: 'worker' }, counter, 1) }],
      });
      const ref = sup.ref('w')!;
      assert.equal(await ref.ask<number>((reply) => ({ type: 'get', reply }), { timeout: 10_000 }), 1);
      ref.tell({ type: 'add', n: 1 });
      ref.tell({ type: 'crash' });
      ref.tell({ type: 'add', n: 5 }); // behind the failing message: kept for the next incarnation
      assert.equal(await ref.ask<number>((reply) => ({ type: 'get', reply }), { timeout: 10_000 }), 6);
      assert.equal(sup.ref('w'), ref);
      assert.equal(ref.isAlive, true);
      assert.equal(sup.restarts, 1);
      await sup.stop();
      assert.equal(ref.isAlive, false);
      assert.equal(await ref.stopped(), 'shutdown');
    });
  });

  test('an ActorRef passed to spawnWorker works there: tell, send, ask, stop and stopped', async () => {
    await rt.run(async () => {
      const ref = spawnActor(counter.behavior, 10);
      const seen = await spawnWorker(useRef, ref);
      assert.equal(seen.id, ref.id);
      assert.equal(seen.sum, 15);
      assert.equal(seen.thread, threadId, 'the actor ran here; the worker reached it through the ref');
      assert.notEqual(seen.here, threadId);
      assert.equal(seen.reason, 'stopped from a worker');
      assert.equal(seen.down, 'stopped from a worker');
      assert.equal(seen.alive, false);
      assert.equal(await ref.stopped(), 'stopped from a worker');
    });
  });

  test('refs inside messages cross both ways: a worker actor tells, asks and watches an actor here, and hands out its own ref', async () => {
    await rt.run(async () => {
      const target = spawnActor(counter.behavior, 0);
      const r = spawnActor({ thread: 'worker' }, relay);
      r.tell({ type: 'forward', to: target, n: 4 });
      assert.equal(await r.ask<number>((reply) => ({ type: 'ask-via', to: target, reply }), { timeout: 10_000 }), 4);
      assert.equal(await target.ask<number>((reply) => ({ type: 'get', reply })), 4);
      // A ref from the worker, in a message to an actor here.
      const hello = oneshot<ActorRef<RelayMsg>>();
      const greeter = spawnActor({
        init: () => undefined,
        receive: (_s: undefined, m: { type: 'hello'; from: ActorRef<RelayMsg> }) => void hello[0].send(m.from),
      });
      r.tell({ type: 'introduce', to: greeter });
      const from = await hello[1].recv();
      assert.equal(from.id, r.id);
      assert.deepEqual(await from.ask<unknown[]>((reply) => ({ type: 'downs', reply }), { timeout: 10_000 }), []);
      // watch across threads: the worker actor gets a down with the reason.
      r.tell({ type: 'watch', ref: target });
      await r.ask<unknown[]>((reply) => ({ type: 'downs', reply }), { timeout: 10_000 }); // the watch is set up
      await target.stop('bye');
      let downs: unknown[] = [];
      while (downs.length === 0) {
        downs = await r.ask<unknown[]>((reply) => ({ type: 'downs', reply }), { timeout: 10_000 });
        if (downs.length === 0) await sleep(5);
      }
      assert.deepEqual(downs, ['bye']);
      await greeter.stop();
      await from.stop('done');
      assert.equal(await r.stopped(), 'done');
    });
  });

  test('tell through a ref on another thread: at most a mailbox of told messages on their way, then MailboxFullError; send waits', async () => {
    await rt.run(async () => {
      const r = spawnActor({ thread: 'worker', mailbox: 2 }, counter, 0);
      r.tell({ type: 'add', n: 1 });
      r.tell({ type: 'add', n: 1 });
      assert.throws(() => r.tell({ type: 'add', n: 1 }), MailboxFullError);
      for (let i = 0; i < 20; i++) await r.send({ type: 'add', n: 1 });
      assert.equal(await r.ask<number>((reply) => ({ type: 'get', reply }), { timeout: 10_000 }), 22);
      await r.stop();
    });
  });

  test('needs an ActorDef and a multi-thread runtime', async () => {
    assert.throws(() => spawnActor({ thread: 'worker' }, counter.behavior as never, 0), TypeError);
    assert.throws(() => spawnActor({ thread: 'worker' }, counter, 0), RuntimeFlavorError);
  });
});
