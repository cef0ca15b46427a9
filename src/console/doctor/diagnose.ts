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
  /** Mean event-loop utilization, with the time the OS kept the loop off the CPU taken out (see `ownUtilization`). */
  elu: number;
  /** The longest event-loop delay seen, ms (as measured: the OS's share included). */
  delayMax: number;
  /** The longest delay the OS does not explain (`ownDelay`), ms. */
  ownDelayMax: number;
  /** Intervals whose own delay reached `BLOCKED_MS`. */
  blockedIntervals: number;
  /** Share of the wall time the main thread waited for a CPU (other processes ran); undefined where unknown. */
  runqShare: number | undefined;
  gcShare: number;
  sockets: number;
  tasks: number;
}

/**
 * The thresholds of the rules (docs/choosing-a-flavor.md, "The doctor's
 * rules"). 100 ms: the delay a user notices (RAIL's response budget) and
 * what Node's guidance calls blocking the event loop. 0.85: a loop busy
 * that much is computing, not waiting, and queueing theory says why it is
 * the limit (a server busy ρ of the time makes work wait ρ/(1−ρ) times its
 * own length: 5.7x at 0.85, and growing steeply). 20% of the time in GC:
 * allocation, not the computation, is the cost to cut. 8 sockets: more
 * connections than one client and its pool, i.e. a server with concurrent
 * peers. 90% of the samples: "always" full or empty, not a burst.
 */
export const BLOCKED_MS = 100;
export const CPU_ELU = 0.85;
export const GC_SHARE = 0.2;
export const IO_SOCKETS = 8;
/** Share of samples a channel must be full (or empty with a waiting receiver) in to be "always" so. */
export const CHANNEL_SHARE = 0.9;

/**
 * The part of an interval's event-loop delay the program caused: the
 * preload's stall ticker less the main thread's run-queue wait during each
 * stall (runnable, but the OS ran something else). Where the kernel does
 * not report that wait, the delay as measured.
 */
export function ownDelay(s: DoctorSample): number {
  return s.ownDelayMs ?? s.delayMax;
}

/**
 * Event-loop utilization with the run-queue wait taken out of both the
 * loop's active time and the interval. Preempted while running JavaScript,
 * the loop counts as active though the program did nothing; a wait to be
 * scheduled after a wake-up falls in its idle time (inside epoll), so taking
 * the whole wait off the active time gives a lower bound: a loaded machine
 * can make a program look less CPU-bound, never more.
 */
export function ownUtilization(s: DoctorSample): number {
  const wait = Math.min(s.runqMs ?? 0, s.wall);
  const span = s.wall - wait;
  return span <= 0 ? s.elu : Math.min(1, Math.max(0, (s.elu * s.wall - wait) / span));
}

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
  const from = begin < 0 ? 0 : all.length - begin > 2 ? begin + 1 : begin;
  const samples = all.slice(from);
  const wall = samples.reduce((a, s) => a + s.wall, 0);
  const known = samples.every((s) => s.ownDelayMs !== undefined);
  const blocked = samples.filter((s) => ownDelay(s) >= BLOCKED_MS);
  const figures: Figures = {
    seconds: r1(wall / 1000),
    samples: samples.length,
    cpu: Math.round((samples.reduce((a, s) => a + s.cpuMs, 0) / Math.max(1, wall)) * 100) / 100,
    elu: Math.round(mean(samples.map(ownUtilization)) * 100) / 100,
    delayMax: r1(Math.max(0, ...samples.map((s) => s.delayMax))),
    ownDelayMax: r1(Math.max(0, ...samples.map(ownDelay))),
    blockedIntervals: blocked.length,
    runqShare: known
      ? Math.round((samples.reduce((a, s) => a + (s.runqMs ?? 0), 0) / Math.max(1, wall)) * 1000) / 1000
      : undefined,
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

  // A block counts once its delay is the program's (the OS's share taken
  // out). Where the kernel does not report that share, one late interval
  // could be the OS: then it must recur.
  const isBlocked = known ? blocked.length >= 1 : blocked.length >= 2;
  // The tasks that blocked: those with a poll of BLOCKED_MS or more (the
  // preload's longPoll) ending in a blocked interval or the next one.
  const blockers = isBlocked ? blockingTasks(all, from, top) : [];
  if (isBlocked) {
    kind = 'event-loop-blocked';
    const named = blockers.map(
      (t) =>
        `${t.name ?? `task ${t.id}`} (${t.longPolls} polls of ${BLOCKED_MS} ms or more, ${r1(t.busyMs)} ms busy in ${t.polls} polls)`,
    );
    findings.push({
      kind,
      evidence: `event-loop delay reached ${figures.delayMax} ms (${figures.ownDelayMax} ms of it the program's own); ${figures.blockedIntervals} of ${figures.samples} intervals had a delay of its own over ${BLOCKED_MS} ms${runqNote(figures)}${named.length > 0 ? `; tasks with long polls: ${named.join(', ')}` : '; no weft task had a long poll (the blocking code runs outside tasks, or task times are off)'}`,
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
      evidence: `the event loop was busy ${pct(figures.elu)} of the time${runqNote(figures)} and the process used ${figures.cpu} cores, with no poll long enough to block it${busiest.length > 0 ? `; busiest: ${busiest.join(', ')}` : ''}`,
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

/** " (the OS kept the loop waiting for a CPU 12% of the time, taken out)" when it did. */
function runqNote(f: Figures): string {
  return f.runqShare === undefined || f.runqShare < 0.01
    ? ''
    : ` (other processes kept the loop waiting for a CPU ${pct(f.runqShare)} of the time; that share is taken out)`;
}

/**
 * The tasks (by name) whose long polls ended in a blocked interval or the
 * next one (a poll and the delay it causes are both seen when it ends, so at
 * a sample's edge they may land one interval apart). The root task `main`
 * only when no other is: its poll spans the first poll of a child it spawns
 * and awaits at once.
 */
function blockingTasks(all: DoctorSample[], from: number, top: DoctorSample['top']): DoctorSample['top'] {
  const names = new Set<string>();
  const longPolls = (s: DoctorSample | undefined, key: string): number =>
    s?.top.find((t) => (t.name ?? `#${t.id}`) === key)?.longPolls ?? 0;
  for (let i = from; i < all.length; i++) {
    if (ownDelay(all[i]!) < BLOCKED_MS) continue;
    for (const j of [i, i + 1]) {
      const s = all[j];
      if (s === undefined) continue;
      for (const t of s.top) {
        const key = t.name ?? `#${t.id}`;
        if (t.longPolls > longPolls(all[j - 1], key)) names.add(key);
      }
    }
  }
  const found = top.filter((t) => names.has(t.name ?? `#${t.id}`));
  const children = found.filter((t) => t.name !== 'main');
  return children.length > 0 ? children : found;
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
