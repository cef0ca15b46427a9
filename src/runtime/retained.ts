import { TASK_KINDS, type TaskObs } from '../task/observation.js';
import type { Task } from '../task/task.js';
import type { TaskInfo } from './introspection.js';

/** By `Outcome` (task.ts): 1 ok, 2 failed, 3 cancelled. */
const OUTCOMES = [undefined, 'ok', 'failed', 'cancelled'] as const;

/**
 * The finished tasks a runtime retains, in columns: a ring of typed arrays
 * (numbers) and two plain arrays (name and location, strings shared with the
 * task). A retained task is about 90 bytes and no object of its own, so
 * keeping 10,000 of them costs the garbage collector nothing to trace or
 * copy. Oldest first; pushing past `max` overwrites the oldest.
 */
export class RetainedRing {
  readonly #max: number;
  #cap = 0;
  #head = 0;
  #size = 0;
  /** 7 per task: spawnedAt, endedAt, busy, scheduled, idle, id, parentId (-1: none). Ids are doubles: worker threads number theirs from a high base. */
  #f64 = new Float64Array(0);
  /** 5 per task: polls, wakes, selfWakes, longPolls, and kind | outcome << 2 | thread << 4. */
  #i32 = new Int32Array(0);
  #names: (string | undefined)[] = [];
  #locations: (string | undefined)[] = [];

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#size;
  }

  push(task: Task, obs: TaskObs, endedAt: number): void {
    const slot = this.#nextSlot();
    if (slot < 0) return;
    const times = obs.times;
    const f = slot * 7;
    const d = this.#f64;
    d[f] = obs.spawnedAt;
    d[f + 1] = endedAt;
    d[f + 5] = task.id;
    d[f + 6] = obs.parentId ?? -1;
    const n = slot * 5;
    const w = this.#i32;
    w[n + 4] = obs.kind | (task.outcome << 2) | (obs.thread << 4);
    if (times === undefined) {
      d[f + 2] = d[f + 3] = d[f + 4] = 0;
      w[n] = w[n + 1] = w[n + 2] = w[n + 3] = 0;
    } else {
      d[f + 2] = times.busyMs;
      d[f + 3] = times.scheduledMs;
      d[f + 4] = times.idleMs;
      w[n] = times.polls;
      w[n + 1] = times.wakes;
      w[n + 2] = times.selfWakes;
      w[n + 3] = times.longPolls;
    }
    this.#names[slot] = task.name;
    this.#locations[slot] = obs.location;
  }

  /** Retains a finished task reported by another thread. */
  pushInfo(t: TaskInfo): void {
    const slot = this.#nextSlot();
    if (slot < 0) return;
    const f = slot * 7;
    const d = this.#f64;
    d[f] = t.spawnedAt;
    d[f + 1] = t.endedAt ?? t.spawnedAt;
    d[f + 2] = t.busyMs;
    d[f + 3] = t.scheduledMs;
    d[f + 4] = t.idleMs;
    d[f + 5] = t.id;
    d[f + 6] = t.parentId ?? -1;
    const n = slot * 5;
    const w = this.#i32;
    w[n] = t.polls;
    w[n + 1] = t.wakes;
    w[n + 2] = t.selfWakes;
    w[n + 3] = t.longPolls;
    w[n + 4] =
      Math.max(0, TASK_KINDS.indexOf(t.kind)) | (Math.max(0, OUTCOMES.indexOf(t.outcome)) << 2) | (t.thread << 4);
    this.#names[slot] = t.name;
    this.#locations[slot] = t.location;
  }

  /** The slot for a new row (overwriting the oldest when full), or -1 when nothing is retained. */
  #nextSlot(): number {
    if (this.#max === 0) return -1;
    if (this.#size === this.#cap && this.#cap < this.#max) this.#grow();
    let slot: number;
    if (this.#size < this.#cap) {
      slot = this.#head + this.#size;
      if (slot >= this.#cap) slot -= this.#cap;
      this.#size++;
    } else {
      slot = this.#head;
      if (++this.#head === this.#cap) this.#head = 0;
    }
    return slot;
  }

  /** Drops the oldest tasks that ended before `cutoff`. */
  expire(cutoff: number): void {
    while (this.#size > 0 && this.#f64[this.#head * 7 + 1]! < cutoff) {
      this.#names[this.#head] = this.#locations[this.#head] = undefined;
      if (++this.#head === this.#cap) this.#head = 0;
      this.#size--;
    }
  }

  /** Snapshots of the retained tasks, oldest first. */
  infos(): TaskInfo[] {
    const out: TaskInfo[] = new Array<TaskInfo>(this.#size);
    for (let i = 0; i < this.#size; i++) out[i] = this.#info((this.#head + i) % this.#cap);
    return out;
  }

  #info(slot: number): TaskInfo {
    const d = this.#f64;
    const w = this.#i32;
    const f = slot * 7;
    const n = slot * 5;
    const packed = w[n + 4]!;
    const parent = d[f + 6]!;
    return {
      id: d[f + 5]!,
      name: this.#names[slot],
      parentId: parent < 0 ? undefined : parent,
      kind: TASK_KINDS[packed & 3]!,
      thread: packed >>> 4,
      state: 'done',
      outcome: OUTCOMES[(packed >>> 2) & 3],
      spawnedAt: d[f]!,
      endedAt: d[f + 1]!,
      location: this.#locations[slot],
      waitsOn: [],
      polls: w[n]!,
      busyMs: d[f + 2]!,
      scheduledMs: d[f + 3]!,
      idleMs: d[f + 4]!,
      wakes: w[n + 1]!,
      selfWakes: w[n + 2]!,
      longPolls: w[n + 3]!,
    };
  }

  /** Doubles the capacity (up to `max`), unrolling the ring so the oldest is at 0. */
  #grow(): void {
    const cap = Math.min(this.#max, Math.max(256, this.#cap * 2));
    const f64 = new Float64Array(cap * 7);
    const i32 = new Int32Array(cap * 5);
    const names: (string | undefined)[] = new Array<string | undefined>(cap);
    const locations: (string | undefined)[] = new Array<string | undefined>(cap);
    for (let i = 0; i < this.#size; i++) {
      const from = (this.#head + i) % this.#cap;
      f64.set(this.#f64.subarray(from * 7, from * 7 + 7), i * 7);
      i32.set(this.#i32.subarray(from * 5, from * 5 + 5), i * 5);
      names[i] = this.#names[from];
      locations[i] = this.#locations[from];
    }
    this.#f64 = f64;
    this.#i32 = i32;
    this.#names = names;
    this.#locations = locations;
    this.#head = 0;
    this.#cap = cap;
  }
}
