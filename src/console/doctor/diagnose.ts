import type { DoctorSample } from './sample.js';

/** The doctor's verdict on one run. */
export type DiagnosisKind = 'event-loop-blocked' | 'gc-pressure' | 'cpu-bound' | 'io-bound' | 'healthy';

/** One thing the doctor saw, with the figure behind it. */
export interface Finding {
  kind: DiagnosisKind | 'channel-full' | 'channel-empty';
  /** What was seen, with the measurement. */
  evidence: string;
  /** What to change (a flavor, a builder setting, a call), and why. */
  advice: string;
}

export interface Diagnosis {
  kind: DiagnosisKind;
  /** The builder line the doctor recommends, e.g. `Runtime.builder().currentThread().build()`. */
  builder: string;
  findings: Finding[];
  figures: Figures;
}

/** The run's summary figures, over the samples after start-up. */
export interface Figures {
  seconds: number;
  samples: number;
  /** CPU time over wall time (1 = one core busy). */
  cpu: number;
  /** Mean event-loop utilization. */
  elu: number;
  delayMax: number;
  /** Intervals with a delay of `BLOCKED_MS` or more. */
  blockedIntervals: number;
  gcShare: number;
  sockets: number;
  tasks: number;
}

/**
 * The thresholds of the rules (docs/choosing-a-flavor.md, "The doctor's
 * rules"): a delay of 100 ms is what a user notices and Node's own
 * guidance calls blocking; 0.85 utilization with no block is a loop that is
 * busy computing, not waiting; 20% of the time in GC is pressure.
 */
export const BLOCKED_MS = 100;
/** Share of the intervals that must be blocked for a block without a named task to count. */
export const BLOCKED_SHARE = 0.25;
export const CPU_ELU = 0.85;
export const GC_SHARE = 0.2;
export const IO_SOCKETS = 8;
/** Share of samples a channel must be full (or empty with a waiting receiver) in to be "always" so. */
export const CHANNEL_SHARE = 0.9;

function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * Classifies a run from its samples, following the runtime-selection
 * decision tree translated to weft: a blocked loop first (it hides every
 * other figure), then GC, then CPU-bound (threads help), then I/O-bound
 * (the current-thread flavor is the right one), else healthy.
 */
export function diagnose(all: DoctorSample[], cores: number): Diagnosis {
  // Start-up is not the program: skip the samples taken while it loaded its
  // modules (no runtime yet) and the one in which its first runtime was made.
  const begin = all.findIndex((s) => s.runtimes > 0);
  const samples = begin < 0 ? all : all.length - begin > 2 ? all.slice(begin + 1) : all.slice(begin);
  const wall = samples.reduce((a, s) => a + s.wall, 0);
  const figures: Figures = {
    seconds: r1(wall / 1000),
    samples: samples.length,
    cpu: Math.round((samples.reduce((a, s) => a + s.cpuMs, 0) / Math.max(1, wall)) * 100) / 100,
    elu: Math.round(mean(samples.map((s) => s.elu)) * 100) / 100,
    delayMax: r1(Math.max(0, ...samples.map((s) => s.delayMax))),
    blockedIntervals: samples.filter((s) => s.delayMax >= BLOCKED_MS).length,
    gcShare: Math.round((samples.reduce((a, s) => a + s.gcMs, 0) / Math.max(1, wall)) * 1000) / 1000,
    sockets: r1(mean(samples.map((s) => s.sockets))),
    tasks: r1(mean(samples.map((s) => s.tasks))),
  };
  const last = all.at(-1);
  const top = last?.top ?? [];
  const findings: Finding[] = [];
  let kind: DiagnosisKind = 'healthy';
  let builder = 'Runtime.builder().currentThread().build()';
  const workers = Math.max(2, cores);

  // The root task's poll spans the first poll of a child it spawns and awaits
  // at once (the child starts before the root parks), so 'main' shares its
  // children's long polls: name it only when no other task has any.
  // A long poll counts when it recurs for that task (at least 2, and a tenth of
  // its polls): one long poll among hundreds is the OS descheduling the process.
  const withLong = top.filter((t) => t.longPolls >= 2 && t.longPolls >= 0.1 * t.polls);
  const children = withLong.filter((t) => t.name !== 'main');
  const blockers = children.length > 0 ? children : withLong;
  // One late interval on a shared machine can be the OS, not the program: a
  // block counts when it recurs (BLOCKED_SHARE of the intervals, twice at
  // least) or when a weft task's own poll ran past BLOCKED_MS.
  const recurring = figures.blockedIntervals >= 2 && figures.blockedIntervals >= BLOCKED_SHARE * figures.samples;
  // The preload sets longPoll to BLOCKED_MS: a long poll while the loop was
  // seen late is a block by a named task (a long start-up poll alone is not).
  const longTaskPoll = blockers.length > 0 && figures.blockedIntervals > 0;
  if (recurring || longTaskPoll) {
    kind = 'event-loop-blocked';
    const named = blockers.map(
      (t) =>
        `${t.name ?? `task ${t.id}`} (${t.longPolls} polls of ${BLOCKED_MS} ms or more, ${r1(t.busyMs)} ms busy in ${t.polls} polls)`,
    );
    findings.push({
      kind,
      evidence: `event-loop delay reached ${figures.delayMax} ms; ${figures.blockedIntervals} of ${figures.samples} intervals had a delay over ${BLOCKED_MS} ms${named.length > 0 ? `; tasks with long polls: ${named.join(', ')}` : '; no weft task had a long poll (the blocking code runs outside tasks, or task times are off)'}`,
      advice:
        named.length > 0
          ? `move the synchronous work of ${blockers.map((t) => t.name ?? `task ${t.id}`).join(', ')} to spawnBlocking(() => ...) (or split it with await yieldNow()); the flavor can stay current-thread`
          : 'find the synchronous code that holds the loop (a CPU profile: node --cpu-prof) and move it to spawnBlocking',
    });
  } else if (figures.gcShare >= GC_SHARE) {
    kind = 'gc-pressure';
    findings.push({
      kind,
      evidence: `${pct(figures.gcShare)} of the run was spent in garbage collection (heap ${r1(last?.heapUsedMb ?? 0)} MiB at the end)`,
      advice:
        'allocate less per message (reuse buffers: BufferPool), bound the channels that grow, and only then consider more threads',
    });
  } else if (figures.elu >= CPU_ELU) {
    kind = 'cpu-bound';
    builder = `Runtime.builder().multiThread().workerThreads(${workers}).build()`;
    const busiest = top.slice(0, 3).map((t) => `${t.name ?? `task ${t.id}`} (${r1(t.busyMs)} ms busy)`);
    findings.push({
      kind,
      evidence: `the event loop was busy ${pct(figures.elu)} of the time and the process used ${figures.cpu} cores, with no poll long enough to block it${busiest.length > 0 ? `; busiest: ${busiest.join(', ')}` : ''}`,
      advice: `run the compute on worker threads: multiThread().workerThreads(${workers}) (this machine has ${cores} cores) and spawnWorker / parMap for ${busiest.length > 0 ? 'the busiest tasks' : 'the hot loop'}; one thread is saturated`,
    });
  } else if (figures.sockets >= IO_SOCKETS) {
    kind = 'io-bound';
    const waiting = Object.entries(last?.waits ?? {})
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([op, n]) => `${n} on ${op}`);
    findings.push({
      kind,
      evidence: `${figures.sockets} sockets open on average and the loop was idle ${pct(1 - figures.elu)} of the time (CPU ${figures.cpu} cores)${waiting.length > 0 ? `; tasks waiting: ${waiting.join(', ')}` : ''}`,
      advice:
        'stay on currentThread(): the loop waits on I/O, more threads would only add hand-offs; raise concurrency limits (connections, Semaphore permits) if the peers can take it',
    });
  }
  for (const f of channelFindings(samples)) findings.push(f);
  if (kind === 'healthy') {
    findings.unshift({
      kind,
      evidence: `event-loop delay at most ${figures.delayMax} ms, utilization ${pct(figures.elu)}, CPU ${figures.cpu} cores, GC ${pct(figures.gcShare)}`,
      advice: 'keep the default current-thread runtime; nothing here calls for threads',
    });
  }
  return { kind, builder, findings, figures };
}

function channelFindings(samples: DoctorSample[]): Finding[] {
  const seen = new Map<
    number,
    { name: string | undefined; capacity: number; full: number; empty: number; n: number }
  >();
  for (const s of samples) {
    for (const c of s.channels) {
      const e = seen.get(c.id) ?? { name: c.name, capacity: c.capacity, full: 0, empty: 0, n: 0 };
      e.n++;
      if (c.length >= c.capacity) e.full++;
      if (c.length === 0 && c.waiters > 0) e.empty++;
      seen.set(c.id, e);
    }
  }
  const out: Finding[] = [];
  for (const [id, e] of seen) {
    if (e.n < 3) continue;
    const label = e.name ?? `channel ${id}`;
    if (e.full / e.n >= CHANNEL_SHARE) {
      out.push({
        kind: 'channel-full',
        evidence: `${label} (capacity ${e.capacity}) was full in ${pct(e.full / e.n)} of the samples`,
        advice: `its consumer is the bottleneck: add consumers or speed them up; a capacity above ${e.capacity} only adds latency unless bursts are short`,
      });
    } else if (e.empty / e.n >= CHANNEL_SHARE) {
      out.push({
        kind: 'channel-empty',
        evidence: `${label} (capacity ${e.capacity}) was empty with a receiver waiting in ${pct(e.empty / e.n)} of the samples`,
        advice: `its producer is the bottleneck; the consumer side can be smaller, and capacity ${e.capacity} is more than needed`,
      });
    }
  }
  return out;
}
