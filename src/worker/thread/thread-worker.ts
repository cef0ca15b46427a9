/**
 * What every weft thread does with a call, whatever its kind: run it as a
 * weft task of the thread's current-thread runtime (so the task's signal
 * fires and its weft waits reject when the caller aborts it), load its
 * module first if needed, adopt the channel ends that came with it, and
 * report how it ended. `PoolWorker` and `BlockingWorker` add how calls arrive.
 */
import type { MessagePort } from 'node:worker_threads';
import { currentRuntime, type Runtime } from '../../runtime/runtime.js';
import { Outcome, type Task, type TaskOwner } from '../../task/task.js';
import type { TaskKind } from '../../task/observation.js';
import { resolveTask, type AnyTaskFn } from '../define-task.js';
import { isAborted, type FlaggedOwner } from '../cancel-probe.js';
import { takeTransfer } from '../transfer.js';
import { dropEnd, reviveArgs, wireModules, type Closable } from '../channels/channel-wire.js';
import { encodeThrown } from '../wire/error-codec.js';
import { Status, type AbortMessage, type RunMessage } from '../wire/messages.js';
import { KIND_MAP, KIND_TRACED } from '../pool/shared-memory.js';
import { inCallContext } from '../trace-context.js';
import { ResultBatch } from './result-batch.js';
import { mapBody } from './map-body.js';

/**
 * The owner of call `j`'s task: told synchronously when the task finishes, so
 * the result goes out with this turn's batch. The pool makes one per job-table
 * index and reuses it (a per-task lookup table would cost a hash-table write
 * and read per call).
 */
class CallOwner implements TaskOwner, FlaggedOwner {
  /** The word of the running call's abort flag (`cancel-probe.ts`). */
  flag = 0;
  /** The generation of the call running under this owner. */
  gen = 0;
  constructor(
    readonly worker: ThreadWorker,
    readonly j: number,
  ) {}
  taskDone(task: Task): void {
    this.worker.callFinished(this, task);
  }
}

export abstract class ThreadWorker {
  protected readonly port: MessagePort;
  protected readonly rt: Runtime = currentRuntime();
  protected readonly results: ResultBatch;
  readonly #running = new Map<number, Task>();
  /** Abort reasons that arrived before their job's task started. */
  readonly #earlyAborts = new Map<number, unknown>();
  /** Jobs whose module is loading (job → generation): an abort for one of them is kept until it starts. */
  readonly #loading = new Map<number, number>();
  /** Channel ends that came with a call (by job): they belong to it and close when it settles. */
  readonly #ends = new Map<number, Closable[]>();
  /** Task functions by task-definition index (pool), once resolved: a call then costs no lookup by name. */
  readonly #fns: (AnyTaskFn | undefined)[] = [];

  /** @param kind what an observing owner shows for a call's task (`task-report.ts`) */
  constructor(
    port: MessagePort,
    readonly taskKind: TaskKind,
  ) {
    this.port = port;
    this.results = new ResultBatch(port);
  }

  /** Calls running now. */
  protected get runningCount(): number {
    return this.#running.size;
  }

  /** The owner for call `j` (with `gen` and `flag` set by the caller). */
  protected abstract ownerOf(j: number): CallOwner;

  /** Bookkeeping when a call is done (finished, or failed before it ran). */
  protected abstract callDone(j: number): void;

  /** A result was added to the batch: post it now, or leave it for the end of the turn. */
  protected abstract resultReady(): void;

  protected makeOwner(j: number): CallOwner {
    return new CallOwner(this, j);
  }

  /** @internal From `CallOwner`: the call's task has finished. */
  callFinished(owner: CallOwner, task: Task): void {
    const j = owner.j;
    this.#running.delete(j);
    this.#release(j);
    this.callDone(j);
    if (task.outcome === Outcome.Ok) {
      const value = task.result;
      this.report(j, owner.gen, Status.Ok, value, takeTransfer(value));
    } else if (task.outcome === Outcome.Cancelled) {
      this.report(j, owner.gen, Status.Cancelled, undefined);
    } else {
      this.report(j, owner.gen, Status.Failed, encodeThrown(task.result));
    }
  }

  protected report(
    j: number,
    gen: number,
    status: Status,
    value: unknown,
    list?: ReturnType<typeof takeTransfer>,
  ): void {
    this.results.add(j, gen, status, value, list);
    this.resultReady();
  }

  /** A call that came by message: adopts its channel ends, then starts it. */
  protected runMessage(message: RunMessage, url: string, name: string, flag: number): void {
    const start = (): void => {
      if (message.ch) this.#ends.set(message.j, reviveArgs(message.args));
      const { j, gen, task, kind, args } = message;
      void this.startCall(j, gen, task, url, name, kind, args, flag, message.parent ?? null);
    };
    // A handle of a layer this thread has not loaded yet (an ActorRef): load it first (as the call's module is).
    const modules = message.ch ? wireModules(message.args) : [];
    if (modules.length === 0) {
      start();
      return;
    }
    this.#loading.set(message.j, message.gen);
    void Promise.all(modules.map((m) => import(m))).then(start, start); // unloadable: the descriptor stays as it is
  }

  /**
   * Runs a job once its function is known; a job whose module failed to load
   * fails with that error. `task` is the task-definition index the function
   * is cached under, or -1 (none: found by `url` and `name` each time).
   * `parent`: the id of the call's proxy on the calling thread, when it came with the call.
   */
  protected startCall(
    j: number,
    gen: number,
    task: number,
    url: string,
    name: string,
    kind: number,
    args: unknown[],
    flag: number,
    parent: number | null = null,
  ): Promise<void> | undefined {
    const fns = this.#fns;
    const found = (task >= 0 ? fns[task] : undefined) ?? resolveTask(url, name);
    if (typeof found === 'function') {
      if (task >= 0) fns[task] = found;
      this.#run(j, gen, found, kind, args, name, flag, parent);
      return undefined;
    }
    this.#loading.set(j, gen);
    return found.then(
      (fn) => {
        this.#loading.delete(j);
        if (task >= 0) fns[task] = fn;
        this.#run(j, gen, fn, kind, args, name, flag, parent);
      },
      (err: unknown) => {
        this.#loading.delete(j);
        this.#earlyAborts.delete(j);
        this.#release(j);
        this.callDone(j);
        this.report(j, gen, Status.Failed, encodeThrown(err));
      },
    );
  }

  /** Runs `fn` as a weft task: `fn(...args)`, or for a map job `args[0].map(fn)` in order. */
  #run(
    j: number,
    gen: number,
    fn: AnyTaskFn,
    kind: number,
    args: unknown[],
    name: string,
    flag: number,
    parent: number | null,
  ): void {
    const traceparent = (kind & KIND_TRACED) === 0 ? undefined : (args.pop() as string);
    kind &= ~KIND_TRACED;
    const body = kind === KIND_MAP ? mapBody(fn, args[0] as ArrayLike<unknown>) : () => fn(...args);
    const owner = this.ownerOf(j);
    owner.flag = flag;
    owner.gen = gen;
    // The task captures the caller's trace context (when the call carried one) at its spawn.
    const task =
      traceparent === undefined
        ? this.rt.spawnTask(body, name, owner, parent, true, this.taskKind)
        : inCallContext(traceparent, () => this.rt.spawnTask(body, name, owner, parent, true, this.taskKind));
    this.#running.set(j, task);
    // Aborted while its module was loading: it ends cancelled without running.
    let early: unknown;
    if (this.#earlyAborts.size > 0) {
      early = this.#earlyAborts.get(j);
      this.#earlyAborts.delete(j);
    }
    if (isAborted(task)) task.abort(early);
  }

  protected onAbort(message: AbortMessage): void {
    const task = this.#running.get(message.j);
    if (task === undefined) {
      // Still loading its module: abort it when it starts. (Else it has finished: nothing to do.)
      if (this.#loading.get(message.j) === message.gen) this.#earlyAborts.set(message.j, message.reason);
    } else if ((task.owner as CallOwner).gen === message.gen) task.abort(message.reason);
  }

  #release(j: number): void {
    if (this.#ends.size === 0) return;
    const ends = this.#ends.get(j);
    if (ends === undefined) return;
    this.#ends.delete(j);
    for (const end of ends) dropEnd(end);
  }
}

export type { CallOwner };
