import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { TaskState, runningTask, type Task } from '../task/task.js';
import { Phase, TASK_KINDS, TaskObs, TaskTimes, type PollSink, type TaskKind } from '../task/observation.js';
import type { Cancellable } from '../core/wait-queue.js';
import type { Clock } from '../core/clock.js';
import { JoinWait } from '../task/join-wait.js';
import type { ObserveSettings, TaskInfo, WaitInfo } from './introspection.js';
import { Histogram } from './histogram.js';
import { RetainedRing } from './retained.js';

/** Task hooks (`Builder.onTaskSpawn` / `onTaskTerminate`). */
export type TaskHook = (info: TaskInfo) => void;

const OUTCOMES = ['ok', 'ok', 'failed', 'cancelled'] as const;

/** The directory holding weft's own modules: frames in it are not a spawn's location. */
const WEFT_DIR = fileURLToPath(new URL('../', import.meta.url));

/**
 * What an observing runtime keeps beside its tasks: their side records, the
 * finished ones it retains, the hooks, and (with task times) the poll
 * counters and histograms. Exists only for a runtime built with `observe()`
 * or a task hook.
 */
export class RuntimeObserver implements PollSink {
  readonly settings: ObserveSettings;
  readonly #onSpawn: TaskHook | undefined;
  readonly #onTerminate: TaskHook | undefined;
  readonly #clock: Clock;
  /** Finished tasks, oldest first. */
  readonly #retained: RetainedRing;
  pollCount = 0;
  longPollCount = 0;
  readonly pollTime = new Histogram();
  readonly scheduledDelay = new Histogram();

  constructor(
    settings: ObserveSettings,
    onSpawn: TaskHook | undefined,
    onTerminate: TaskHook | undefined,
    clock: Clock,
  ) {
    this.settings = settings;
    this.#onSpawn = onSpawn;
    this.#onTerminate = onTerminate;
    this.#clock = clock;
    this.#retained = new RetainedRing(settings.maxRetained);
  }

  /**
   * Spawn and end times and each wait's `since` come from a clock read at
   * most once per event-loop turn (the reading is dropped by an immediate,
   * and refreshed for free whenever task times end a poll); a paused clock
   * is read directly. Reading the clock for every spawn, end and wait would
   * by itself cost more than the 10% observing may add to a spawn or a
   * channel hand-off. A stamp can be early by at most the time the turn had
   * run when the clock was read (with task times: since the last poll ended).
   */
  stamp(): number {
    if (this.#clock.paused) return this.#clock.now();
    if (this.#cachedClock !== this.#cachedClock) this.#read(performance.now());
    return this.#cachedClock;
  }

  #read(perf: number): void {
    this.#cachedPerf = perf;
    this.#cachedClock = this.#clock.nowFrom(perf);
    if (!this.#invalidateQueued) {
      this.#invalidateQueued = true;
      setImmediate(this.#invalidate).unref();
    }
  }

  /** A `performance.now()` reading on the runtime clock (which stands still while paused). */
  #fromPerf(perf: number): number {
    return this.#clock.nowFrom(perf);
  }

  /** `performance.now()` at the cached reading (for the first-poll delay). */
  #perfStamp(): number {
    if (this.#cachedClock !== this.#cachedClock) this.#read(performance.now());
    return this.#cachedPerf;
  }

  #cachedClock = NaN;
  #cachedPerf = NaN;
  #invalidateQueued = false;
  readonly #invalidate = (): void => {
    this.#cachedClock = NaN;
    this.#invalidateQueued = false;
  };

  #lastObs: TaskObs | undefined = undefined;

  /** A task was spawned on the observing runtime: give it its record, call the hook. */
  spawned(task: Task, kind: TaskKind, known: Task | number | null | undefined): void {
    // A number: the id of the parent on the thread that sent the call (`spawnTask`).
    const parent = known === undefined ? runningTask() : typeof known === 'number' ? undefined : (known ?? undefined);
    const parentId = typeof known === 'number' ? known : parent?.id;
    const k = kind === 'task' ? 0 : TASK_KINDS.indexOf(kind);
    const at = this.stamp();
    let obs: TaskObs;
    if (this.settings.spawnLocation) {
      obs = new TaskObs(parentId, k, at, callerLocation());
    } else {
      // Records are immutable: the tasks a parent spawns at one stamp share one.
      const last = this.#lastObs;
      if (last !== undefined && last.parentId === parentId && last.spawnedAt === at && last.kind === k) obs = last;
      else obs = this.#lastObs = new TaskObs(parentId, k, at, undefined);
    }
    // With task times, a small per-task record of the poll figures over the shared one.
    if (this.settings.taskTimes) obs = new TaskTimes(obs, this, this.#perfStamp());
    task.obs = obs;
    if (this.#onSpawn !== undefined) callHook(this.#onSpawn, taskInfo(task, obs, parent), 'onTaskSpawn');
  }

  /** A task of the observing runtime finished: retain it, call the hook. */
  finished(task: Task): void {
    const obs = task.obs;
    if (obs === undefined) return;
    const times = obs.times;
    // With task times the last poll's end was just read precisely: carry it over to the runtime clock.
    const endedAt = times !== undefined && times.phase === Phase.Idle ? this.#fromPerf(times.mark) : this.stamp();
    if (times !== undefined) times.phase = Phase.Done;
    this.#retained.push(task, obs, endedAt);
    const retain = this.settings.retain;
    if (retain !== Infinity) this.#retained.expire(endedAt - retain);
    if (this.#onTerminate !== undefined) {
      const info = taskInfo(task, obs, runningTask());
      info.endedAt = endedAt;
      callHook(this.#onTerminate, info, 'onTaskTerminate');
    }
  }

  /** Drops retained tasks older than `retain` ms. */
  #expire(): void {
    const retain = this.settings.retain;
    if (retain !== Infinity && this.#retained.size > 0) this.#retained.expire(this.#clock.now() - retain);
  }

  /** The retained finished tasks, oldest first. */
  retained(): TaskInfo[] {
    this.#expire();
    return this.#retained.infos();
  }

  /** Retains a finished task reported by a worker thread. */
  retainReported(info: TaskInfo): void {
    this.#retained.pushInfo(info);
  }

  /** How many finished tasks are retained now. */
  get retainedCount(): number {
    return this.#retained.size;
  }

  pollEnded(times: TaskTimes, busy: number): void {
    this.#read(times.mark); // a fresh reading, free
    this.pollCount++;
    this.pollTime.record(busy);
    if (busy > this.settings.longPoll) {
      this.longPollCount++;
      times.longPolls++;
    }
  }

  resumed(delay: number): void {
    this.scheduledDelay.record(delay);
  }
}

/** A snapshot of a task, from the task and (when its runtime observes) its side record. */
export function taskInfo(task: Task, obs: TaskObs | undefined, current: Task | undefined): TaskInfo {
  const times = obs?.times;
  return {
    id: task.id,
    name: task.name,
    parentId: obs?.parentId,
    kind: TASK_KINDS[obs?.kind ?? 0]!,
    thread: obs?.thread ?? 0,
    state: stateOf(task, obs, current),
    outcome: task.state === TaskState.Done ? OUTCOMES[task.outcome] : undefined,
    spawnedAt: obs?.spawnedAt ?? NaN,
    endedAt: undefined,
    location: obs?.location,
    waitsOn: task.state === TaskState.Done ? [] : waitsOf(task),
    polls: times?.polls ?? 0,
    busyMs: times?.busyMs ?? 0,
    scheduledMs: times?.scheduledMs ?? 0,
    idleMs: times?.idleMs ?? 0,
    wakes: times?.wakes ?? 0,
    selfWakes: times?.selfWakes ?? 0,
    longPolls: times?.longPolls ?? 0,
  };
}

function stateOf(task: Task, obs: TaskObs | undefined, current: Task | undefined): TaskInfo['state'] {
  if (task.state === TaskState.Done) return 'done';
  if (task.state === TaskState.Scheduled) return 'scheduled';
  if (task === current) return 'running';
  const times = obs?.times;
  if (times !== undefined && times.phase === Phase.Ready) return 'scheduled';
  if (task.waits === undefined && times !== undefined && times.phase === Phase.Running) return 'running';
  return 'idle';
}

/** The weft waits a task is parked in, oldest first. */
export function waitsOf(task: Task): WaitInfo[] {
  const out: WaitInfo[] = [];
  for (let w: Cancellable | undefined = task.waits; w !== undefined; w = w.tNext) {
    const site = w.site;
    if (site === undefined || w.settled) continue;
    const info: WaitInfo = { op: site.op, resourceId: w.resource, since: w.since === 0 ? NaN : w.since };
    if (w instanceof JoinWait) info.taskId = w.target.id;
    out.push(info);
  }
  // The list is newest first (waits are linked at its head).
  return out.reverse();
}

function callHook(hook: TaskHook, info: TaskInfo, which: string): void {
  try {
    hook(info);
  } catch (err) {
    // A hook that throws must not break the spawn or the finish it reports.
    console.error(`weft: the ${which} hook threw:`, err);
  }
}

/** `file:line:col` of the first stack frame outside weft's own modules. */
export function callerLocation(): string | undefined {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 30;
  Error.captureStackTrace(holder, callerLocation);
  Error.stackTraceLimit = limit;
  const lines = holder.stack?.split('\n') ?? [];
  for (let i = 1; i < lines.length; i++) {
    const m = /\(?((?:file:\/\/|\/|[A-Za-z]:\\)[^()\s]*?):(\d+):(\d+)\)?\s*$/.exec(lines[i]!);
    if (m === null) continue;
    const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
    if (file.startsWith(WEFT_DIR)) continue;
    return `${file}:${m[2]}:${m[3]}`;
  }
  return undefined;
}
