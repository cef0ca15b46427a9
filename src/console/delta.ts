import type { ResourceInfo, TaskInfo } from './types.js';

/**
 * Finds what changed between two publishes. It keeps the previous record of
 * each id and compares the fields that move (`same`), so an unchanged task
 * costs a few number compares and is not sent again. The records kept are
 * replaced only when they change: an unchanged task's fresh record dies
 * young, and the 10,000 kept ones stay the same old objects, instead of a
 * new generation of them surviving into the old space every interval (what
 * made the console cost the program major collections).
 */
export class DeltaTracker<T extends { id: number }> {
  readonly #prev = new Map<number, T>();
  readonly #same: (a: T, b: T) => boolean;

  constructor(same: (a: T, b: T) => boolean) {
    this.#same = same;
  }

  /** The items that are new or changed, and the ids that disappeared, since the last call. */
  diff(items: readonly T[]): { changed: T[]; removed: number[] } {
    const prev = this.#prev;
    const seen = new Set<number>();
    const changed: T[] = [];
    for (const item of items) {
      seen.add(item.id);
      const before = prev.get(item.id);
      if (before === undefined || !this.#same(before, item)) {
        changed.push(item);
        prev.set(item.id, item);
      }
    }
    const removed: number[] = [];
    if (seen.size !== prev.size) {
      for (const id of prev.keys()) {
        if (seen.has(id)) continue;
        removed.push(id);
        prev.delete(id);
      }
    }
    return { changed, removed };
  }
}

/** Whether a task moved between two publishes (state, times, polls, wakes, what it waits on). */
export function sameTask(a: TaskInfo, b: TaskInfo): boolean {
  if (
    a.state !== b.state ||
    a.polls !== b.polls ||
    a.busyMs !== b.busyMs ||
    a.scheduledMs !== b.scheduledMs ||
    a.wakes !== b.wakes ||
    a.longPolls !== b.longPolls ||
    a.outcome !== b.outcome ||
    a.waitsOn.length !== b.waitsOn.length
  ) {
    return false;
  }
  for (let i = 0; i < a.waitsOn.length; i++) {
    const x = a.waitsOn[i]!;
    const y = b.waitsOn[i]!;
    if (x.op !== y.op || x.resourceId !== y.resourceId) return false;
  }
  return true;
}

/** Whether a resource moved between two publishes (its attributes or its waiters). */
export function sameResource(a: ResourceInfo, b: ResourceInfo): boolean {
  if (a.waiters.length !== b.waiters.length) return false;
  for (let i = 0; i < a.waiters.length; i++) if (a.waiters[i] !== b.waiters[i]) return false;
  const ka = Object.keys(a.attributes);
  if (ka.length !== Object.keys(b.attributes).length) return false;
  for (const k of ka) if (a.attributes[k] !== b.attributes[k]) return false;
  return true;
}
