import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime, sleep, now } from 'weft';
import {
  spawnActor,
  supervisor,
  deadLetters,
  SupervisorGaveUpError,
  type Behavior,
  type ChildSpec,
  type Reply,
  type Supervisor,
  ActorRef,
} from 'weft/actor';

type Msg =
  | { type: 'crash'; why?: string }
  | { type: 'note'; v: number }
  | { type: 'get'; reply: Reply<number[]> }
  | { type: 'stop' };

/** An actor that records its lifecycle in `log` as "<name>:<event>". */
function recorder(
  log: string[],
  name: string,
  opts: { initMs?: number; terminateMs?: number } = {},
): Behavior<Msg, number[], []> {
  return {
    async init() {
      log.push(`${name}:init`);
      if (opts.initMs !== undefined) await sleep(opts.initMs);
      return [];
    },
    async receive(seen, msg, ctx) {
      if (msg.type === 'crash') throw new Error(msg.why ?? `${name} crashed`);
      if (msg.type === 'note') return [...seen, msg.v];
      if (msg.type === 'stop') void ctx.self.stop();
      else msg.reply.send(seen);
      return seen;
    },
    async terminate(_s, reason) {
      log.push(`${name}:terminate:${reason instanceof Error ? reason.message : String(reason)}`);
      if (opts.terminateMs !== undefined) await sleep(opts.terminateMs);
    },
  };
}

function child(log: string[], id: string, extra: Partial<ChildSpec> = {}, opts = {}): ChildSpec {
  return { id, start: () => spawnActor({ name: id }, recorder(log, id, opts)), ...extra };
}

/** Runs `body` in a paused runtime that collects reported failures. */
async function inRuntime(body: (reports: unknown[]) => Promise<void>): Promise<void> {
  const reports: unknown[] = [];
  const rt = Runtime.builder()
    .startPaused(true)
    .onTaskError((e) => reports.push(e.cause))
    .build();
  try {
    await rt.run(() => body(reports));
  } finally {
    await rt.shutdown();
  }
}

/** Polls (instantly, on the paused clock) until `cond` holds. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !cond(); i++) await sleep(1);
  assert.ok(cond(), 'condition not reached');
}

const get = (ref: ActorRef<Msg>): Promise<number[]> => ref.ask<number[]>((reply) => ({ type: 'get', reply }));

void test('one-for-one restarts the failed actor in place: same ref, its mailbox kept, only the failing message lost', async () => {
  await inRuntime(async (reports) => {
    using letters = deadLetters();
    const log: string[] = [];
    const sup = supervisor({ strategy: 'one-for-one', children: [child(log, 'a'), child(log, 'b')] });
    const a = sup.ref('a')!;
    const b = sup.ref('b')!;
    a.tell({ type: 'note', v: 1 });
    const crash: Msg = { type: 'crash' };
    a.tell(crash);
    a.tell({ type: 'note', v: 2 }); // queued behind the crash: survives the restart
    assert.deepEqual(await get(a), [2]);
    assert.equal(sup.ref('a'), a);
    assert.equal(sup.restarts, 1);
    assert.deepEqual(log, ['a:init', 'b:init', 'a:terminate:a crashed', 'a:init']);
    assert.equal(b.isAlive, true);
    assert.equal(reports.length, 1);
    assert.equal((reports[0] as Error).message, 'a crashed');
    for await (const letter of letters) {
      assert.equal(letter.msg, crash);
      assert.equal(letter.ref, a);
      break;
    }
    await sup.stop();
    assert.deepEqual(log.slice(-2), ['b:terminate:shutdown', 'a:terminate:shutdown']);
    assert.equal(await sup.stopped(), 'normal');
  });
});

void test('children start in order (each init settles before the next starts) and stop in reverse', async () => {
  await inRuntime(async () => {
    const log: string[] = [];
    const sup = supervisor({
      strategy: 'one-for-one',
      children: [child(log, 'a', {}, { initMs: 30 }), child(log, 'b', {}, { initMs: 10 }), child(log, 'c')],
    });
    assert.ok(sup.ref('a') && sup.ref('b') && sup.ref('c'));
    await get(sup.ref('c')!);
    assert.deepEqual(log, ['a:init', 'b:init', 'c:init']);
    await sup.stop();
    assert.deepEqual(log.slice(3), ['c:terminate:shutdown', 'b:terminate:shutdown', 'a:terminate:shutdown']);
  });
});

void test('one-for-all ends the others (last started first) and starts all again in order, keeping their refs', async () => {
  await inRuntime(async () => {
    const log: string[] = [];
    const sup = supervisor({ strategy: 'one-for-all', children: [child(log, 'a'), child(log, 'b'), child(log, 'c')] });
    const [a, b, c] = ['a', 'b', 'c'].map((id) => sup.ref(id)!);
    await get(c!);
    log.length = 0;
    c!.tell({ type: 'note', v: 7 });
    b!.tell({ type: 'crash' });
    await until(() => log.length >= 6);
    assert.deepEqual(await get(c!), [], 'c was restarted too: its state is new');
    assert.deepEqual(log, [
      'b:terminate:b crashed',
      'c:terminate:shutdown',
      'a:terminate:shutdown',
      'a:init',
      'b:init',
      'c:init',
    ]);
    assert.deepEqual([sup.ref('a'), sup.ref('b'), sup.ref('c')], [a, b, c]);
    assert.equal(sup.restarts, 1);
    await sup.stop();
  });
});

void test('rest-for-one restarts the failed child and those started after it, not those before', async () => {
  await inRuntime(async () => {
    const log: string[] = [];
    const sup = supervisor({ strategy: 'rest-for-one', children: [child(log, 'a'), child(log, 'b'), child(log, 'c')] });
    await get(sup.ref('c')!);
    log.length = 0;
    sup.ref('b')!.tell({ type: 'crash' });
    await until(() => log.length >= 4);
    await sleep(10);
    await get(sup.ref('a')!);
    assert.deepEqual(log, ['b:terminate:b crashed', 'c:terminate:shutdown', 'b:init', 'c:init']);
    await sup.stop();
  });
});

void test('more than intensity restarts in period: children stop in reverse and the supervisor ends with SupervisorGaveUpError', async () => {
  await inRuntime(async (reports) => {
    const log: string[] = [];
    const sup = supervisor({
      name: 'top',
      strategy: 'one-for-one',
      intensity: 2,
      period: 1_000,
      children: [child(log, 'a'), child(log, 'b')],
    });
    const b = sup.ref('b')!;
    for (let i = 0; i < 2; i++) {
      b.tell({ type: 'crash' });
      await get(b);
    }
    assert.equal(sup.restarts, 2);
    b.tell({ type: 'crash' }); // the third within the period
    const reason = await sup.stopped();
    assert.ok(reason instanceof SupervisorGaveUpError);
    assert.equal(reason.childId, 'b');
    assert.equal(reason.intensity, 2);
    assert.equal((reason.cause as Error).message, 'b crashed');
    assert.deepEqual(log.slice(-2), ['b:terminate:b crashed', 'a:terminate:shutdown']);
    assert.equal(sup.ref('a'), undefined);
    assert.equal(b.isAlive, false);
    assert.ok(reports.at(-1) instanceof SupervisorGaveUpError, 'the top supervisor giving up is reported');
  });
});

void test('restarts spread out beyond the period do not add up to the intensity', async () => {
  await inRuntime(async () => {
    const log: string[] = [];
    const sup = supervisor({ strategy: 'one-for-one', intensity: 1, period: 1_000, children: [child(log, 'a')] });
    const a = sup.ref('a')!;
    for (let i = 0; i < 5; i++) {
      a.tell({ type: 'crash' });
      await get(a);
      await sleep(1_001);
    }
    assert.equal(sup.restarts, 5);
    assert.equal(a.isAlive, true);
    await sup.stop();
  });
});

void test('a nested supervisor that gives up is a failed child of its parent, which starts it again', async () => {
  await inRuntime(async () => {
    const log: string[] = [];
    const inners: Supervisor[] = [];
    const outer = supervisor({
      strategy: 'one-for-one',
      children: [
        child(log, 'x'),
        {
          id: 'inner',
          start: () => {
            const s = supervisor({ strategy: 'one-for-one', intensity: 0, children: [child(log, 'y')] });
            inners.push(s);
            return s;
          },
        },
      ],
    });
    const first = outer.child('inner') as Supervisor;
    assert.equal(first, inners[0]);
    const y = first.ref('y')!;
    y.tell({ type: 'crash' });
    assert.ok((await first.stopped()) instanceof SupervisorGaveUpError);
    while (inners.length < 2) await sleep(1);
    const second = outer.child('inner') as Supervisor;
    assert.equal(second, inners[1]);
    assert.notEqual(second.ref('y'), y);
    assert.deepEqual(await get(second.ref('y')!), []);
    assert.equal(outer.restarts, 1);
    assert.equal(outer.ref('x')!.isAlive, true);
    await outer.stop();
    assert.equal(await second.stopped(), 'shutdown');
  });
});

void test('restart types: transient and temporary children that stop normally are not restarted; permanent ones start again', async () => {
  await inRuntime(async () => {
    const log: string[] = [];
    const sup = supervisor({
      strategy: 'one-for-one',
      children: [
        child(log, 'perm'),
        child(log, 'trans', { restart: 'transient' }),
        child(log, 'temp', { restart: 'temporary' }),
      ],
    });
    const perm = sup.ref('perm')!;
    for (const id of ['perm', 'trans', 'temp']) sup.ref(id)!.tell({ type: 'stop' });
    await perm.stopped();
    while (sup.ref('perm') === undefined || sup.ref('perm') === perm) await sleep(1);
    assert.notEqual(sup.ref('perm'), perm, 'a permanent child that stopped is started again (a new ref)');
    await sleep(10);
    assert.equal(sup.ref('trans'), undefined);
    assert.equal(sup.ref('temp'), undefined);
    await sup.stop();
  });
});

void test('a transient child is restarted after a failure; a temporary one is not (and the failure is reported)', async () => {
  await inRuntime(async (reports) => {
    const log: string[] = [];
    const sup = supervisor({
      strategy: 'one-for-one',
      children: [child(log, 'trans', { restart: 'transient' }), child(log, 'temp', { restart: 'temporary' })],
    });
    const trans = sup.ref('trans')!;
    const temp = sup.ref('temp')!;
    trans.tell({ type: 'crash' });
    temp.tell({ type: 'crash' });
    assert.deepEqual(await get(trans), []);
    assert.ok((await temp.stopped()) instanceof Error);
    assert.equal(sup.ref('temp'), undefined);
    assert.equal(sup.restarts, 1);
    assert.equal(reports.length, 2);
    await sup.stop();
  });
});

void test('shutdown: a child whose terminate outlasts its shutdown time is killed; brutal skips terminate', async () => {
  await inRuntime(async () => {
    const log: string[] = [];
    const sup = supervisor({
      strategy: 'one-for-one',
      children: [
        child(log, 'slow', { shutdown: 50 }, { terminateMs: 10_000 }),
        child(log, 'brutal', { shutdown: 'brutal' }),
      ],
    });
    const slow = sup.ref('slow')!;
    const t0 = now();
    await sup.stop();
    assert.ok(now() - t0 >= 50 && now() - t0 < 10_000, `stopped after ${now() - t0} ms`);
    assert.equal(await slow.stopped(), 'killed');
    assert.ok(!log.includes('brutal:terminate:shutdown'));
    assert.ok(log.includes('slow:terminate:shutdown'));
  });
});

void test('backoff: delays double from min up to max, and reset after the child ran resetAfter ms (hours in milliseconds)', async () => {
  await inRuntime(async () => {
    const inits: number[] = [];
    const sup = supervisor({
      strategy: 'one-for-one',
      children: [
        {
          id: 'flaky',
          backoff: { min: 1_000, max: 3_600_000, resetAfter: 24 * 3_600_000 },
          start: () =>
            spawnActor({
              init: () => (inits.push(now()), 0),
              receive: (s: number, m: 'crash' | { reply: Reply<number> }) => {
                if (m === 'crash') throw new Error('flaky');
                m.reply.send(s);
                return s;
              },
            }),
        },
      ],
    });
    const flaky = sup.ref('flaky')!;
    const real0 = performance.now();
    for (let i = 0; i < 20; i++) {
      flaky.tell('crash');
      await flaky.ask<number>((reply) => ({ reply }), { timeout: Infinity });
    }
    const gaps = inits.slice(1).map((t, i) => t - inits[i]!);
    const expected = Array.from({ length: 20 }, (_, i) => Math.min(3_600_000, 1_000 * 2 ** i));
    assert.deepEqual(gaps.map(Math.round), expected);
    assert.ok(inits.at(-1)! - inits[0]! > 5 * 3_600_000, 'more than five hours of virtual backoff');
    assert.ok(performance.now() - real0 < 5_000);
    // run a day without failing: the next failure starts from min again
    await sleep(24 * 3_600_000);
    flaky.tell('crash');
    const before = inits.at(-1)!;
    await flaky.ask<number>((reply) => ({ reply }), { timeout: Infinity });
    assert.equal(Math.round(inits.at(-1)! - before - 24 * 3_600_000), 1_000);
    await sup.stop();
  });
});

void test('backoff jitter stretches each delay by at most the jitter fraction', async () => {
  await inRuntime(async () => {
    const inits: number[] = [];
    const sup = supervisor({
      strategy: 'one-for-one',
      children: [
        {
          id: 'j',
          backoff: { min: 100, max: 100, jitter: 0.5 },
          start: () =>
            spawnActor({
              init: () => (inits.push(now()), 0),
              receive: (s: number, m: 'crash' | { reply: Reply<number> }) => {
                if (m === 'crash') throw new Error('j');
                m.reply.send(s);
                return s;
              },
            }),
        },
      ],
    });
    const j = sup.ref('j')!;
    for (let i = 0; i < 10; i++) {
      j.tell('crash');
      await j.ask<number>((reply) => ({ reply }), { timeout: Infinity });
    }
    const gaps = inits.slice(1).map((t, i) => t - inits[i]!);
    assert.ok(
      gaps.every((g) => g >= 100 && g <= 151),
      gaps.join(),
    );
    assert.ok(new Set(gaps.map(Math.round)).size > 1, 'jitter varies the delays');
    await sup.stop();
  });
});

void test('a backoff restart waits while messages keep arriving; stop during the backoff ends the child at once', async () => {
  await inRuntime(async () => {
    const log: string[] = [];
    const sup = supervisor({
      strategy: 'one-for-one',
      children: [child(log, 'a', { backoff: { min: 60_000, max: 60_000 } })],
    });
    const a = sup.ref('a')!;
    a.tell({ type: 'crash' });
    a.tell({ type: 'note', v: 1 });
    await sleep(1_000);
    assert.deepEqual(log, ['a:init', 'a:terminate:a crashed']);
    const t0 = now();
    await sup.stop();
    assert.ok(now() - t0 < 60_000);
    assert.equal(a.isAlive, false);
  });
});

void test('a child whose start() throws is restarted like a failed child', async () => {
  await inRuntime(async () => {
    let attempts = 0;
    const sup = supervisor({
      strategy: 'one-for-one',
      children: [
        {
          id: 'c',
          start: () => {
            if (++attempts < 3) throw new Error('not yet');
            return spawnActor({ init: () => 0, receive: (s: number) => s });
          },
        },
      ],
    });
    while (sup.ref('c') === undefined) await sleep(1);
    assert.equal(attempts, 3);
    assert.equal(sup.restarts, 2);
    await sup.stop();
  });
});

void test('supervisor() validates its spec synchronously', () => {
  assert.throws(() => supervisor({ strategy: 'one-for-many' as never, children: [] }), TypeError);
  assert.throws(() => supervisor({ strategy: 'one-for-one', children: [{ id: 'a', start: 1 as never }] }), TypeError);
  assert.throws(() => supervisor({ strategy: 'one-for-one', intensity: -1, children: [] }), RangeError);
  const s = () => spawnActor({ init: () => 0, receive: (x: number) => x });
  assert.throws(
    () =>
      supervisor({
        strategy: 'one-for-one',
        children: [
          { id: 'a', start: s },
          { id: 'a', start: s },
        ],
      }),
    TypeError,
  );
  assert.throws(
    () => supervisor({ strategy: 'one-for-one', children: [{ id: 'a', start: s, backoff: { min: 10, max: 1 } }] }),
    RangeError,
  );
});
