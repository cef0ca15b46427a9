import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime } from 'weft';
import { spawnWorker } from 'weft/worker';
import { PoolMemory, JOB_CAP, RING_CAP, FREE, OWNED, QUEUED } from '../../src/worker/pool/shared-memory.js';
import { claimLoop } from '../fixtures/worker-tasks-queue.js';
import { using } from './helpers.js';

test('a queue hands out jobs in order, once, to its owner or a thief', () => {
  const mem = new PoolMemory({ workers: 2, arenaBytes: 1024 });
  for (let j = 0; j < 5; j++) mem.push(0, j);
  assert.equal(mem.depth(0), 5);
  assert.equal(mem.queued(0), 5);
  assert.equal(mem.claim(0, 0), 0);
  assert.equal(mem.claim(0, 1), 1, 'a thief takes from the head too');
  assert.equal(mem.jobs.state(1), OWNED + 1);
  assert.equal(mem.unqueue(2), true, 'a queued job can be taken back');
  assert.equal(mem.unqueue(0), false, 'a claimed one cannot');
  assert.equal(mem.queued(0), 2);
  assert.equal(mem.claim(0, 0), 3, 'the taken-back job is skipped');
  assert.equal(mem.claim(0, 0), 4);
  assert.equal(mem.claim(0, 0), -1);
  assert.equal(mem.depth(0), 0);
  assert.equal(mem.queued(0), 0);
  assert.equal(mem.claim(1, 0), -1);
});

test('a slot whose job index was reused hands out the new job, which is then not handed out twice', () => {
  const mem = new PoolMemory({ workers: 2, arenaBytes: 1024 });
  mem.push(0, 7);
  assert.equal(mem.unqueue(7), true);
  mem.jobs.setState(7, FREE);
  mem.push(1, 7); // index 7 reused for a new job on queue 1; queue 0 still has the old slot
  assert.equal(mem.claim(0, 0), 7, 'claimed through the old slot');
  assert.equal(mem.claim(1, 1), -1, 'its own slot is skipped');
  assert.equal(mem.queued(1), 0);
  assert.equal(mem.queued(0), 0);
});

test('the ring wraps around', () => {
  const mem = new PoolMemory({ workers: 1, arenaBytes: 1024 });
  for (let round = 0; round < 3; round++) {
    for (let j = 0; j < RING_CAP; j++) mem.push(0, j);
    assert.equal(mem.depth(0), RING_CAP);
    for (let j = 0; j < RING_CAP; j++) {
      assert.equal(mem.claim(0, 0), j);
      mem.jobs.setState(j, FREE);
    }
  }
  assert.equal(mem.depth(0), 0);
});

test('task names survive the table, newlines in names included', () => {
  const mem = new PoolMemory({ workers: 1, arenaBytes: 1024 });
  let at = mem.writeName(0, 'file:///a/b.js', 'one', 0);
  at = mem.writeName(1, 'file:///a/c%20d.js', 'two\nlines', at);
  assert.ok(at > 0);
  assert.deepEqual(mem.readName(0), ['file:///a/b.js', 'one']);
  assert.deepEqual(mem.readName(1), ['file:///a/c%20d.js', 'two\nlines']);
});

test('three threads claiming and stealing while the main thread pushes and takes back: every job exactly once', async () => {
  await using(Runtime.builder().multiThread().workerThreads(3).build(), async (rt) => {
    const W = 3;
    const mem = new PoolMemory({ workers: W, arenaBytes: 1024 });
    const claims = new Int32Array(new SharedArrayBuffer(JOB_CAP * 4));
    const control = new Int32Array(new SharedArrayBuffer(8));
    const results = await rt.run(async () => {
      const consumers = [0, 1, 2].map((me) => spawnWorker(claimLoop, mem.shared, me, claims, control));
      const taken = new Set<number>();
      const N = JOB_CAP - 1;
      for (let j = 0; j < N; j++) {
        // Mostly onto queue 0, so the others must steal.
        const w = j % 10 < 7 ? 0 : ((j % W) as number);
        while (mem.depth(w) >= RING_CAP) await new Promise((resolve) => setImmediate(resolve));
        mem.push(w, j);
        if (j % 97 === 0 && mem.unqueue(j)) taken.add(j);
        if (j % 5 === 3) {
          const back = j - 3;
          if (mem.jobs.state(back) === QUEUED && mem.unqueue(back)) taken.add(back);
        }
      }
      Atomics.store(control, 0, 1);
      const done = await Promise.all(consumers);
      let missing = 0;
      let twice = 0;
      for (let j = 0; j < N; j++) {
        const n = claims[j]! + (taken.has(j) ? 1 : 0);
        if (n === 0) missing++;
        if (n > 1) twice++;
      }
      return { done, missing, twice, taken: taken.size };
    });
    assert.equal(Atomics.load(control, 1), 0, 'a claim was recorded under the wrong owner');
    assert.equal(results.missing, 0, 'every job was claimed or taken back');
    assert.equal(results.twice, 0, 'no job was handed out twice');
    assert.ok(results.taken > 0);
    const stolen = results.done.reduce((s, d) => s + d.stolen, 0);
    assert.ok(stolen > 0, 'thieves took work from queue 0');
    for (let w = 0; w < W; w++) assert.equal(mem.queued(w), 0);
  });
});
