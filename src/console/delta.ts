import type { ResourceInfo, TaskInfo } from './types.js';

/**
 * Finds what changed between two publishes: each id keeps a short key of the
 * fields that move (state, polls, times, waits), so an unchanged task costs
 * one string compare and is not sent again.
 */
export class DeltaTracker<T extends { id: number }> {
  #keys = new Map<number, string>();
  readonly #key: (item: T) => string;

  constructor(key: (item: T) => string) {
    this.#key = key;
  }

  /** The items that are new or changed, and the ids that disappeared, since the last call. */
  diff(items: readonly T[]): { changed: T[]; removed: number[] } {
    const next = new Map<number, string>();
    const changed: T[] = [];
    const prev = this.#keys;
    for (const item of items) {
      const key = this.#key(item);
      next.set(item.id, key);
      if (prev.get(item.id) !== key) changed.push(item);
    }
    const removed: number[] = [];
    for (const id of prev.keys()) if (!next.has(id)) removed.push(id);
    this.#keys = next;
    return { changed, removed };
  }
}

/** What makes a task "changed" for the updates stream. */
export function taskKey(t: TaskInfo): string {
  const w = t.waitsOn[0];
  return `${t.state}|${t.polls}|${t.busyMs}|${t.scheduledMs}|${t.wakes}|${t.longPolls}|${t.waitsOn.length}|${w?.op}|${w?.resourceId}|${t.outcome}`;
}

/** What makes a resource "changed" for the updates stream. */
export function resourceKey(r: ResourceInfo): string {
  return `${JSON.stringify(r.attributes)}|${r.waiters.join(',')}`;
}
