import { MessagePort, type TransferListItem } from 'node:worker_threads';
import type { Cancellable, WaitSite } from '../core/wait-queue.js';
import type { TaskRecord } from '../core/context.js';
import type { Task } from '../task/task.js';
import type { TaskDef } from './define-task.js';
import { WorkerCrashedError } from './errors.js';
import { Status } from './wire/messages.js';
import { KIND_TRACED } from './pool/shared-memory.js';

/** How a job ended (the statuses results carry, `wire/messages.ts`). */
export const OK: number = Status.Ok;
export const FAILED: number = Status.Failed;
export const CANCELLED: number = Status.Cancelled;

/** The pool a job was submitted to: told when the job's task is aborted. */
export interface JobHost {
  abort(job: RemoteJob): void;
}

/**
 * One call running on another thread, as the calling thread sees it.
 *
 * It is the one weft wait of the task behind the call's `JoinHandle`: a proxy
 * task (`Runtime.spawnProxy`) that runs nothing on this thread, so a call
 * costs no start job, no async-context frame and no promise here until
 * someone awaits the handle. Linked to the proxy when the call is made, it is
 * what an abort reaches, and what introspection sees the task waiting on.
 * Aborting does not settle it at once: `cancel()` asks the pool to remove the
 * job from its queue or to abort it on its worker, and the job settles when
 * that is done, so the handle settles only after the remote task has finished
 * (its `finally` blocks ran). Settling the job finishes the proxy task with
 * the call's value or error.
 *
 * It holds no promise and sits in no wait queue, so it implements the wait
 * contract's `Cancellable` part directly (what a task lists in `task.waits`
 * and cancels on abort), as a flat class: one is allocated per call.
 */
export class RemoteJob implements Cancellable {
  // The wait contract's links (`Cancellable`): the proxy task it is listed in.
  task: TaskRecord | undefined = undefined;
  tPrev: Cancellable | undefined = undefined;
  tNext: Cancellable | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  site: WaitSite | undefined = undefined;
  resource: number | undefined = undefined;
  since = 0;
  /** True once the job has settled (`finish`). */
  settled = false;
  readonly def: TaskDef<any, any>;
  /** `KIND_CALL` or `KIND_MAP`, with `KIND_TRACED` set when the call carries a trace context. */
  kind: number;
  /** The arguments, when they travel by `postMessage` (blocking pool, pinned jobs). */
  args: unknown[] | undefined;
  /** The arguments serialized (the shared-queue path, when they are not all primitives). */
  payload: Uint8Array | undefined = undefined;
  /** Bytes to allocate for the arguments in the arena. */
  size = 0;
  transferList: TransferListItem[] | undefined;
  /** Channel ends among the arguments were moved into the call (`channel-wire.ts`). */
  wired = false;
  host: JobHost | undefined = undefined;
  /** The pool's bookkeeping: job-table index, generation, arena block, owning worker or thread. */
  index = -1;
  gen = 0;
  off = -1;
  worker = -1;
  /** Sent by message and counted in its worker's placement score until released. */
  held = false;
  /** Next in the pool's backlog. */
  link: RemoteJob | undefined = undefined;
  proxy!: Task;
  /** The proxy task was aborted and the pool has been told. */
  aborting = false;

  constructor(
    def: TaskDef<any, any>,
    kind: number,
    args: unknown[] | undefined,
    transferList: TransferListItem[] | undefined,
  ) {
    this.def = def;
    this.kind = kind;
    this.args = args;
    this.transferList = transferList;
  }

  /**
   * Carries the caller's trace context: appended as the last argument and
   * flagged in the kind, so it travels whichever way the arguments do
   * (shared memory or message) and the thread takes it off before the call.
   */
  carryTrace(traceparent: string | undefined): void {
    if (traceparent === undefined) return;
    this.args!.push(traceparent);
    this.kind |= KIND_TRACED;
  }

  /** Links the job to its proxy task, whose only wait it is. */
  attach(task: Task, site: WaitSite): void {
    this.proxy = task;
    this.site = site;
    task.linkWait(this);
    if (task.cancelRequested) this.cancel(task.cancelError()); // its runtime has shut down
  }

  /** The proxy task was aborted: ask the pool to take the job back or abort it where it runs. */
  cancel(_reason: unknown): void {
    if (this.settled || this.aborting) return;
    this.aborting = true;
    if (this.host === undefined)
      this.cancelled(); // never submitted
    else this.host.abort(this);
  }

  /** Settles the job once, finishing its proxy task; false if it had already settled. */
  finish(status: number, value: unknown): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.dropPorts();
    const task = this.proxy;
    if (this.task !== undefined) task.unlinkWait(this);
    if (status === OK) task.finish(false, value);
    else task.finish(true, status === CANCELLED ? task.cancelError() : value);
    return true;
  }

  /**
   * Closes the ports among the arguments that never left this thread (a call
   * cancelled while queued, or one that could not be sent): the channel ends
   * they stand for are dropped instead of waiting forever. Ports already sent
   * are detached here, and closing them does nothing.
   */
  dropPorts(): void {
    const list = this.transferList;
    if (list === undefined) return;
    for (const item of list) if (item instanceof MessagePort) item.close();
  }

  /** Settles the job with a `WorkerCrashedError` for thread `threadName`. */
  crash(threadName: string, exitCode: number | undefined, cause: unknown): boolean {
    const info = { taskName: this.def.name, taskId: this.proxy.id, threadName, exitCode };
    return this.finish(FAILED, new WorkerCrashedError(info, cause === undefined ? undefined : { cause }));
  }

  /** Settles a job that ended because it was aborted (or never ran because of it). */
  cancelled(): boolean {
    return this.finish(CANCELLED, undefined);
  }
}
