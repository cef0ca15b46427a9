import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime, now } from 'weft';
import { probe, ExpectMessageError } from 'weft/testing';
import { spawnActor, supervisor, type ActorRef } from 'weft/actor';

async function paused(body: () => Promise<void>): Promise<void> {
  const rt = Runtime.builder().startPaused(true).onTaskError('ignore').build();
  try {
    await rt.run(body);
  } finally {
    await rt.shutdown();
  }
}

void test('expectMessage resolves with the next matching message, skipping the others; received records all', async () => {
  const p = probe<number>();
  for (const n of [1, 2, 3, 4]) p.ref.tell(n);
  assert.equal(await p.expectMessage((n) => n % 2 === 0), 2);
  assert.equal(await p.expectMessage(), 3);
  assert.deepEqual(p.received, [1, 2, 3, 4]);
  await p.stop();
});

void test('expectMessage fails with ExpectMessageError after its timeout on the runtime clock', async () => {
  await paused(async () => {
    const p = probe<string>();
    p.ref.tell('other');
    const t0 = now();
    const err = await p.expectMessage((m) => m === 'wanted', { timeout: 10_000 }).catch((e: unknown) => e);
    assert.ok(err instanceof ExpectMessageError);
    assert.deepEqual(err.received, ['other']);
    assert.equal(now() - t0, 10_000);
    await p.stop();
  });
});

void test('expectNoMessage passes when nothing comes and fails when something does', async () => {
  await paused(async () => {
    const p = probe<string>();
    await p.expectNoMessage(1_000);
    p.ref.tell('surprise');
    await assert.rejects(p.expectNoMessage(1_000), ExpectMessageError);
    await p.stop();
  });
});

void test('a supervised child restarting with an hour of backoff, checked with a probe in milliseconds', async () => {
  await paused(async () => {
    await using events = probe<{ up: number }>();
    const sup = supervisor({
      strategy: 'one-for-one',
      children: [
        {
          id: 'flaky',
          backoff: { min: 60_000, max: 3_600_000, resetAfter: Infinity },
          start: () =>
            spawnActor({
              init: () => (events.ref.tell({ up: now() }), 0),
              receive: (): number => {
                throw new Error('flaky');
              },
            }),
        },
      ],
    });
    const real0 = performance.now();
    const ups = [(await events.expectMessage()).up];
    for (let i = 0; i < 12; i++) {
      sup.ref('flaky')!.tell(i);
      ups.push((await events.expectMessage(() => true, { timeout: 2 * 3_600_000 })).up);
    }
    const gaps = ups.slice(1).map((t, i) => t - ups[i]!);
    assert.deepEqual(
      gaps,
      [
        60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000, 3_600_000, 3_600_000,
        3_600_000,
      ],
    );
    assert.ok(ups.at(-1)! - ups[0]! > 7 * 3_600_000, 'over seven hours of virtual time');
    assert.ok(performance.now() - real0 < 3_000, 'in a few milliseconds of real time');
    await sup.stop();
  });
});

void test('a probe as a watcher target: it receives down messages forwarded by an observer', async () => {
  const p = probe<unknown>();
  const target = spawnActor({ init: () => 0, receive: (s: number) => s });
  const observer = spawnActor(
    {
      init: (ctx, t: ActorRef<number>) => (ctx.watch(t), 0),
      receive: (s: number, m: unknown) => (p.ref.tell(m), s),
    },
    target,
  );
  await target.stop('gone');
  const down = (await p.expectMessage()) as { type: string; reason: unknown };
  assert.equal(down.type, 'down');
  assert.equal(down.reason, 'gone');
  await observer.stop();
  await p.stop();
});
