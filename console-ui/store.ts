import type { ConsoleState, ConsoleUpdate, LoopSample, ResourceInfo, TaskInfo, Warning } from '../src/console/types.js';

export type { ConsoleState, ConsoleUpdate, LoopSample, ResourceInfo, TaskInfo, Warning };

/** How many loop samples the plots keep. */
const MAX_SAMPLES = 600;

/** The page's picture of the runtime: filled from /api/state, kept current by the update stream. */
export class Store {
  tasks = new Map<number, TaskInfo>();
  resources = new Map<number, ResourceInfo>();
  warnings: Warning[] = [];
  loop: LoopSample[] = [];
  metrics: Record<string, unknown> = {};
  now = 0;
  at = 0;
  droppedEvents = 0;
  #listeners: Array<() => void> = [];

  onChange(fn: () => void): void {
    this.#listeners.push(fn);
  }

  #changed(): void {
    for (const fn of this.#listeners) fn();
  }

  /** Replaces everything with a full state. */
  load(state: ConsoleState): void {
    this.tasks = new Map(state.tasks.map((t) => [t.id, t]));
    this.resources = new Map(state.resources.map((r) => [r.id, r]));
    this.warnings = state.warnings;
    this.loop = state.loop.slice(-MAX_SAMPLES);
    this.metrics = state.metrics;
    this.now = state.now;
    this.at = state.at;
    this.#changed();
  }

  /** Applies one update; returns false when updates were dropped (the caller reloads the state). */
  apply(update: ConsoleUpdate): boolean {
    for (const t of update.tasks) this.tasks.set(t.id, t);
    for (const id of update.removedTasks) this.tasks.delete(id);
    for (const r of update.resources) this.resources.set(r.id, r);
    for (const id of update.removedResources) this.resources.delete(id);
    this.warnings = update.warnings;
    this.metrics = update.metrics;
    this.loop.push(update.loop);
    if (this.loop.length > MAX_SAMPLES) this.loop.splice(0, this.loop.length - MAX_SAMPLES);
    this.now = update.now;
    this.at = update.at;
    const missed = update.droppedEvents > this.droppedEvents;
    this.droppedEvents = update.droppedEvents;
    this.#changed();
    return !missed;
  }

  /** Warnings about one task. */
  warningsOf(taskId: number): Warning[] {
    return this.warnings.filter((w) => w.taskId === taskId);
  }
}
