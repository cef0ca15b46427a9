import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Runtime } from 'weft';
import { runBank } from '../../examples/actors.js';

void test('the bank example: every confirmed transaction is stored exactly once across storage restarts with backoff', async () => {
  const reports: string[] = [];
  const rt = Runtime.builder()
    .startPaused(true)
    .onTaskError((e) => reports.push(e.message))
    .build();
  const r = await rt.run(() => runBank({ transactions: 60, failEvery: 5 }));
  await rt.shutdown();
  assert.ok(r.storageRestarts >= 5, `restarts ${r.storageRestarts}`);
  assert.equal(reports.length, r.storageRestarts, 'every restart was reported through onTaskError');
  const seqs = r.stored.map((e) => e.seq);
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => i + 1),
    'stored once each, in order',
  );
  assert.equal(r.stored.length + r.refused, 60);
  for (const [account, balance] of Object.entries(r.balances)) {
    const sum = r.stored.filter((e) => e.account === account).reduce((s, e) => s + e.delta, 0);
    assert.equal(balance, sum, account);
  }
});
