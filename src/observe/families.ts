import type { Runtime } from '../runtime/runtime.js';
import type { HistogramSnapshot, RuntimeMetrics } from '../runtime/metrics.js';

/**
 * The runtime's figures as metric families, written once for both exporters
 * (Prometheus and OpenTelemetry). Names follow Prometheus conventions: base
 * units (seconds), `_total` for counters; the OpenTelemetry exporter maps each
 * family to an instrument of the same name.
 */
export type Labels = Record<string, string>;
export interface Sample {
  labels: Labels;
  value: number;
}
export interface ScalarFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples(s: Snapshot): Sample[];
}
export interface HistogramFamily {
  name: string;
  help: string;
  type: 'histogram';
  /** Bounds and sum in seconds, counts per bucket (not cumulative). */
  histogram(s: Snapshot): HistogramSnapshot;
}
export type Family = ScalarFamily | HistogramFamily;

/** What one collection reads: the metrics, and the named resources' lengths. */
export interface Snapshot {
  metrics: RuntimeMetrics;
  runtime: Runtime;
}

const one = (value: number): Sample[] => [{ labels: {}, value }];
const ms = (x: number): number => x / 1000;

function seconds(h: HistogramSnapshot): HistogramSnapshot {
  return { bounds: h.bounds.map(ms), counts: h.counts, sum: ms(h.sum) };
}

/** The families, in the order an exporter lists them. `prefix` replaces 'weft_'. */
export function families(prefix: string): Family[] {
  const n = (name: string): string => prefix + name;
  return [
    {
      name: n('tasks_alive'),
      help: 'Tasks spawned and not yet finished.',
      type: 'gauge',
      samples: (s) => one(s.metrics.aliveTasks),
    },
    {
      name: n('tasks_spawned_total'),
      help: 'Tasks spawned since the runtime was built.',
      type: 'counter',
      samples: (s) => one(s.metrics.spawnedTasks),
    },
    {
      name: n('tasks_finished_total'),
      help: 'Tasks finished, by outcome (ok, failed, cancelled).',
      type: 'counter',
      samples: ({ metrics: m }) => [
        { labels: { outcome: 'ok' }, value: m.completedTasks },
        { labels: { outcome: 'failed' }, value: m.failedTasks },
        { labels: { outcome: 'cancelled' }, value: m.cancelledTasks },
      ],
    },
    {
      name: n('task_polls_total'),
      help: 'Task polls (runs between two waits); counted with observe({ taskTimes: true }).',
      type: 'counter',
      samples: (s) => one(s.metrics.pollCount),
    },
    {
      name: n('task_long_polls_total'),
      help: 'Polls that ran past observe({ longPoll }).',
      type: 'counter',
      samples: (s) => one(s.metrics.longPollCount),
    },
    {
      name: n('budget_forced_yields_total'),
      help: 'Times the cooperative budget ran out and a ready operation yielded.',
      type: 'counter',
      samples: (s) => one(s.metrics.budgetForcedYields),
    },
    {
      name: n('task_poll_duration_seconds'),
      help: 'Duration of one task poll (observe({ taskTimes: true })).',
      type: 'histogram',
      histogram: (s) => seconds(s.metrics.pollTimeHistogram),
    },
    {
      name: n('task_scheduled_delay_seconds'),
      help: 'Time from a task being woken to it running (observe({ taskTimes: true })).',
      type: 'histogram',
      histogram: (s) => seconds(s.metrics.scheduledDelayHistogram),
    },
    {
      name: n('eventloop_delay_seconds'),
      help: 'Event-loop delay (perf_hooks.monitorEventLoopDelay) of an observing runtime, by quantile (1 = max).',
      type: 'gauge',
      samples: ({ metrics: { eventLoopDelay: d } }) => [
        { labels: { quantile: '0.5' }, value: ms(d.p50) },
        { labels: { quantile: '0.99' }, value: ms(d.p99) },
        { labels: { quantile: '1' }, value: ms(d.max) },
      ],
    },
    {
      name: n('eventloop_utilization_ratio'),
      help: 'Share of time the event loop was busy since build(), 0-1.',
      type: 'gauge',
      samples: (s) => one(s.metrics.eventLoopUtilization),
    },
    {
      name: n('worker_busy_seconds_total'),
      help: 'Time each worker thread spent running calls.',
      type: 'counter',
      samples: (s) => perWorker(s, (w) => ms(w.busyMs)),
    },
    {
      name: n('worker_steals_total'),
      help: "Calls each worker thread took from another worker's queue.",
      type: 'counter',
      samples: (s) => perWorker(s, (w) => w.steals),
    },
    {
      name: n('worker_parks_total'),
      help: 'Times each worker thread ran out of work and waited.',
      type: 'counter',
      samples: (s) => perWorker(s, (w) => w.parks),
    },
    {
      name: n('worker_polls_total'),
      help: 'Calls each worker thread ran.',
      type: 'counter',
      samples: (s) => perWorker(s, (w) => w.polls),
    },
    {
      name: n('worker_queue_depth'),
      help: 'Calls queued on each worker thread.',
      type: 'gauge',
      samples: (s) => perWorker(s, (w) => w.queueDepth),
    },
    {
      name: n('blocking_threads'),
      help: 'Threads in the blocking pool, busy or idle.',
      type: 'gauge',
      samples: (s) => one(s.metrics.blockingThreads),
    },
    {
      name: n('blocking_queue_depth'),
      help: 'spawnBlocking calls waiting for a thread.',
      type: 'gauge',
      samples: (s) => one(s.metrics.blockingQueueDepth),
    },
    {
      name: n('resource_length'),
      help: 'Values queued in each named channel (resources are listed while the runtime observes).',
      type: 'gauge',
      samples: resourceLengths,
    },
  ];
}

function perWorker(s: Snapshot, pick: (w: RuntimeMetrics['perWorker'][number]) => number): Sample[] {
  return s.metrics.perWorker.map((w) => ({ labels: { worker: String(w.index) }, value: pick(w) }));
}

// Two live channels may share a name: their lengths add up, since a label set
// must appear once in an exposition.
function resourceLengths(s: Snapshot): Sample[] {
  const byKey = new Map<string, Sample>();
  for (const r of s.runtime.resources()) {
    const length = r.attributes['length'];
    if (r.name === undefined || typeof length !== 'number') continue;
    const key = `${r.kind}\0${r.name}`;
    const known = byKey.get(key);
    if (known === undefined) byKey.set(key, { labels: { kind: r.kind, name: r.name }, value: length });
    else known.value += length;
  }
  return [...byKey.values()];
}
