/**
 * Interleaving properties under fast-check's scheduler: tasks in a JoinSet or
 * a scope finish, fail and are aborted at random points, while a consumer's
 * joinNext() calls are aborted at random points too.
 *
 * Invariants: every handle settles exactly once; every task's outcome is
 * joined exactly once and agrees with its handle; a scope never returns before
 * all its children settled; no weft wait is left behind.
 *
 * Runs per property: WEFT_PROPERTY_RUNS (default 300).
 */
import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JoinSet, JoinError, CancellationToken, scope, spawn, type JoinHandle, type Scope } from 'weft';
import { waitStats } from '../../src/core/wait-queue.js';

const RUNS = Number(process.env['WEFT_PROPERTY_RUNS'] ?? 300);

class Failure extends Error {
  constructor(readonly index: number) {
    super(`task ${index} failed`);
  }
}
class ConsumerAbort extends Error {}
class OuterAbort extends Error {}

/** Lets the scheduler run until `done()`, giving weft's macrotask hops a few turns; false if stuck. */
async function drain(s: fc.Scheduler, done: () => boolean): Promise<boolean> {
  let idle = 0;
  for (;;) {
    await s.waitIdle();
    if (done()) return true;
    await new Promise((resolve) => setImmediate(resolve));
    if (s.count() > 0) idle = 0;
    else if (++idle > 5) return false;
  }
}

type Kind = 'ok' | 'failed' | 'cancelled';

function kindOf(outcome: PromiseSettledResult<unknown>): Kind {
  if (outcome.status === 'fulfilled') return 'ok';
  const e = outcome.reason as JoinError;
  return e.isCancelled() ? 'cancelled' : 'failed';
}

const taskPlan = fc.record({ fails: fc.boolean(), abort: fc.boolean() });

function joinSetProperty(makeSet: () => JoinSet<number>) {
  return fc.asyncProperty(
    fc.scheduler(),
    fc.array(taskPlan, { minLength: 1, maxLength: 6 }),
    fc.array(fc.boolean(), { maxLength: 8 }),
    async (s, plans, consumerAborts) => {
      const parkedBefore = waitStats.parked;
      const set = makeSet();
      const settleCounts = plans.map(() => 0);
      const indexOfId = new Map<number, number>();
      const handles = plans.map((plan, i) => {
        const release = new CancellationToken();
        const handle = set.spawn(async () => {
          await release.cancelled();
          if (plan.fails) throw new Failure(i);
          return i;
        });
        indexOfId.set(handle.id, i);
        void s.schedule(Promise.resolve(), `release ${i}`).then(() => release.cancel());
        if (plan.abort) void s.schedule(Promise.resolve(), `abort ${i}`).then(() => handle.abort());
        handle.then(
          () => settleCounts[i]!++,
          () => settleCounts[i]!++,
        );
        return handle;
      });

      const joined: Array<[number, Kind]> = [];
      let consumerDone = false;
      let consumerError: unknown;
      void (async () => {
        for (let k = 0; ; k++) {
          const controller = new AbortController();
          if (consumerAborts[k] === true) {
            void s.schedule(Promise.resolve(), `abort joinNext ${k}`).then(() => controller.abort(new ConsumerAbort()));
          }
          try {
            const v = await set.joinNext({ signal: controller.signal });
            if (v === undefined) return;
            joined.push([v, 'ok']);
          } catch (e) {
            if (e instanceof ConsumerAbort) continue;
            if (!(e instanceof JoinError)) throw e;
            joined.push([indexOfId.get(e.taskId)!, e.isCancelled() ? 'cancelled' : 'failed']);
          }
        }
      })().then(
        () => (consumerDone = true),
        (e: unknown) => {
          consumerError = e;
          consumerDone = true;
        },
      );

      const finished = await drain(s, () => consumerDone);
      assert.ok(finished, 'the consumer never finished (a lost result or wake-up)');
      assert.equal(consumerError, undefined);
      const outcomes = await Promise.allSettled(handles);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        settleCounts,
        plans.map(() => 1),
        'every handle settles exactly once',
      );
      assert.deepEqual(
        [...joined].sort((a, b) => a[0] - b[0]),
        outcomes.map((o, i) => [i, kindOf(o)]),
        'each task joined exactly once, as its handle says',
      );
      plans.forEach((plan, i) => {
        if (!plan.fails) assert.notEqual(kindOf(outcomes[i]!), 'failed');
        if (!plan.abort) assert.notEqual(kindOf(outcomes[i]!), 'cancelled');
      });
      assert.equal(set.size, 0);
      assert.equal(waitStats.parked, parkedBefore, 'no weft wait left behind');
    },
  );
}

void test('JoinSet under random interleavings and aborts: every task is joined exactly once and agrees with its handle', async () => {
  await fc.assert(
    joinSetProperty(() => new JoinSet<number>()),
    { numRuns: RUNS },
  );
});

void test('the JoinSet property catches a planted bug: a joinNext() that drops the result it took when aborted', async () => {
  class LossyJoinSet extends JoinSet<number> {
    override async joinNext(options?: { signal?: AbortSignal }): Promise<number | undefined> {
      const value = await super.joinNext(); // takes a result without watching the signal...
      if (options?.signal?.aborted === true) throw options.signal.reason; // ...and loses it
      return value;
    }
  }
  const details = await fc.check(
    joinSetProperty(() => new LossyJoinSet()),
    { numRuns: RUNS },
  );
  assert.equal(details.failed, true);
});

type ScopeFn = <T>(body: (s: Scope) => Promise<T>, options?: { signal?: AbortSignal }) => Promise<T>;

function scopeProperty(scopeImpl: ScopeFn) {
  return fc.asyncProperty(
    fc.scheduler(),
    fc.array(fc.record({ fails: fc.boolean(), abort: fc.boolean(), slowCleanup: fc.boolean() }), { maxLength: 5 }),
    fc.record({ bodyFails: fc.boolean(), outerAbort: fc.boolean() }),
    async (s, plans, top) => {
      const parkedBefore = waitStats.parked;
      const childDone = plans.map(() => false);
      const settleCounts = plans.map(() => 0);
      const thrown = new Set<unknown>();
      const handles: JoinHandle<number>[] = [];
      const controller = new AbortController();
      const outerReason = new OuterAbort();
      const bodyFailure = new Error('body failed');
      if (top.outerAbort) {
        void s.schedule(Promise.resolve(), 'outer abort').then(() => {
          thrown.add(outerReason);
          controller.abort(outerReason);
        });
      }
      let settled = false;
      let allDoneAtSettle = false;
      let outcome: PromiseSettledResult<string> | undefined;
      scopeImpl(
        async (sc) => {
          plans.forEach((plan, i) => {
            const release = new CancellationToken();
            const handle = sc.spawn(async () => {
              try {
                await release.cancelled();
                if (plan.fails) {
                  const f = new Failure(i);
                  thrown.add(f);
                  throw f;
                }
                return i;
              } finally {
                if (plan.slowCleanup) await s.schedule(Promise.resolve(), `cleanup ${i}`);
                childDone[i] = true;
              }
            });
            handles.push(handle);
            handle.then(
              () => settleCounts[i]!++,
              () => settleCounts[i]!++,
            );
            void s.schedule(Promise.resolve(), `release ${i}`).then(() => release.cancel());
            if (plan.abort) void s.schedule(Promise.resolve(), `abort ${i}`).then(() => handle.abort());
          });
          const bodyRelease = new CancellationToken();
          void s.schedule(Promise.resolve(), 'body').then(() => bodyRelease.cancel());
          await bodyRelease.cancelled();
          if (top.bodyFails) {
            thrown.add(bodyFailure);
            throw bodyFailure;
          }
          return 'body value';
        },
        { signal: controller.signal },
      ).then(
        (value) => {
          allDoneAtSettle = childDone.every(Boolean) && handles.every((h) => h.isFinished);
          outcome = { status: 'fulfilled', value };
          settled = true;
        },
        (reason: unknown) => {
          allDoneAtSettle = childDone.every(Boolean) && handles.every((h) => h.isFinished);
          outcome = { status: 'rejected', reason };
          settled = true;
        },
      );
      const finished = await drain(s, () => settled && childDone.every(Boolean));
      await Promise.allSettled(handles);
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(finished, 'the scope or a child never settled');
      assert.ok(allDoneAtSettle, 'scope returned before every child settled');
      assert.deepEqual(
        settleCounts,
        plans.map(() => 1),
        'every handle settles exactly once',
      );
      if (outcome!.status === 'fulfilled') {
        assert.equal(outcome!.value, 'body value');
        assert.ok(![...thrown].some((e) => e instanceof Failure || e === bodyFailure), 'a failure was swallowed');
      } else {
        assert.ok(thrown.has(outcome!.reason), `rejected with something that did not fail: ${String(outcome!.reason)}`);
      }
      assert.equal(waitStats.parked, parkedBefore, 'no weft wait left behind');
    },
  );
}

void test('scope under random interleavings, failures and aborts never returns before its children settled', async () => {
  await fc.assert(scopeProperty(scope), { numRuns: RUNS });
});

void test('the scope property catches a planted bug: a scope that returns when its body returns', async () => {
  const broken: ScopeFn = (body) => body({ spawn: (fn) => spawn(fn), signal: new AbortController().signal });
  const details = await fc.check(scopeProperty(broken), { numRuns: RUNS });
  assert.equal(details.failed, true);
});
