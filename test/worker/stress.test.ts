import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JoinError, Runtime, type JoinHandle } from 'weft';
import { WorkerCrashedError, spawnBlocking, spawnWorker, workerMetrics } from 'weft/worker';
import { existingHub } from '../../src/worker/hub.js';
import * as tasks from '../fixtures/worker-tasks.js';
import { using } from './helpers.js';

const sleepReal = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts how each handle settles, from the moment it is added; a handle that settles twice fails the test. */
class Tally {
  readonly counts = { ok: 0, crashed: 0, cancelled: 0 };
  #added = 0;
  #settled = 0;
  #pending: Promise<void>[] = [];

  add<T>(handle: JoinHandle<T>): JoinHandle<T> {
    this.#added++;
    let once = false;
    const mark = (): void => {
      assert.ok(!once, 'settled twice');
      once = true;
      this.#settled++;
    };
    this.#pending.push(
      handle.then(
        () => {
          mark();
          this.counts.ok++;
        },
        (err: unknown) => {
          mark();
          assert.ok(err instanceof JoinError, String(err));
          if (err.isCancelled()) this.counts.cancelled++;
          else {
            assert.ok(err.cause instanceof WorkerCrashedError, `unexpected failure ${String(err.cause)}`);
            this.counts.crashed++;
          }
        },
      ),
    );
    return handle;
  }

  /** Waits until every handle settled; fails if one has not after `ms`. */
  async done(ms: number): Promise<Record<'ok' | 'crashed' | 'cancelled', number>> {
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.#added - this.#settled} handle(s) never settled`)), ms);
    });
    try {
      await Promise.race([Promise.all(this.#pending), hang]);
    } finally {
      clearTimeout(timer);
    }
    assert.equal(this.#settled, this.#added);
    return this.counts;
  }
}

test('fault injection: 10,000 tasks while workers are killed at random; every task settles exactly once', async () => {
  await using(Runtime.builder().multiThread().workerThreads(3).build(), async (rt) => {
    const pool = () => existingHub(rt)!.workerPool!;
    const N = 10_000;
    let kills = 0;
    const counts = await rt.run(async () => {
      await Promise.all([0, 1, 2].map(() => spawnWorker(tasks.add, 0, 0)));
      const tally = new Tally();
      let stop = false;
      const killer = (async () => {
        while (!stop && kills < 12) {
          await sleepReal(15 + Math.random() * 40);
          const w = pool().threadAt(Math.floor(Math.random() * 3));
          if (w !== undefined) {
            kills++;
            void w.terminate();
          }
        }
      })();
      for (let i = 0; i < N; i++) {
        const r = Math.random();
        tally.add<unknown>(
          r < 0.01
            ? spawnWorker(tasks.slowAdd, i, 0, 5)
            : r < 0.02
              ? spawnWorker(tasks.spin, 1)
              : spawnWorker(tasks.add, i, 1),
        );
        if (i % 500 === 0) await sleepReal(5);
      }
      const result = await tally.done(60_000);
      stop = true;
      await killer;
      return result;
    });
    assert.equal(counts.ok + counts.crashed, N);
    assert.equal(counts.cancelled, 0);
    assert.ok(kills > 0);
    assert.equal(pool().outstanding, 0);
    const ran = workerMetrics(rt).workers.reduce((s, w) => s + w.tasksRun, 0);
    assert.ok(ran >= counts.ok, 'every task that succeeded was counted as run');
  });
});

test('abort storm on worker tasks: queued and running tasks aborted at random; no hang, no leaked thread', async () => {
  await using(Runtime.builder().multiThread().workerThreads(2).build(), async (rt) => {
    const counts = await rt.run(async () => {
      await Promise.all([spawnWorker(tasks.add, 0, 0), spawnWorker(tasks.add, 0, 0)]); // workers up
      const tally = new Tally();
      const handles: JoinHandle<unknown>[] = [];
      for (let i = 0; i < 2000; i++) {
        const r = Math.random();
        const h =
          r < 0.3
            ? spawnWorker(tasks.slowAdd, i, 0, Math.random() * 20)
            : r < 0.4
              ? spawnWorker(tasks.cooperativeLoop, Math.random() * 5)
              : r < 0.45
                ? spawnWorker(tasks.waitForAbort)
                : spawnWorker(tasks.add, i, 0);
        handles.push(tally.add<unknown>(h));
        if (Math.random() < 0.5) {
          const victim = handles[Math.floor(Math.random() * handles.length)]!;
          if (Math.random() < 0.5) victim.abort();
          else setTimeout(() => victim.abort(), Math.random() * 30);
        }
        if (i % 200 === 0) await sleepReal(2);
      }
      // waitForAbort never ends by itself: abort what is left.
      setTimeout(() => handles.forEach((h) => h.abort()), 200);
      return tally.done(30_000);
    });
    assert.equal(counts.crashed, 0);
    assert.equal(counts.ok + counts.cancelled, 2000);
    assert.ok(counts.ok > 0 && counts.cancelled > 0, JSON.stringify(counts));
    assert.equal(existingHub(rt)!.workerPool!.outstanding, 0);
    assert.ok(workerMetrics(rt).workers.every((w) => w.running === 0 && w.queueDepth === 0));
  });
});

test('abort storm on blocking calls: no hang, no leaked thread', async () => {
  await using(Runtime.builder().maxBlockingThreads(3).build(), async (rt) => {
    const counts = await rt.run(async () => {
      await Promise.all([1, 2, 3].map(() => spawnBlocking(tasks.spin, 30))); // threads up
      const tally = new Tally();
      const handles: JoinHandle<unknown>[] = [];
      for (let i = 0; i < 300; i++) {
        const r = Math.random();
        const h =
          r < 0.3
            ? spawnBlocking(tasks.slowAdd, i, 0, Math.random() * 10)
            : r < 0.6
              ? spawnBlocking(tasks.cooperativeLoop, Math.random() * 5)
              : r < 0.65
                ? spawnBlocking(tasks.waitForAbort)
                : spawnBlocking(tasks.spin, Math.random() * 2);
        handles.push(tally.add<unknown>(h));
        if (Math.random() < 0.5) {
          const victim = handles[Math.floor(Math.random() * handles.length)]!;
          if (Math.random() < 0.5) victim.abort();
          else setTimeout(() => victim.abort(), Math.random() * 20);
        }
      }
      setTimeout(() => handles.forEach((h) => h.abort()), 300);
      return tally.done(30_000);
    });
    assert.equal(counts.crashed, 0);
    assert.equal(counts.ok + counts.cancelled, 300);
    assert.ok(counts.ok > 0 && counts.cancelled > 0, JSON.stringify(counts));
    assert.equal(rt.metrics().blockingQueueDepth, 0);
  });
});
