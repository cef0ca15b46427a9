import { WeftError, registerWeftErrors } from '../core/errors.js';
/**
 * Raised inside a task by a weft wait when the task is aborted, and by a
 * cancelled `CancellationToken`'s waits. `cause` is the abort reason, if one
 * was given.
 */
export class CancelledError extends WeftError {
  override readonly name = 'CancelledError';
  readonly code = 'ERR_CANCELLED';
  constructor(message = 'the task was cancelled', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** How a task ended, when it did not return a value. */
export type JoinErrorKind = 'ERR_TASK_CANCELLED' | 'ERR_TASK_FAILED';

/**
 * The rejection of an awaited `JoinHandle` whose task was aborted or threw.
 * `cause` is the thrown value (failed) or the abort reason (cancelled).
 */
export class JoinError extends WeftError {
  override readonly name = 'JoinError';
  readonly code: JoinErrorKind;
  readonly taskId: number;
  readonly taskName: string | undefined;

  constructor(code: JoinErrorKind, taskId: number, taskName: string | undefined, cause: unknown) {
    const label = taskName === undefined ? `task ${taskId}` : `task ${taskId} (${taskName})`;
    super(
      code === 'ERR_TASK_CANCELLED' ? `${label} was cancelled` : `${label} failed: ${describe(cause)}`,
      cause === undefined ? undefined : { cause },
    );
    this.code = code;
    this.taskId = taskId;
    this.taskName = taskName;
  }

  isCancelled(): boolean {
    return this.code === 'ERR_TASK_CANCELLED';
  }

  isFailed(): boolean {
    return this.code === 'ERR_TASK_FAILED';
  }
}

/** Thrown by `TaskLocal.get()` outside a `scope()` of that local. */
export class TaskLocalError extends WeftError {
  override readonly name = 'TaskLocalError';
  readonly code = 'ERR_TASK_LOCAL_NOT_SET';
}

/** Thrown by `spawn` on a runtime that has shut down. */
export class RuntimeShutdownError extends WeftError {
  override readonly name = 'RuntimeShutdownError';
  readonly code = 'ERR_RUNTIME_SHUTDOWN';
}

export function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** `err` and its `cause` chain, one "caused by" per link, for logs. */
export function formatCauseChain(err: unknown): string {
  const parts = [describe(err)];
  const seen = new Set<unknown>([err]);
  let cur: unknown = err instanceof Error ? err.cause : undefined;
  while (cur !== undefined && !seen.has(cur) && parts.length < 16) {
    seen.add(cur);
    parts.push(`caused by: ${describe(cur)}`);
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return parts.join('; ');
}

registerWeftErrors({ CancelledError, JoinError, TaskLocalError, RuntimeShutdownError });
