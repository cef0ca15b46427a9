import type { Runtime } from '../runtime/runtime.js';
import { validatePrefix } from './validate.js';
import { families, type Family, type Labels, type Snapshot } from './families.js';
import { loadPeer } from './peer.js';
import { snapshotCache } from './snapshot-cache.js';

/** The parts of prom-client's `Registry` weft uses (any prom-client 13–15 registry fits). */
export interface PromRegistry {
  registerMetric(metric: never): void;
  removeSingleMetric(name: string): void;
  getSingleMetric(name: string): unknown;
}

/** Options of {@link prometheus}. */
export interface PrometheusOptions {
  /** The prom-client `Registry` to register on. Default: prom-client's global `register`. */
  registry?: PromRegistry;
  /** Prefix of every metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*` or empty. Default `'weft_'`. */
  prefix?: string;
}

interface PromValue {
  value: number;
  labels: Labels;
  metricName?: string;
}

/**
 * Publishes a runtime's figures on a prom-client `Registry`, read at scrape
 * time (nothing runs between scrapes): `weft_tasks_alive`,
 * `weft_tasks_spawned_total`, `weft_tasks_finished_total{outcome}`,
 * `weft_task_poll_duration_seconds` and `weft_task_scheduled_delay_seconds`
 * (histograms, filled with `observe({ taskTimes: true })`),
 * `weft_eventloop_delay_seconds{quantile}` (an observing runtime),
 * `weft_worker_busy_seconds_total{worker}`, `weft_worker_steals_total{worker}`
 * and the other per-worker figures (multi-thread flavor),
 * `weft_blocking_threads`, `weft_blocking_queue_depth`, and
 * `weft_resource_length{kind,name}` for each named channel while the runtime
 * observes. prom-client's own default metrics (`collectDefaultMetrics()`: GC,
 * event-loop lag, heap) sit beside them on the same registry.
 *
 * `prom-client` is an optional peer dependency: loaded on the first call.
 *
 * @param runtime the runtime to read
 * @param options `registry`, `prefix`
 * @returns `{ close() }`: unregisters the metrics (idempotent)
 * @throws MissingPeerError when `prom-client` is not installed
 * @throws TypeError for a bad prefix; Error when a metric of the same name is already registered
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { Runtime, spawn } from 'weft';
 * import { prometheus } from 'weft/observe';
 * const rt = Runtime.builder().observe().build();
 * const registry = new Registry();
 * const exporter = prometheus(rt, { registry });
 * await rt.run(async () => {
 *   await spawn(async () => 1, { name: 'one' });
 * });
 * const text = await registry.metrics();
 * console.assert(/^weft_tasks_spawned_total 2$/m.test(text)); // the root task and 'one'
 * exporter.close();
 * await rt.shutdown();
 * ```
 */
export function prometheus(runtime: Runtime, options: PrometheusOptions = {}): { close(): void } {
  const prefix = validatePrefix(options.prefix ?? 'weft_', 'prometheus');
  const registry = options.registry ?? loadPeer<{ register: PromRegistry }>('prom-client', 'prometheus()').register;
  const snapshot = snapshotCache(runtime);
  const metrics = families(prefix).map((f) => promMetric(f, snapshot));
  const registered: string[] = [];
  try {
    for (const metric of metrics) {
      if (registry.getSingleMetric(metric.name) !== undefined)
        throw new Error(`prometheus(): a metric named ${metric.name} is already registered`);
      registry.registerMetric(metric as never);
      registered.push(metric.name);
    }
  } catch (err) {
    for (const name of registered) registry.removeSingleMetric(name);
    throw err;
  }
  let open = true;
  return {
    close() {
      if (!open) return;
      open = false;
      for (const name of registered) registry.removeSingleMetric(name);
    },
  };
}

// A metric object as prom-client's Registry reads it (`get()` → name, help,
// type, values): the figures are already aggregated by the runtime, so weft
// hands them over as they are instead of replaying them into prom-client's
// Counter/Histogram classes.
function promMetric(family: Family, snapshot: () => Snapshot) {
  return {
    name: family.name,
    help: family.help,
    type: family.type,
    aggregator: family.type === 'gauge' ? 'average' : 'sum',
    get: () => ({
      name: family.name,
      help: family.help,
      type: family.type,
      aggregator: family.type === 'gauge' ? 'average' : 'sum',
      values: values(family, snapshot()),
    }),
    reset() {},
  };
}

function values(family: Family, s: Snapshot): PromValue[] {
  if (family.type !== 'histogram') return family.samples(s);
  const h = family.histogram(s);
  const out: PromValue[] = [];
  let cumulative = 0;
  for (let i = 0; i < h.counts.length; i++) {
    cumulative += h.counts[i]!;
    const le = i < h.bounds.length ? String(h.bounds[i]) : '+Inf';
    out.push({ metricName: `${family.name}_bucket`, labels: { le }, value: cumulative });
  }
  out.push({ metricName: `${family.name}_sum`, labels: {}, value: h.sum });
  out.push({ metricName: `${family.name}_count`, labels: {}, value: cumulative });
  return out;
}
