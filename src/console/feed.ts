import type { Runtime } from '../runtime/runtime.js';
import type { Task } from '../task/task.js';
import { DeltaTracker, sameResource, sameTask } from './delta.js';
import { readLongPoll, readMetrics, readNow, readResources, readTasks } from './introspect.js';
import { runLints } from './lints/index.js';
import { LoopMonitor } from './loop-monitor.js';
import { LostWakerWatch } from './lost-wakers.js';
import type { ConsoleState, ConsoleUpdate, LoopSample, ResourceInfo, TaskInfo, Warning } from './types.js';

/** Options of a feed (the console server's, minus the HTTP ones). */
export interface FeedOptions {
  /** ms between updates. */
  publishInterval: number;
  /** How far back (ms) the event-loop lint and the plots look; default 30,000. */
  window?: number;
  /** Event-loop delay (ms) that counts as blocked; default 100. */
  blockedMs?: number;
}

/**
 * Turns a runtime into the console's data: a full state on demand and, once
 * per publish interval, a delta of what changed plus the interval's
 * event-loop sample and the current warnings.
 */
export class ConsoleFeed {
  readonly #runtime: Runtime;
  readonly #loop = new LoopMonitor();
  readonly #lost = new LostWakerWatch();
  readonly #tasks = new DeltaTracker<TaskInfo>(sameTask);
  readonly #resources = new DeltaTracker<ResourceInfo>(sameResource);
  readonly #samples: LoopSample[] = [];
  /** Per interval, the tasks with long polls and their count then (sparse: most tasks have none). */
  readonly #longPollHistory: Map<number, number>[] = [];
  readonly #windowLength: number;
  readonly #blockedMs: number;
  readonly #interval: number;
  /** Failures nobody awaited, as the runtime reported them (the last MAX_UNOBSERVED). */
  readonly #unobserved: { id: number; name: string | undefined; error: string }[] = [];
  readonly #onUnobserved = (task: Task): void => {
    if (this.#unobserved.push({ id: task.id, name: task.name, error: firstLine(task.result) }) > MAX_UNOBSERVED) {
      this.#unobserved.shift();
    }
  };
  #warnings: Warning[] = [];
  #seq = 0;

  constructor(runtime: Runtime, options: FeedOptions) {
    this.#runtime = runtime;
    this.#interval = options.publishInterval;
    this.#windowLength = Math.max(1, Math.round((options.window ?? 30_000) / options.publishInterval));
    this.#blockedMs = options.blockedMs ?? 100;
    runtime.unobservedListeners.add(this.#onUnobserved);
  }

  /** The whole current state (GET /api/state). */
  state(): ConsoleState {
    const tasks = readTasks(this.#runtime);
    const resources = readResources(this.#runtime);
    return {
      now: readNow(this.#runtime),
      at: Date.now(),
      tasks,
      resources,
      metrics: readMetrics(this.#runtime),
      loop: [...this.#samples],
      warnings: this.#lint(tasks, resources),
    };
  }

  /** Starts the first publish interval (call when the publish timer starts). */
  begin(): void {
    this.#loop.restart();
  }

  /** Ends a publish interval: what changed since the last one. */
  tick(): Omit<ConsoleUpdate, 'droppedEvents'> {
    const tasks = readTasks(this.#runtime);
    const resources = readResources(this.#runtime);
    const metrics = readMetrics(this.#runtime);
    const sample = this.#loop.sample(tasks.length, this.#loop.sinceLast - this.#interval);
    this.#samples.push(sample);
    if (this.#samples.length > this.#windowLength) this.#samples.shift();
    const longPolls = new Map<number, number>();
    for (const t of tasks) if (t.longPolls > 0) longPolls.set(t.id, t.longPolls);
    this.#longPollHistory.push(longPolls);
    if (this.#longPollHistory.length > this.#windowLength + 1) this.#longPollHistory.shift();
    const t = this.#tasks.diff(tasks);
    const r = this.#resources.diff(resources);
    this.#warnings = this.#lint(tasks, resources);
    return {
      type: 'delta',
      seq: ++this.#seq,
      now: readNow(this.#runtime),
      at: sample.at,
      tasks: t.changed,
      removedTasks: t.removed,
      resources: r.changed,
      removedResources: r.removed,
      metrics,
      loop: sample,
      warnings: this.#warnings,
    };
  }

  #lint(tasks: TaskInfo[], resources: ResourceInfo[]): Warning[] {
    return runLints({
      tasks,
      resources,
      loop: this.#samples,
      longPoll: readLongPoll(this.#runtime),
      blockedMs: this.#blockedMs,
      lostWaits: this.#lost.lostWaits(this.#runtime),
      unobserved: this.#unobserved,
      longPollsBefore: this.#longPollHistory[0] ?? new Map(),
    });
  }

  close(): void {
    this.#runtime.unobservedListeners.delete(this.#onUnobserved);
    this.#loop.close();
    this.#lost.close();
  }
}

/** Failures nobody awaited that the console keeps showing. */
const MAX_UNOBSERVED = 100;

function firstLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split('\n')[0]!.slice(0, 200);
}
