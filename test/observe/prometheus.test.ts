import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import client, { Registry } from 'prom-client';
import { Runtime, spawn, sleep } from 'weft';
import { mpsc } from 'weft/sync';
import { prometheus } from 'weft/observe';

/** Parses Prometheus text exposition into `name{labels}` → value, and `name` → type. */
function parse(text: string): { values: Map<string, number>; types: Map<string, string> } {
  const values = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name!, type!);
    } else if (line !== '' && !line.startsWith('#')) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
      assert.ok(m, `a well-formed sample line: ${line}`);
      values.set(m[1]!, Number(m[2]));
    }
  }
  return { values, types };
}

test('prometheus() publishes task counts, outcomes and named channel lengths read at scrape time', async () => {
  const rt = Runtime.builder().observe().build();
  const registry = new Registry();
  const exporter = prometheus(rt, { registry });
  try {
    await rt.run(async () => {
      for (let i = 0; i < 3; i++) await spawn(async () => i);
      await spawn(async () => {
        throw new Error('expected');
      }).catch(() => {});
      const sleeper = spawn(() => sleep(10_000));
      sleeper.abort();
      await sleeper.catch(() => {});
      const [tx, rx] = mpsc.channel<number>(8, { name: 'jobs' });
      await tx.send(1);
      await tx.send(2);
      const parked = spawn(() => sleep(10_000), { name: 'parked' });
      await sleep(1);
      const { values, types } = parse(await registry.metrics());
      assert.equal(values.get('weft_tasks_spawned_total'), 7); // main, 3 ok, 1 failed, 1 cancelled, parked
      assert.equal(values.get('weft_tasks_alive'), 2); // main and parked
      assert.equal(values.get('weft_tasks_finished_total{outcome="ok"}'), 3);
      assert.equal(values.get('weft_tasks_finished_total{outcome="failed"}'), 1);
      assert.equal(values.get('weft_tasks_finished_total{outcome="cancelled"}'), 1);
      assert.equal(values.get('weft_resource_length{kind="mpsc",name="jobs"}'), 2);
      assert.equal(types.get('weft_tasks_spawned_total'), 'counter');
      assert.equal(types.get('weft_tasks_alive'), 'gauge');
      assert.equal(types.get('weft_task_poll_duration_seconds'), 'histogram');
      assert.equal(types.get('weft_eventloop_delay_seconds'), 'gauge');
      assert.ok(values.has('weft_eventloop_delay_seconds{quantile="0.99"}'));
      assert.equal(values.get('weft_blocking_threads'), 0);
      // Read at scrape time: a value received is gone from the next scrape.
      await rx.recv();
      assert.equal(parse(await registry.metrics()).values.get('weft_resource_length{kind="mpsc",name="jobs"}'), 1);
      parked.abort();
      await parked.catch(() => {});
      rx.close();
    });
  } finally {
    exporter.close();
    await rt.shutdown();
  }
});

test('with taskTimes the poll-time histogram has cumulative buckets whose count is the poll count', async () => {
  const rt = Runtime.builder().observe({ taskTimes: true }).build();
  const registry = new Registry();
  const exporter = prometheus(rt, { registry });
  try {
    await rt.run(async () => {
      await Promise.all(Array.from({ length: 20 }, (_, i) => spawn(() => sleep(1 + (i % 3)))));
    });
    const { values } = parse(await registry.metrics());
    const polls = rt.metrics().pollCount;
    assert.ok(polls >= 40, `each sleeping task polls at least twice (saw ${polls})`);
    assert.equal(values.get('weft_task_poll_duration_seconds_count'), polls);
    assert.equal(values.get('weft_task_poll_duration_seconds_bucket{le="+Inf"}'), polls);
    assert.equal(values.get('weft_task_polls_total'), polls);
    const buckets = [...values]
      .filter(([k]) => k.startsWith('weft_task_poll_duration_seconds_bucket'))
      .map(([, v]) => v);
    assert.deepEqual(
      buckets,
      [...buckets].sort((a, b) => a - b),
      'buckets are cumulative',
    );
    const sum = values.get('weft_task_poll_duration_seconds_sum')!;
    assert.ok(sum > 0 && sum < 5, `poll time sum in seconds (${sum})`);
  } finally {
    exporter.close();
    await rt.shutdown();
  }
});

test('prefix renames every metric; close() unregisters and is idempotent', async () => {
  const rt = Runtime.builder().build();
  const registry = new Registry();
  const exporter = prometheus(rt, { registry, prefix: 'app_rt_' });
  const text = await registry.metrics();
  assert.match(text, /^app_rt_tasks_alive 0$/m);
  assert.doesNotMatch(text, /weft_/);
  exporter.close();
  exporter.close();
  assert.equal((await registry.metrics()).trim(), '');
  await rt.shutdown();
});

test('the default registry is prom-client global one, beside its default metrics', async () => {
  const rt = Runtime.builder().build();
  client.collectDefaultMetrics();
  const exporter = prometheus(rt);
  try {
    const text = await client.register.metrics();
    assert.match(text, /^weft_tasks_spawned_total 0$/m);
    assert.match(text, /^nodejs_eventloop_lag_p99_seconds /m);
  } finally {
    exporter.close();
    client.register.clear();
    await rt.shutdown();
  }
});

test('bad options get a TypeError, a name clash an Error, and nothing is left registered', async () => {
  const rt = Runtime.builder().build();
  const registry = new Registry();
  assert.throws(() => prometheus(rt, { registry, prefix: '9bad' }), TypeError);
  assert.throws(() => prometheus(rt, { registry, prefix: 'a-b' }), TypeError);
  new client.Gauge({ name: 'weft_blocking_threads', help: 'taken', registers: [registry] });
  assert.throws(() => prometheus(rt, { registry }), /weft_blocking_threads is already registered/);
  assert.deepEqual(
    registry.getMetricsAsArray().map((m) => m.name),
    ['weft_blocking_threads'],
    'the metrics registered before the clash were removed again',
  );
  await rt.shutdown();
});
