import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime, spawn, sleep, select, CancellationToken, JoinSet } from 'weft';

/** The order in which 8 tasks start, and then wake from sleeps that end at the same instant. */
async function interleaving(seed: number | undefined): Promise<string[]> {
  const builder = Runtime.builder().startPaused(true);
  if (seed !== undefined) builder.seed(seed);
  await using rt = builder.build();
  const log: string[] = [];
  await rt.run(async () => {
    const set = new JoinSet<void>();
    for (let i = 0; i < 8; i++) {
      set.spawn(async () => {
        log.push(`start ${i}`);
        await sleep(10);
        log.push(`wake ${i}`);
      });
    }
    await set.joinAll();
  });
  return log;
}

/** Which branch 30 unbiased selects over four ready tokens pick. */
async function picks(seed: number): Promise<string[]> {
  await using rt = Runtime.builder().seed(seed).build();
  return await rt.run(async () => {
    const tokens = {
      a: new CancellationToken(),
      b: new CancellationToken(),
      c: new CancellationToken(),
      d: new CancellationToken(),
    };
    for (const t of Object.values(tokens)) t.cancel();
    const out: string[] = [];
    for (let i = 0; i < 30; i++) out.push((await select(tokens)).key);
    return out;
  });
}

void test('without a seed, tasks start in spawn order and same-instant wake-ups keep timer order', async () => {
  const log = await interleaving(undefined);
  assert.deepEqual(log, [
    ...Array.from({ length: 8 }, (_, i) => `start ${i}`),
    ...Array.from({ length: 8 }, (_, i) => `wake ${i}`),
  ]);
});

void test('the same seed gives the same interleaving of tasks, every run', async () => {
  const first = await interleaving(42);
  assert.deepEqual(await interleaving(42), first);
  assert.deepEqual(await interleaving(42), first);
  assert.equal(first.length, 16);
});

void test('different seeds give different interleavings', async () => {
  const orders = new Set<string>();
  for (let seed = 1; seed <= 6; seed++) orders.add((await interleaving(seed)).join(','));
  assert.ok(orders.size >= 3, `only ${orders.size} distinct orders over 6 seeds`);
});

void test('a seeded interleaving differs from spawn order (the order is really shuffled)', async () => {
  const plain = (await interleaving(undefined)).join(',');
  let differs = 0;
  for (let seed = 1; seed <= 4; seed++) if ((await interleaving(seed)).join(',') !== plain) differs++;
  assert.ok(differs >= 3);
});

void test('the same seed gives the same select picks; different seeds give different picks', async () => {
  const a = await picks(7);
  assert.deepEqual(await picks(7), a);
  assert.ok(new Set(a).size > 1, 'unbiased select uses more than one branch');
  const others = new Set<string>();
  for (let seed = 100; seed < 104; seed++) others.add((await picks(seed)).join(''));
  others.add(a.join(''));
  assert.ok(others.size >= 3);
});

void test('the seed applies only while the seeded runtime runs', async () => {
  await interleaving(9);
  const order: number[] = [];
  await Promise.all(Array.from({ length: 5 }, (_, i) => spawn(() => void order.push(i))));
  assert.deepEqual(order, [0, 1, 2, 3, 4], 'the default runtime is not shuffled afterwards');
});
