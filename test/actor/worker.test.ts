import '../helpers/guard.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { threadId } from 'node:worker_threads';
import { Runtime, sleep } from 'weft';
import { spawnActor, supervisor, ActorStoppedError } from 'weft/actor';
import { RuntimeFlavorError } from 'weft/worker';
import { counter } from '../fixtures/actors-worker.js';
import { noThreadsLeft } from '../worker/helpers.js';

describe("spawnActor({ thread: 'worker' })", () => {
  const rt = Runtime.builder()
    .multiThread()
    .workerThreads(1)
    .maxBlockingThreads(1)
    .threadName('actors')
    .onTaskError('ignore')
    .build();
  after(async () => {
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

  test('a supervisor restarts a failed worker child by starting it again', async () => {
    await rt.run(async () => {
      const sup = supervisor({
        strategy: 'one-for-one',
        children: [{ id: 'w', start: () => spawnActor({ thread: 'worker' }, counter, 1) }],
      });
      const first = sup.ref('w')!;
      assert.equal(await first.ask<number>((reply) => ({ type: 'get', reply }), { timeout: 10_000 }), 1);
      first.tell({ type: 'crash' });
      await first.stopped();
      while (sup.ref('w') === undefined || sup.ref('w') === first) await sleep(5);
      const second = sup.ref('w')!;
      assert.equal(await second.ask<number>((reply) => ({ type: 'get', reply }), { timeout: 10_000 }), 1);
      assert.equal(sup.restarts, 1);
      await sup.stop();
      assert.equal(second.isAlive, false);
    });
  });

  test('needs an ActorDef and a multi-thread runtime', async () => {
    assert.throws(() => spawnActor({ thread: 'worker' }, counter.behavior as never, 0), TypeError);
    assert.throws(() => spawnActor({ thread: 'worker' }, counter, 0), RuntimeFlavorError);
  });
});
