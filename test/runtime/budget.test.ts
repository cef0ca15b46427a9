import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, spawn, CancellationToken, now, sleepUntil } from 'weft';
import { BUDGET } from '../../src/core/scheduler.js';

void test('a hot loop of await sleep(0) does not starve a setImmediate', async () => {
  let fired = false;
  setImmediate(() => (fired = true));
  let before = 0;
  for (let i = 0; i < 5 * BUDGET; i++) {
    await sleep(0);
    if (!fired) before++;
  }
  assert.equal(fired, true);
  assert.ok(before <= BUDGET + 1, `${before} ready sleeps ran before the immediate`);
});

void test('a hot loop of await sleep(0) does not starve a setTimeout', async () => {
  let fired = false;
  setTimeout(() => (fired = true), 1);
  let i = 0;
  while (!fired && i < 10_000_000) {
    await sleep(0);
    i++;
  }
  assert.equal(fired, true, `the timer had not fired after ${i} ready sleeps`);
});

void test('a hot loop of ready sleepUntil(past) in a task does not starve a setTimeout', async () => {
  let fired = false;
  setTimeout(() => (fired = true), 1);
  const loops = await spawn(async () => {
    let i = 0;
    while (!fired && i < 10_000_000) {
      await sleepUntil(now() - 1);
      i++;
    }
    return i;
  });
  assert.equal(fired, true, `the timer had not fired after ${loops} ready waits`);
});

void test('a hot loop awaiting a cancelled token does not starve a setImmediate', async () => {
  const token = new CancellationToken();
  token.cancel();
  let fired = false;
  setImmediate(() => (fired = true));
  let before = 0;
  for (let i = 0; i < 5 * BUDGET; i++) {
    await token.cancelled();
    if (!fired) before++;
  }
  assert.equal(fired, true);
  assert.ok(before <= BUDGET + 1, `${before} ready waits ran before the immediate`);
});

void test('the budget is cooperative, not a delay: ready operations stay fast', async () => {
  const t0 = performance.now();
  for (let i = 0; i < 20_000; i++) await sleep(0);
  assert.ok(performance.now() - t0 < 2000);
});
