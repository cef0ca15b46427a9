import { performance } from 'node:perf_hooks';
import { RESOLVED } from '../core/promise.js';
import type { Task } from './task.js';

/** What kind of work a task record stands for. */
export type TaskKind = 'task' | 'worker' | 'blocking' | 'actor';

/** `TaskKind` as stored: an index into `TASK_KINDS`. */
export const TASK_KINDS: readonly TaskKind[] = ['task', 'worker', 'blocking', 'actor'];

/**
 * What an observing runtime keeps of one task beside the `Task`: made at
 * spawn only when the runtime observes (`Builder.observe()`), so a task of a
 * runtime that does not observe carries one empty field. Kept small (the
 * poll figures live in `TaskTimes`, made only with `taskTimes`) and
 * immutable: tasks spawned by the same parent at the same stamp share one
 * (a loop of spawns allocates one record, not one per task). A finished
 * task is retained as a row of the runtime's retained ring, not as this.
 */
export class TaskObs {
  readonly parentId: number | undefined;
  /** Index into `TASK_KINDS`. */
  readonly kind: number;
  /** 0: the runtime's own thread, else the worker index + 1. */
  readonly thread: number = 0;
  readonly spawnedAt: number;
  readonly location: string | undefined;
  /** Poll figures, with `taskTimes` only. */
  readonly times: TaskTimes | undefined = undefined;

  constructor(parentId: number | undefined, kind: number, spawnedAt: number, location: string | undefined) {
    this.parentId = parentId;
    this.kind = kind;
    this.spawnedAt = spawnedAt;
    this.location = location;
  }
}

/** Where a task with task times is: exactly one at a time, since `TaskTimes.mark`. */
export const enum Phase {
  /** Spawned or woken, not running yet. */
  Ready = 0,
  /** In a poll. */
  Running = 1,
  /** Parked (its last poll ended at a weft wait). */
  Idle = 2,
  /** Finished. */
  Done = 3,
}

/**
 * The side record of a task whose runtime records task times
 * (`observe({ taskTimes: true })`): the poll figures, one allocation per
 * task, over a `TaskObs` shared like the records of a runtime without task
 * times (so the per-task object holds only what changes); its `times` is
 * itself. Times use `performance.now()`: real time even when the runtime
 * clock is paused, since a poll's cost is what the thread spent.
 */
export class TaskTimes {
  /** Parent, kind, spawn time and location (shared by the tasks a parent spawns at one stamp). */
  readonly base: TaskObs;
  readonly times: TaskTimes;
  polls = 0;
  busyMs = 0;
  scheduledMs = 0;
  idleMs = 0;
  wakes = 0;
  selfWakes = 0;
  longPolls = 0;
  phase = Phase.Ready;
  /** When the current phase began. */
  mark: number;
  readonly sink: PollSink;

  /** @param readyAt when it became ready to run (spawn: the first poll's delay counts as scheduled time) */
  constructor(base: TaskObs, sink: PollSink, readyAt: number) {
    this.base = base;
    this.sink = sink;
    this.mark = readyAt;
    this.times = this;
  }

  get parentId(): number | undefined {
    return this.base.parentId;
  }
  get kind(): number {
    return this.base.kind;
  }
  get thread(): number {
    return this.base.thread;
  }
  get spawnedAt(): number {
    return this.base.spawnedAt;
  }
  get location(): string | undefined {
    return this.base.location;
  }
}

/**
 * Where the poll timing of observing runtimes reports (one per thread: the
 * runtime layer installs it). Only tasks whose runtime asked for `taskTimes`
 * call it, so it is absent from the paths of every other task.
 */
export interface PollSink {
  /** A poll ended after `busy` ms (it parked or finished); `times` are its task's figures. */
  pollEnded(times: TaskTimes, busy: number): void;
  /** A woken task resumed after `delay` ms in the ready state. */
  resumed(delay: number): void;
}

/**
 * The task whose poll just ended by parking: the synchronous rest of its code
 * (between the park and the `await`) may still run, and a wake it causes then
 * is a self-wake. Cleared when another poll begins or the microtask queue
 * reaches the clearing job. The async context cannot tell this: a timer or
 * socket callback runs in the context of whoever armed it.
 */
let tail: Task | undefined;
let tailClearQueued = false;

function clearTail(): void {
  tail = undefined;
  tailClearQueued = false;
}

/** Tasks woken and waiting for their resumption mark (FIFO, like the microtask queue). */
const resuming: Task[] = [];
let resumingHead = 0;

/**
 * Called when a wait of `task` settles while the task is not running: counts
 * a wake and queues a microtask that runs just before the task's
 * continuation (it is queued before the waiter's promise resolves), where the
 * next poll begins.
 */
export function taskWoken(task: Task, obs: TaskTimes): void {
  if (obs.phase !== Phase.Idle) return; // running, already woken, or done
  const now = performance.now();
  obs.wakes++;
  if (tail === task) obs.selfWakes++;
  obs.idleMs += now - obs.mark;
  obs.phase = Phase.Ready;
  obs.mark = now;
  resuming.push(task);
  // A reaction, not queueMicrotask(): Node wraps each queueMicrotask callback in
  // an AsyncResource, several times the cost (see `Scheduler.defer`).
  void RESOLVED.then(resumeNext);
}

function resumeNext(): void {
  const task = resuming[resumingHead]!;
  resuming[resumingHead++] = undefined as unknown as Task;
  if (resumingHead === resuming.length) {
    resuming.length = 0;
    resumingHead = 0;
  }
  const obs = task.obs?.times;
  if (obs !== undefined) beginPoll(obs);
}

/**
 * The record whose poll is open on this thread. A thread runs one poll at a
 * time, so the poll that begins ends the open one (at the same clock
 * reading). This is how weft sees the end of a poll it has no hook for: the
 * synchronous rest of an async body that returns (its completion reaches
 * weft a microtask or more later, after other tasks ran), or code that went
 * on to `await` something that is not a weft wait.
 */
let open: TaskTimes | undefined;

/** A poll of a task begins (its body starts, or it resumes after a wake); `obs` is its record. */
export function beginPoll(obs: TaskTimes): void {
  if (obs.phase !== Phase.Ready) return;
  const now = performance.now();
  if (open !== undefined && open.phase === Phase.Running) closePoll(open, now);
  const delay = now - obs.mark;
  obs.scheduledMs += delay;
  obs.phase = Phase.Running;
  obs.mark = now;
  open = obs;
  tail = undefined;
  obs.sink.resumed(delay);
}

/** The running poll of `task` ends: it parked in a weft wait. */
export function endPoll(task: Task, obs: TaskTimes): void {
  if (obs.phase !== Phase.Running) return;
  closePoll(obs, performance.now());
  tail = task;
  if (!tailClearQueued) {
    tailClearQueued = true;
    void RESOLVED.then(clearTail);
  }
}

/**
 * The task finished. If its last poll is still open it ends now and its
 * `mark` is the end time. Else (another poll ended it) the phase becomes
 * `Done`, and the end time is the observer's stamp; and what runs now is
 * this task's completion (a job of its own), not the open poll's code, so
 * that poll ends too: the last of a batch of spawned tasks is not charged
 * with the completions of the others.
 */
export function endLastPoll(obs: TaskTimes): void {
  if (obs.phase === Phase.Running) closePoll(obs, performance.now());
  else {
    obs.phase = Phase.Done;
    if (open !== undefined && open.phase === Phase.Running) closePoll(open, performance.now());
  }
}

function closePoll(obs: TaskTimes, now: number): void {
  const busy = now - obs.mark;
  obs.polls++;
  obs.busyMs += busy;
  obs.phase = Phase.Idle;
  obs.mark = now;
  if (open === obs) open = undefined;
  obs.sink.pollEnded(obs, busy);
}
