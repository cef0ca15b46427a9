import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CreditGate } from '../../src/cluster/credit-gate.js';
import { runActors, GrantLedger } from '../helpers/property.js';

const site = { op: 'test.CreditGate.take' } as const;

interface State {
  gate: CreditGate<string>;
  sent: string[];
  granted: number;
  ledger: GrantLedger;
  outcomes: Map<string, 'sent' | 'refused'>;
}

test('credits: a take completes only with a credit, in FIFO order, and an aborted take sends nothing', async () => {
  await runActors<State, number>({
    setup: () => {
      const sent: string[] = [];
      return {
        gate: new CreditGate<string>(0, (p) => sent.push(p)),
        sent,
        granted: 0,
        ledger: new GrantLedger(),
        outcomes: new Map(),
      };
    },
    ops: fc.integer({ min: 0, max: 2 }),
    drivers: 1,
    async actor(ctx, st) {
      if (ctx.id === 0) {
        // The far end: grants a few credits at random points, then enough for everyone left.
        for (const n of ctx.ops) {
          await ctx.step('grant');
          st.granted += n;
          st.gate.grant(n);
        }
        await ctx.step('grant rest');
        st.granted += 100;
        st.gate.grant(100);
        return;
      }
      for (let i = 0; i < ctx.ops.length; i++) {
        const payload = `${ctx.id}:${i}`;
        await ctx.step('take');
        const ticket = st.ledger.request();
        try {
          await st.ledger.watch(ticket, st.gate.take(payload, ctx.options.signal, site));
          st.outcomes.set(payload, 'sent');
          ctx.assert(st.sent.includes(payload), `${payload} resolved but was not sent`);
        } catch (e) {
          st.outcomes.set(payload, 'refused');
          ctx.assert(!st.sent.includes(payload), `${payload} was aborted but sent`);
          throw e;
        }
      }
    },
    check(st) {
      assert.ok(st.sent.length <= st.granted, `${st.sent.length} sent with ${st.granted} credits`);
      for (const p of st.sent) assert.equal(st.outcomes.get(p), 'sent', `${p} left without its take resolving`);
      st.ledger.assertFifo();
      assert.equal(st.gate.credits, st.granted - st.sent.length, 'no credit lost or made up');
    },
    runs: 300,
  });
});

test('fail() rejects every waiting take and every later one with the reason', async () => {
  const gate = new CreditGate<number>(0, () => {});
  const waiting = gate.take(1, undefined, site);
  gate.fail(new Error('node down'));
  await assert.rejects(waiting, /node down/);
  await assert.rejects(gate.take(2, undefined, site), /node down/);
  assert.throws(() => gate.tryTake(), /node down/);
});
