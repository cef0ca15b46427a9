import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scope, sleep, spawn, yieldNow, TaskLocal, JoinError, CancelledError, type Scope } from 'weft';
import { pause, resume } from 'weft/testing';

async function paused<T>(fn: () => Promise<T>): Promise<T> {
  pause();
  try {
    return await fn();
  } finally {
    resume();
  }
}

void test('scope() resolves with the body value', async () => {
  assert.equal(await scope(async () => 'v'), 'v');
});

void test('scope() returns only after every child settled, even children the body did not await', () =>
  paused(async () => {
    const done: string[] = [];
    const result = await scope(async (s) => {
      s.spawn(async () => {
        await sleep(50);
        done.push('slow child');
      });
      s.spawn(async () => {
        await sleep(10);
        done.push('fast child');
      });
      return 'body';
    });
    done.push('scope returned');
    assert.equal(result, 'body');
    assert.deepEqual(done, ['fast child', 'slow child', 'scope returned']);
  }));

void test('children are awaitable through their handles inside the body', async () => {
  const total = await scope(async (s) => {
    const a = s.spawn(async () => {
      await sleep(2);
      return 1;
    });
    const b = s.spawn(() => 2, { name: 'b' });
    assert.equal(b.name, 'b');
    return (await a) + (await b);
  });
  assert.equal(total, 3);
});

void test('the first child failure aborts the siblings and the body, and scope rejects with that failure', () =>
  paused(async () => {
    const events: string[] = [];
    const boom = new Error('boom');
    const err = await scope(async (s) => {
      s.spawn(async () => {
        try {
          await sleep(1_000_000);
        } catch (e) {
          events.push(e instanceof CancelledError ? 'sibling cancelled' : 'sibling other');
          throw e;
        }
      });
      s.spawn(async () => {
        await sleep(10);
        throw boom;
      });
      s.spawn(async () => {
        await sleep(20);
        throw new Error('second failure, ignored');
      });
      try {
        await sleep(1_000_000);
      } catch (e) {
        events.push(e instanceof CancelledError ? 'body cancelled' : 'body other');
        throw e;
      }
    }).catch((e: unknown) => e);
    assert.equal(err, boom, 'the thrown value itself, not a JoinError');
    assert.deepEqual(events.sort(), ['body cancelled', 'sibling cancelled']);
  }));

void test('scope waits for aborted children to finish their cleanup before rejecting', async () => {
  const events: string[] = [];
  await scope(async (s) => {
    s.spawn(async () => {
      try {
        await sleep(1_000_000);
      } finally {
        await new Promise((resolve) => setTimeout(resolve, 2));
        events.push('cleanup done');
      }
    });
    await yieldNow();
    throw new Error('body failed');
  }).catch(() => events.push('scope rejected'));
  assert.deepEqual(events, ['cleanup done', 'scope rejected']);
});

void test('a body failure aborts the children and scope rejects with it', async () => {
  const bodyError = new TypeError('body');
  let childSaw: unknown;
  const err = await scope(async (s) => {
    s.spawn(async () => {
      await sleep(1_000_000).catch((e: unknown) => {
        childSaw = e;
      });
    });
    await yieldNow();
    throw bodyError;
  }).catch((e: unknown) => e);
  assert.equal(err, bodyError);
  assert.ok(childSaw instanceof CancelledError);
});

void test('aborting one child through its handle does not fail the scope', async () => {
  const result = await scope(async (s) => {
    const child = s.spawn(() => sleep(1_000_000));
    await yieldNow();
    child.abort();
    await assert.rejects(child, (e: unknown) => e instanceof JoinError && e.isCancelled());
    return 'ok';
  });
  assert.equal(result, 'ok');
});

void test('aborting the outer signal aborts the body and the children; scope rejects with the reason', async () => {
  const controller = new AbortController();
  const cancelled: string[] = [];
  const reason = new Error('outer');
  const promise = scope(
    async (s) => {
      s.spawn(() => sleep(1_000_000).catch((e: unknown) => void cancelled.push(`child ${(e as Error).name}`)));
      s.signal.addEventListener('abort', () => cancelled.push('scope signal'));
      await sleep(1_000_000).catch((e: unknown) => void cancelled.push(`body ${(e as Error).name}`));
    },
    { signal: controller.signal },
  );
  await sleep(1);
  controller.abort(reason);
  await assert.rejects(promise, (e: unknown) => e === reason);
  assert.deepEqual(cancelled.sort(), ['body CancelledError', 'child CancelledError', 'scope signal']);
});

void test('an already-aborted signal rejects without running the body', async () => {
  let ran = false;
  await assert.rejects(
    scope(
      async () => {
        ran = true;
      },
      { signal: AbortSignal.abort('early') },
    ),
    (e: unknown) => e === 'early',
  );
  assert.equal(ran, false);
});

void test('aborting the task that runs scope() aborts the body and children, and waits for them', async () => {
  const events: string[] = [];
  const outer = spawn(() =>
    scope(async (s) => {
      s.spawn(async () => {
        try {
          await sleep(1_000_000);
        } finally {
          events.push('child finally');
        }
      });
      try {
        await sleep(1_000_000);
      } finally {
        events.push('body finally');
      }
    }),
  );
  await sleep(1);
  outer.abort();
  await outer.catch((e: unknown) =>
    events.push(e instanceof JoinError && e.isCancelled() ? 'outer cancelled' : 'outer ?'),
  );
  assert.deepEqual(events.slice(0, 2).sort(), ['body finally', 'child finally']);
  assert.equal(events[2], 'outer cancelled');
});

void test('task-local values of the caller are visible in the scope body, not in children (Tokio semantics)', async () => {
  const local = new TaskLocal<string>('req');
  const seen = await local.scope('r-1', () =>
    scope(async (s) => {
      const inBody = local.get();
      await sleep(1);
      const afterAwait = local.get();
      const inChild = await s.spawn(() => local.tryGet());
      return { inBody, afterAwait, inChild };
    }),
  );
  assert.deepEqual(seen, { inBody: 'r-1', afterAwait: 'r-1', inChild: undefined });
});

void test('scope.signal is not aborted on success', async () => {
  let signal: AbortSignal | undefined;
  await scope(async (s) => {
    signal = s.signal;
    await s.spawn(() => 1);
  });
  assert.equal(signal?.aborted, false);
});

void test('spawning through a scope that has ended gives a task that is cancelled at once', async () => {
  let saved: Scope | undefined;
  await scope(async (s) => {
    saved = s;
  });
  let ran = false;
  const late = saved!.spawn(() => {
    ran = true;
  });
  await assert.rejects(late, (e: unknown) => e instanceof JoinError && e.isCancelled());
  assert.equal(ran, false);
});

void test('nested scopes: an inner failure propagates to the outer scope', async () => {
  const inner = new Error('inner');
  await assert.rejects(
    scope(async (outer) => {
      outer.spawn(() => sleep(1_000_000));
      await scope(async (s) => {
        s.spawn(() => {
          throw inner;
        });
        await sleep(1_000_000);
      });
    }),
    (e: unknown) => e === inner,
  );
});

void test('scope() rejects bad input synchronously', () => {
  assert.throws(() => scope(5 as never), { name: 'TypeError', message: /scope: body must be a function/ });
  assert.throws(() => scope(async () => 1, { signal: {} as never }), { name: 'TypeError', message: /AbortSignal/ });
});

void test('Scope.spawn rejects a non-function body synchronously', async () => {
  await scope(async (s) => {
    assert.throws(() => s.spawn(null as never), { name: 'TypeError', message: /Scope.spawn/ });
  });
});
