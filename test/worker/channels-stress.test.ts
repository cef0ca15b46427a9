import '../helpers/guard.js';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JoinError, Runtime, sleep, spawn, type JoinHandle } from 'weft';
import { mpsc } from 'weft/sync';
import { spawnWorker } from 'weft/worker';
import * as ch from '../fixtures/worker-channels.js';
import { eventually, noThreadsLeft } from './helpers.js';
import { linkStats } from '../../src/worker/channels/remote-link.js';

const rt = Runtime.builder().multiThread().workerThreads(2).threadName('chs').build();
after(async () => {
  await rt.shutdown();
  await noThreadsLeft();
});

/** Aborts each producer that has an `abortAfterMs` that many ms from now; the promises settle once they did. */
function abortLater(
  producers: readonly { abortAfterMs: number | undefined }[],
  handles: readonly JoinHandle<unknown>[],
): Promise<void>[] {
  const aborts: Promise<void>[] = [];
  producers.forEach((p, k) => {
    if (p.abortAfterMs !== undefined) aborts.push(sleep(p.abortAfterMs).then(() => handles[k]!.abort()));
  });
  return aborts;
}

/**
 * Producers on worker threads and on this thread share one bounded channel;
 * some worker producers are aborted at random moments while the consumer
 * reads at a random pace. Whatever the interleaving: each producer's values
 * arrive in order with no duplicate, a producer that was not aborted delivers
 * everything, the channel closes once every producer is done, and all of its
 * capacity is free again. (An aborted producer may leave a gap: its
 * unawaited send can be cancelled while a later send finds a free slot at
 * once and goes through, since weft cancels at waits that park, not at
 * operations that complete at once.)
 */
test('remote and local producers under random aborts: per-producer order, nothing lost or duplicated, capacity restored', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.array(
        fc.record({
          n: fc.integer({ min: 0, max: 40 }),
          pauseEvery: fc.integer({ min: 0, max: 5 }),
          abortAfterMs: fc.option(fc.integer({ min: 0, max: 15 }), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      fc.integer({ min: 0, max: 30 }),
      fc.integer({ min: 0, max: 3 }),
      async (capacity, producers, localCount, readDelayEvery) =>
        rt.run(async () => {
          const [tx, rx] = mpsc.channel<string>(capacity);
          const handles = producers.map((p, k) =>
            spawnWorker(ch.produceTagged, tx.clone(), `w${k}`, p.n, p.pauseEvery),
          );
          const ltx = tx.clone();
          const local = spawn(async () => {
            for (let i = 0; i < localCount; i++) await ltx.send(`local:${i}`);
            ltx.close();
          });
          const aborts = abortLater(producers, handles);
          const probe = tx.clone();
          tx.close();
          const last = new Map<string, number>();
          const counts = new Map<string, number>();
          let count = 0;
          const reading = spawn(async () => {
            for await (const v of rx) {
              const [tag, i] = v.split(':') as [string, string];
              const before = last.get(tag) ?? -1;
              assert.ok(Number(i) > before, `${tag}: got ${i} after ${before} (out of order or duplicated)`);
              last.set(tag, Number(i));
              counts.set(tag, (counts.get(tag) ?? 0) + 1);
              if (readDelayEvery > 0 && ++count % readDelayEvery === 0) await sleep(0);
            }
          });
          const outcomes = await Promise.allSettled(handles);
          await Promise.all(aborts);
          await local;
          probe.close();
          await reading;
          assert.equal(counts.get('local') ?? 0, localCount);
          outcomes.forEach((o, k) => {
            const got = counts.get(`w${k}`) ?? 0;
            if (o.status === 'fulfilled') assert.equal(got, producers[k]!.n, `w${k} finished but lost values`);
            else {
              assert.ok(o.reason instanceof JoinError && o.reason.isCancelled(), String(o.reason));
              assert.ok(got <= producers[k]!.n);
            }
          });
          assert.equal(probe.capacity, capacity, 'every slot is free again');
          await eventually(() => linkStats.open === 0, 5000, 'every link to close');
        }),
    ),
    { numRuns: Number(process.env.WEFT_CHANNEL_STRESS_RUNS ?? 100) },
  );
});

/**
 * The receiver on a worker, producers here aborted at random moments while
 * waiting for capacity: the worker receives each producer's values in order,
 * with no gap and no duplicate, all of them from a producer that was not
 * aborted, and every slot is free again once the channel is drained.
 */
test('a moved receiver under random aborts of the senders: per-producer order, nothing lost or duplicated, capacity restored', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.array(
        fc.record({
          n: fc.integer({ min: 0, max: 40 }),
          abortAfterMs: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      fc.integer({ min: 0, max: 4 }),
      async (capacity, producers, pauseEvery) =>
        rt.run(async () => {
          const [tx, rx] = mpsc.channel<string>(capacity);
          const consumer = spawnWorker(ch.consumePaced, rx, pauseEvery);
          const tasks = producers.map((p, k) => {
            const mine = tx.clone();
            return spawn(async () => {
              try {
                for (let i = 0; i < p.n; i++) await mine.send(`p${k}:${i}`);
              } finally {
                mine.close();
              }
            });
          });
          const aborts = abortLater(producers, tasks);
          const probe = tx.clone();
          tx.close();
          const outcomes = await Promise.allSettled(tasks);
          await Promise.all(aborts);
          probe.close();
          const got = await consumer;
          const next = new Map<string, number>();
          for (const v of got) {
            const [tag, i] = v.split(':') as [string, string];
            assert.equal(Number(i), next.get(tag) ?? 0, `${tag} out of order or duplicated`);
            next.set(tag, Number(i) + 1);
          }
          outcomes.forEach((o, k) => {
            const n = next.get(`p${k}`) ?? 0;
            if (o.status === 'fulfilled') assert.equal(n, producers[k]!.n, `p${k} finished but lost values`);
            else assert.ok(o.reason instanceof JoinError && o.reason.isCancelled() && n <= producers[k]!.n);
          });
          // The worker reports what it took before it closes its link: once closed, every slot is back.
          await eventually(() => linkStats.open === 0, 5000, 'every link to close');
          assert.equal(probe.capacity, capacity, 'every slot is free again');
        }),
    ),
    { numRuns: Number(process.env.WEFT_CHANNEL_STRESS_RUNS ?? 100) },
  );
});
