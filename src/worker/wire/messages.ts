/**
 * The messages between the calling thread and a weft thread (worker or
 * blocking), on the thread's own `MessagePort`. Shared-queue calls of the
 * multi-thread pool send no message at all (they travel through shared
 * memory, `pool/shared-memory.ts`); what does travel is below, one
 * discriminated union per direction, told apart by `op`.
 *
 * To extend the protocol (a trace context, a task report), add an optional
 * field to the message it belongs to: both sides ignore fields they do not
 * know, and a missing optional field means "none". A new kind of message gets
 * a new `Op` and a new member of the union.
 */
import type { TaskInfo } from '../../runtime/introspection.js';

/** Message kinds. Numbers, not strings: they are compared on every message. */
export const enum Op {
  /** Calling thread → thread: run a call whose arguments travel by message. */
  Run = 1,
  /** Calling thread → thread: abort a call. */
  Abort = 2,
  /** Thread → calling thread: booted, ready for calls. */
  Ready = 3,
  /** Thread → calling thread: results of finished calls. */
  Results = 4,
  /** Thread → calling thread: its tasks, for an observing runtime (`task-report.ts`). */
  Tasks = 5,
  /** Calling thread → blocking thread of an observing runtime: send the last task report and exit. */
  Retire = 6,
}

/** How a call ended (a result's status). */
export const enum Status {
  Ok = 1,
  Failed = 2,
  Cancelled = 3,
}

/**
 * A call sent by message. The multi-thread pool names the task by its index
 * in shared memory (`task`), the blocking pool by module URL and name.
 */
export interface RunMessage {
  readonly op: Op.Run;
  /** The job's id: its job-table index (pool), a running number (blocking). */
  readonly j: number;
  /** The job-table entry's generation (pool; 0 for blocking). */
  readonly gen: number;
  /** Task-definition index (pool), or -1 when `url` and `name` name it. */
  readonly task: number;
  readonly url?: string;
  readonly name?: string;
  /** `KIND_CALL` or `KIND_MAP`. */
  readonly kind: number;
  readonly args: unknown[];
  /** Channel ends were moved into the call (`channels/channel-wire.ts`): the thread adopts them. */
  readonly ch: boolean;
  /** The id of the call's proxy task, when the runtime observes (blocking): the parent of the call's task. */
  parent?: number;
}

export interface AbortMessage {
  readonly op: Op.Abort;
  readonly j: number;
  readonly gen: number;
  /** The abort reason, if it can be cloned (else undefined). */
  reason: unknown;
}

/** The blocking pool retires an idle thread of an observing runtime (`blocking-pool.ts`). */
export interface RetireMessage {
  readonly op: Op.Retire;
}

export type ToThread = RunMessage | AbortMessage;
export type ToBlockingThread = ToThread | RetireMessage;

export interface ReadyMessage {
  readonly op: Op.Ready;
}

/**
 * Results, batched: one message per turn of the thread's event loop.
 * `r` holds `RESULT_STRIDE` entries per call: job id, generation, `Status`,
 * value (the returned value, or the encoded thrown value for `Failed`).
 */
export interface ResultsMessage {
  readonly op: Op.Results;
  readonly r: unknown[];
}

/**
 * A worker thread's tasks, sent only when the runtime that owns it observes:
 * at most one message per turn of the thread's event loop in which a task
 * spawned or finished, and a refresh while tasks are alive (`task-report.ts`).
 */
export interface TasksMessage {
  readonly op: Op.Tasks;
  /** The thread's alive tasks now (its whole list: it replaces the last one). */
  readonly alive: TaskInfo[];
  /** Tasks that finished since the last report. */
  readonly finished: TaskInfo[];
  /** Wall-clock ms (`timeOrigin` based) at the thread runtime's clock 0: times are moved onto the owner's clock with it. */
  readonly epoch: number;
}

export type FromThread = ReadyMessage | ResultsMessage | TasksMessage;

/** Entries per call in `ResultsMessage.r`. */
export const RESULT_STRIDE = 4;
