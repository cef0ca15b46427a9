import type { LoopSample, ResourceInfo, TaskInfo, Warning } from '../types.js';

/** What every lint reads: one snapshot plus the recent event-loop samples. Lints are pure functions of it. */
export interface LintInput {
  tasks: readonly TaskInfo[];
  resources: readonly ResourceInfo[];
  /** Recent publish intervals' loop samples, oldest first. */
  loop: readonly LoopSample[];
  /** Ms one poll may run before it counts as long (the runtime's `longPoll`, default 50). */
  longPoll: number;
  /** Event-loop delay, ms, at or above which the loop counts as blocked (default 100). */
  blockedMs: number;
  /** Per task, a wait of it nothing can wake: the ends that could were garbage-collected unclosed or unreleased. */
  lostWaits: ReadonlyMap<number, LostWait>;
  /** Tasks that failed while nobody awaited them (the runtime tells the console), newest last. */
  unobserved: readonly { id: number; name: string | undefined; error: string }[];
  /** Per task id, its `longPolls` count `loop.length` intervals ago (to name who blocked the loop recently). */
  longPollsBefore: ReadonlyMap<number, number>;
}

/** A wait nothing can wake (`lost-wakers.ts`). */
export interface LostWait {
  /** The wait's op, e.g. `'mpsc.recv'`, `'mutex.lock'`. */
  op: string;
  /** The resource it waits on. */
  resourceId: number;
  /** What was dropped, e.g. "every sender of that channel was dropped without close()". */
  dropped: string;
}

/** One lint: a pure function from a snapshot to the warnings it raises. */
export type Lint = (input: LintInput) => Warning[];

/** "task 7 (name)" for messages. */
export function label(t: { id: number; name: string | undefined }): string {
  return t.name === undefined ? `task ${t.id}` : `task ${t.id} (${t.name})`;
}

/** A figure in ms with at most one decimal. */
export function ms(x: number): string {
  return `${Math.round(x * 10) / 10} ms`;
}
