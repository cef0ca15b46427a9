/**
 * Tasks on worker threads, seen from the runtime that owns them. A worker
 * thread runs its own current-thread runtime, so its tasks are in that
 * runtime's lists, not in the owner's. When the owner observes, each worker
 * thread observes too and reports (`TasksMessage`): its alive tasks and those
 * that finished, within `REPORT_MS` of a task's spawn or end (at most one
 * report per `REPORT_MS`, so a stream of calls costs a message a tenth of a
 * second, not one per call), and every `REFRESH_MS` while tasks are alive (so
 * what they wait on and their task times stay current). The owner keeps the last
 * alive list per thread and retains the finished ones with its own
 * (`Runtime.reportThreadTasks`). A runtime that does not observe starts its
 * threads without any of this: no hook, no message.
 *
 * Ids do not clash: a reporting thread numbers its tasks and its resources
 * from `thread * 2^40` (workers: index + 1; blocking threads: above those,
 * one number per thread started, `blocking/blocking-pool.ts`). Times are moved onto the owner's clock through the wall
 * clock (each thread has its own `performance.timeOrigin`).
 */
import type { MessagePort } from 'node:worker_threads';
import { setDefaultHost } from '../task/host.js';
import { setResourceIdBase } from '../core/resources.js';
import { Runtime, setTaskIdBase } from '../runtime/runtime.js';
import type { ObserveSettings, TaskInfo } from '../runtime/introspection.js';
import { Op, type TasksMessage } from './wire/messages.js';

/** Reports of one thread are at least this many ms apart: a burst of calls makes one report, not one per call. */
export const REPORT_MS = 100;
/** How often a thread with alive tasks reports them again, in ms. */
export const REFRESH_MS = 250;
/** The highest thread number: ids from `thread * 2^40` stay exact doubles (under 2^53). */
export const MAX_THREAD_NUMBER = 2 ** 13 - 1;

/**
 * On a worker thread, before anything makes its runtime: the thread's
 * runtime observes with the owner's settings (retaining nothing itself: the
 * owner retains) and reports on `port` as thread number `thread`.
 * @returns what sends the pending report now (a thread about to exit)
 */
export function reportTasks(port: MessagePort, thread: number, settings: ObserveSettings): () => void {
  setTaskIdBase(thread * 2 ** 40);
  setResourceIdBase(thread * 2 ** 40);
  const reporter = new TaskReporter(port, thread);
  setDefaultHost(() => {
    const rt = Runtime.builder()
      .observe({ ...settings, maxRetained: 0 })
      .onTaskSpawn(reporter.changed)
      .onTaskTerminate(reporter.terminated)
      .build();
    reporter.rt = rt;
    return rt;
  });
  return reporter.flush;
}

class TaskReporter {
  rt: Runtime | undefined = undefined;
  #finished: TaskInfo[] = [];
  #timer: NodeJS.Timeout | undefined = undefined;
  /** When the pending report goes out (`performance.now()`), Infinity when none is pending. */
  #due = Infinity;
  #lastSent = -Infinity;
  /** The last report listed alive tasks (so an empty list must be sent once, to clear them). */
  #hadAlive = false;

  constructor(
    readonly port: MessagePort,
    readonly thread: number,
  ) {}

  /** A task spawned or finished: report within `REPORT_MS` of the last report (a burst of calls makes one). */
  readonly changed = (): void => {
    const at = this.#lastSent + REPORT_MS;
    if (at < this.#due) this.#schedule(at);
  };

  readonly terminated = (info: TaskInfo): void => {
    info.thread = this.thread;
    this.#finished.push(info);
    this.changed();
  };

  readonly flush = (): void => {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#send();
  };

  #schedule(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#due = at;
    this.#timer = setTimeout(this.#send, Math.max(0, at - performance.now())).unref();
  }

  readonly #send = (): void => {
    this.#timer = undefined;
    this.#due = Infinity;
    const rt = this.rt;
    if (rt === undefined) return;
    const alive = rt.tasks(); // retains nothing: the alive tasks only
    const finished = this.#finished;
    if (alive.length === 0 && finished.length === 0 && !this.#hadAlive) return;
    this.#finished = [];
    this.#hadAlive = alive.length > 0;
    for (const t of alive) t.thread = this.thread;
    const now = performance.now();
    const epoch = performance.timeOrigin + now - rt.clock.now();
    this.port.postMessage({ op: Op.Tasks, alive, finished, epoch } satisfies TasksMessage);
    this.#lastSent = now;
    // While tasks are alive, what they wait on and their times change: refresh.
    if (this.#hadAlive) this.#schedule(now + REFRESH_MS);
  };
}

/** On the owner's thread: applies a report of worker thread `thread` (undefined: the thread has gone). */
export function receiveTaskReport(runtime: Runtime, thread: number, report: TasksMessage | undefined): void {
  if (report === undefined) {
    runtime.reportThreadTasks(thread, [], []);
    return;
  }
  const shift = report.epoch - (performance.timeOrigin + performance.now() - runtime.clock.now());
  for (const t of report.alive) moveTimes(t, shift);
  for (const t of report.finished) moveTimes(t, shift);
  runtime.reportThreadTasks(thread, report.alive, report.finished);
}

function moveTimes(t: TaskInfo, shift: number): void {
  t.spawnedAt += shift;
  if (t.endedAt !== undefined) t.endedAt += shift;
  for (const w of t.waitsOn) w.since += shift;
}
