import { MessagePort, type TransferListItem } from 'node:worker_threads';
import { frames } from '../internal/context.js';
import { Parked, type WaitSite } from '../internal/wait-queue.js';
import { silence } from '../internal/promise.js';
import type { Task } from '../task/task.js';
import type { TaskDef } from './define-task.js';
import { WorkerCrashedError } from './errors.js';

/** How a job ended. */
export const PENDING = 0;
export const OK = 1;
export const FAILED = 2;
export const CANCELLED = 3;

/** The pool a job was submitted to: told when the job's task is aborted. */
export interface JobHost {
  abort(job: RemoteJob): void;
}

/**
 * One call running on another thread, as the calling thread sees it.
 *
 * It is a weft wait of the task behind the call's `JoinHandle` (the proxy
 * task, whose body just awaits the job), linked when the call is made, so an
 * abort reaches it even before that body starts. Aborting does not settle it
 * at once: `cancel()` asks the pool to remove the job from its queue or to
 * abort it on its worker, and the job settles when that is done, so the handle
 * settles only after the remote task has finished (its `finally` blocks ran).
 * The wait resolves with the call's value or rejects with its error (marked
 * handled: a proxy task aborted before its body ran never awaits it).
 */
export class RemoteJob extends Parked<unknown> {
  readonly def: TaskDef<any, any>;
  readonly kind: number;
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
  /** Next in the pool's backlog. */
  link: RemoteJob | undefined = undefined;
  proxy!: Task;
  /** The proxy task was aborted and the pool has been told. */
  aborting = false;
  #promise!: Promise<unknown>;

  constructor(
    def: TaskDef<any, any>,
    kind: number,
    args: unknown[] | undefined,
    transferList: TransferListItem[] | undefined,
  ) {
    super();
    this.def = def;
    this.kind = kind;
    this.args = args;
    this.transferList = transferList;
  }

  /** Links the job to its proxy task (which has not started yet). */
  attach(task: Task, site: WaitSite): void {
    this.proxy = task;
    this.#promise = frames.run(task, park, this, site);
  }

  /** The proxy task's body: the job's value, or its error. */
  result(): Promise<unknown> {
    return this.#promise;
  }

  override cancel(_reason: unknown): void {
    if (this.settled || this.aborting) return;
    this.aborting = true;
    if (this.host === undefined)
      this.cancelled(); // never submitted
    else this.host.abort(this);
  }

  /** Settles the job once; false if it had already settled. */
  finish(status: number, value: unknown): boolean {
    if (this.settled) return false;
    this.dropPorts();

    if (status === OK) {
      this.complete(value);
      return true;
    }
    // A proxy task aborted before its body ran never awaits the promise.
    silence(this.#promise);
    this.fail(status === CANCELLED ? this.proxy.cancelError() : value);
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

function park(job: RemoteJob, site: WaitSite): Promise<unknown> {
  return job.park(undefined, site);
}
