import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineTask } from 'weft/worker';
import { PoolMemory, KIND_CALL, PARKED, RUNNING, SPINNING } from '../../src/worker/pool/shared-memory.js';
import { Arena } from '../../src/worker/pool/arena.js';
import { JobTable } from '../../src/worker/pool/job-table.js';
import { QueueWriter } from '../../src/worker/pool/queue-writer.js';
import { RemoteJob } from '../../src/worker/remote-job.js';
import { fastBound } from '../../src/worker/wire/args-codec.js';

const noop = defineTask(import.meta.url, 'doorbells-noop', (x: number) => x);

/** A queue writer over two workers in the given states, and how to place one call and read the doorbells. */
function pool(states: [number, number]) {
  const mem = new PoolMemory({ workers: 2, arenaBytes: 64 * 1024 });
  const arena = new Arena(64 * 1024);
  const table = new JobTable(mem.jobs, arena, 2);
  const writer = new QueueWriter(mem, arena);
  const defs = new Map([[noop, 0]]);
  states.forEach((s, w) => mem.perWorker.setState(w, s));
  const bells = () => [mem.perWorker.bell(0), mem.perWorker.bell(1)];
  const place = (): void => {
    const job = new RemoteJob(noop, KIND_CALL, [1], undefined);
    job.size = fastBound([1]);
    assert.equal(writer.place(job, table, defs), undefined);
  };
  return { mem, bells, place };
}

const turnEnd = () => new Promise<void>((resolve) => setImmediate(resolve));

void test('with every worker parked, the worker that gets a call is rung at once', () => {
  const { mem, bells, place } = pool([PARKED, PARKED]);
  const before = bells();
  place();
  const rung = bells().map((b, w) => b !== before[w]);
  assert.equal(rung.filter(Boolean).length, 1, `rung: ${rung}`);
  assert.equal(mem.perWorker.state(rung.indexOf(true)), RUNNING, 'its state flipped to running before the ring');
});

void test('beside an awake worker, a parked one is not rung for calls the awake one takes before the turn ends', async () => {
  for (const awake of [RUNNING, SPINNING]) {
    const { mem, bells, place } = pool([awake, PARKED]);
    const before = bells();
    for (let i = 0; i < 50; i++) place();
    assert.deepEqual(bells(), before, 'nothing rung while the calls are being placed');
    // The awake worker takes (or steals) every call before the turn ends.
    for (let w = 0; w < 2; w++) while (mem.claim(w, 0) >= 0);
    await turnEnd();
    assert.deepEqual(bells(), before, 'nothing waits: the parked worker stays parked');
    assert.equal(mem.perWorker.state(1), PARKED);
  }
});

void test('calls still waiting at the end of the turn ring the parked worker (two long calls run in parallel)', async () => {
  const { mem, bells, place } = pool([RUNNING, PARKED]);
  const before = bells();
  place();
  place();
  // Worker 0 is busy with a long call: it claims nothing this turn.
  await turnEnd();
  assert.notEqual(bells()[1], before[1], 'the parked worker was rung');
  assert.equal(mem.perWorker.state(1), RUNNING);
  assert.ok(mem.depth(0) + mem.depth(1) > 0, 'the calls are still there for it to take or steal');
});
