import type { Task } from './task.js';

/** What kind of work a task record stands for. */
export type TaskKind = 'task' | 'worker' | 'blocking' | 'actor';

/**
 * What an observing runtime keeps of one task, beside the `Task`: made at
 * spawn only when the runtime observes (`Builder.observe()`), so a task of a
 * runtime that does not observe carries one empty field. It outlives the task:
 * a finished task is retained as this record alone (the `Task`, its result and
 * its closures can be collected).
 *
 * Times (with `taskTimes`) use `performance.now()`, real time even when the
 * runtime clock is paused: a poll's cost is what the thread spent.
 */
export class TaskObs {
  id: number;
  name: string | undefined;
  parentId: number | undefined;
  kind: TaskKind;
  thread = 0;
  spawnedAt: number;
  endedAt: number | undefined = undefined;
  location: string | undefined;
  /** 'ok' | 'failed' | 'cancelled' once finished. */
  outcome: 'ok' | 'failed' | 'cancelled' | undefined = undefined;
  polls = 0;
  busyMs = 0;
  scheduledMs = 0;
  idleMs = 0;
  wakes = 0;
  selfWakes = 0;
  longPolls = 0;
  /** When the running poll began (performance.now()), or -1 between polls. */
  pollStart = -1;
  /** When it was last woken and has not resumed yet, or -1. */
  wokenAt = -1;
  /** When its last poll ended (it went idle), or -1. */
  idleSince = -1;
  /** Where poll times go: set only when its runtime records task times. */
  sink: PollSink | undefined = undefined;

  constructor(
    id: number,
    name: string | undefined,
    parentId: number | undefined,
    kind: TaskKind,
    spawnedAt: number,
    location: string | undefined,
  ) {
    this.id = id;
    this.name = name;
    this.parentId = parentId;
    this.kind = kind;
    this.spawnedAt = spawnedAt;
    this.location = location;
  }
}

/**
 * Where the poll timing of observing runtimes reports (one per thread: the
 * runtime layer installs it). Only tasks whose runtime asked for `taskTimes`
 * call it, so it is absent from the paths of every other task.
 */
export interface PollSink {
  /** A poll of `task` ended after `busy` ms (it parked or finished). */
  pollEnded(task: Task, busy: number): void;
  /** A woken task resumed after `delay` ms in the ready state. */
  resumed(task: Task, delay: number): void;
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
export function taskWoken(task: Task, obs: TaskObs): void {
  if (obs.pollStart >= 0 || obs.wokenAt >= 0) return; // running, or already woken
  const now = performance.now();
  obs.wakes++;
  if (tail === task) obs.selfWakes++;
  if (obs.idleSince >= 0) obs.idleMs += now - obs.idleSince;
  obs.idleSince = -1;
  obs.wokenAt = now;
  resuming.push(task);
  queueMicrotask(resumeNext);
}

function resumeNext(): void {
  const task = resuming[resumingHead]!;
  resuming[resumingHead++] = undefined as unknown as Task;
  if (resumingHead === resuming.length) {
    resuming.length = 0;
    resumingHead = 0;
  }
  beginPoll(task);
}

/** A poll of `task` begins (its body starts, or it resumes after a wake). */
export function beginPoll(task: Task): void {
  const obs = task.obs;
  if (obs === undefined || obs.pollStart >= 0 || task.isFinished) return;
  const now = performance.now();
  const readyAt = obs.wokenAt;
  obs.wokenAt = -1;
  obs.pollStart = now;
  tail = undefined;
  if (readyAt >= 0) {
    obs.scheduledMs += now - readyAt;
    obs.sink?.resumed(task, now - readyAt);
  }
}

/** The running poll of `task` ends (it parked in a weft wait, or finished). */
export function endPoll(task: Task, obs: TaskObs): void {
  if (obs.pollStart < 0) return;
  const now = performance.now();
  const busy = now - obs.pollStart;
  obs.pollStart = -1;
  obs.polls++;
  obs.busyMs += busy;
  obs.idleSince = now;
  tail = task;
  if (!tailClearQueued) {
    tailClearQueued = true;
    queueMicrotask(clearTail);
  }
  obs.sink?.pollEnded(task, busy);
}
