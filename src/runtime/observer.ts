import { fileURLToPath } from 'node:url';
import { TaskState, runningTask, type Task } from '../task/task.js';
import { TaskObs, type PollSink, type TaskKind } from '../task/observation.js';
import type { Parked } from '../core/wait-queue.js';
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
   * Spawn and end times come from a clock read at most once per microtask
   * batch: the reading is kept until a microtask queued right after it runs
   * (with task times, the end time is the precise end of the last poll).
   * Reading the clock for
   * every spawn and every end would by itself cost more than the 10% that
   * observing may add to a spawn. A stamp can be early by at most the time
   * the microtasks already queued at the reading took to run.
   */
  #stamp(): number {
    if (this.#cachedClock !== this.#cachedClock) {
      this.#cachedClock = this.#clock.now();
      this.#cachedPerf = performance.now();
      queueMicrotask(this.#invalidate);
    }
    return this.#cachedClock;
  }

  /** A `performance.now()` reading on the runtime clock (which stands still while paused). */
  #fromPerf(perf: number): number {
    const at = this.#stamp();
    return this.#clock.paused ? at : perf + (at - this.#cachedPerf);
  }

  /** `performance.now()` at the same cached reading (for the first-poll delay). */
  #perfStamp(): number {
    this.#stamp();
    return this.#cachedPerf;
  }

  #cachedClock = NaN;
  #cachedPerf = NaN;
  readonly #invalidate = (): void => {
    this.#cachedClock = NaN;
  };

  /** A task was spawned on the observing runtime: give it its record, call the hook. */
  spawned(task: Task, kind: TaskKind): void {
    const parent = runningTask();
    const obs = new TaskObs(
      task.id,
      task.name,
      parent?.id,
      kind,
      this.#stamp(),
      this.settings.spawnLocation ? callerLocation() : undefined,
    );
    if (this.settings.taskTimes) {
      obs.sink = this;
      obs.wokenAt = this.#perfStamp(); // the first poll's delay counts as scheduled time
    }
    task.obs = obs;
    if (this.#onSpawn !== undefined) callHook(this.#onSpawn, this.info(task, obs, parent), 'onTaskSpawn');
  }

  /** A task of the observing runtime finished: retain its record, call the hook. */
  finished(task: Task): void {
    const obs = task.obs;
    if (obs === undefined) return;
    // With task times the last poll's end was just read precisely: carry it over to the runtime clock.
    obs.endedAt = obs.sink !== undefined && obs.idleSince >= 0 ? this.#fromPerf(obs.idleSince) : this.#stamp();
    obs.outcome = OUTCOMES[task.outcome];
    obs.sink = undefined;
    obs.wokenAt = obs.idleSince = -1;
    this.#retain(obs);
    if (this.#onTerminate !== undefined)
      callHook(this.#onTerminate, this.info(task, obs, runningTask()), 'onTaskTerminate');
  }

  #retain(obs: TaskObs): void {
    this.#retained.push(obs);
    // The end time just read serves as "now" (no second clock read per task).
    const retain = this.settings.retain;
    if (retain !== Infinity) this.#retained.expire(obs.endedAt! - retain);
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

  /** How many finished tasks are retained now. */
  get retainedCount(): number {
    return this.#retained.size;
  }

  /** A snapshot of an alive (or just finished) task. */
  info(task: Task, obs: TaskObs | undefined, current: Task | undefined): TaskInfo {
    return taskInfo(task, obs, current);
  }

  pollEnded(_task: Task, busy: number): void {
    this.pollCount++;
    this.pollTime.record(busy);
    if (busy > this.settings.longPoll) {
      this.longPollCount++;
      const obs = _task.obs;
      if (obs !== undefined) obs.longPolls++;
    }
  }

  resumed(_task: Task, delay: number): void {
    this.scheduledDelay.record(delay);
  }
}

/** A snapshot of a task, from the task and (when its runtime observes) its side record. */
export function taskInfo(task: Task, obs: TaskObs | undefined, current: Task | undefined): TaskInfo {
  return {
    id: task.id,
    name: task.name,
    parentId: obs?.parentId,
    kind: obs?.kind ?? 'task',
    thread: obs?.thread ?? 0,
    state: stateOf(task, obs, current),
    outcome: task.state === TaskState.Done ? OUTCOMES[task.outcome] : undefined,
    spawnedAt: obs?.spawnedAt ?? NaN,
    endedAt: obs?.endedAt,
    location: obs?.location,
    waitsOn: waitsOf(task),
    polls: obs?.polls ?? 0,
    busyMs: obs?.busyMs ?? 0,
    scheduledMs: obs?.scheduledMs ?? 0,
    idleMs: obs?.idleMs ?? 0,
    wakes: obs?.wakes ?? 0,
    selfWakes: obs?.selfWakes ?? 0,
    longPolls: obs?.longPolls ?? 0,
  };
}

function stateOf(task: Task, obs: TaskObs | undefined, current: Task | undefined): TaskInfo['state'] {
  if (task.state === TaskState.Done) return 'done';
  if (task.state === TaskState.Scheduled) return 'scheduled';
  if (task === current) return 'running';
  if (obs !== undefined && obs.wokenAt >= 0) return 'scheduled';
  if (task.waits === undefined && obs?.sink !== undefined && obs.pollStart >= 0) return 'running';
  return 'idle';
}

/** The weft waits a task is parked in, oldest first. */
export function waitsOf(task: Task): WaitInfo[] {
  const out: WaitInfo[] = [];
  for (let w: Parked<any> | undefined = task.waits; w !== undefined; w = w.tNext) {
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
