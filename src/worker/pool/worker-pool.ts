/**
 * The multi-thread flavor's worker pool, main-thread side.
 *
 * N worker threads each run a weft current-thread runtime. Calls are written
 * into shared memory (`shared-memory.ts`): arguments serialized into the
 * arena, a job-table entry, and the job's index pushed on one worker's run
 * queue. No message per call: a burst of calls is one flush, and a parked
 * worker is woken with `Atomics.notify`. Workers drain their own queue, then
 * steal from the others'. Results come back batched, one message per worker
 * turn.
 *
 * Calls whose arguments cannot be serialized into shared memory (transferred
 * buffers or ports, SharedArrayBuffers, payloads over 1 MiB) are sent to one
 * worker by message instead, the one that holds the fewest calls
 * (`placement.ts`); they are not stolen.
 *
 * A worker that dies settles every job it owned with `WorkerCrashedError`;
 * jobs still queued stay queued (its queue lives in shared memory, so the
 * others steal from it) and a replacement starts in the same slot.
 */
import { receiveMessageOnPort, type Worker } from 'node:worker_threads';
import { CANCELLED, FAILED, type RemoteJob, type JobHost } from '../remote-job.js';
import type { TaskDef } from '../define-task.js';
import type { ThreadSettings } from '../threads.js';
import { fastBound, numbersBound, serializeArgs } from '../wire/args-codec.js';
import { decodeThrown, type EncodedThrown } from '../wire/error-codec.js';
import { Op, RESULT_STRIDE, type AbortMessage, type FromThread, type RunMessage } from '../wire/messages.js';
import { Arena, MAX_BLOCK } from './arena.js';
import { JobTable } from './job-table.js';
import { pickWorker, placementScore } from './placement.js';
import { QueueWriter } from './queue-writer.js';
import { DEAD, JOB_CAP, KIND_MAP, OWNED, PARKED, PoolMemory } from './shared-memory.js';
import { Slot, type WorkerStats } from './thread-slots.js';

export type { WorkerStats } from './thread-slots.js';

const ARENA_BYTES = 32 << 20;
/** A slot whose thread fails to start this many times in a row is left empty. */
const MAX_FAILED_STARTS = 3;

export class WorkerPool implements JobHost {
  readonly size: number;
  readonly mem: PoolMemory;
  readonly #arena = new Arena(ARENA_BYTES);
  readonly #slots: Slot[] = [];
  readonly #settings: ThreadSettings;
  readonly #table: JobTable;
  /** Calls submitted and not yet placed, in order (linked through `job.link`). */
  #backHead: RemoteJob | undefined = undefined;
  #backTail: RemoteJob | undefined = undefined;
  readonly #defs = new Map<TaskDef<any, any>, number>();
  #nameTop = 0;
  #outstanding = 0;
  #refed = false;
  #readyWaiters: (() => void)[] = [];
  #flushQueued = false;
  #started = false;
  #closed = false;
  /** The worker that got the last call sent by message. */
  #last = 0;
  readonly #writer: QueueWriter;

  constructor(size: number, threadName: string, settings: ThreadSettings) {
    this.size = size;
    this.#settings = settings;
    this.mem = new PoolMemory({ workers: size, arenaBytes: ARENA_BYTES });
    this.#table = new JobTable(this.mem.jobs, this.#arena, size);
    for (let i = 0; i < size; i++) this.#slots.push(new Slot(i, threadName));
    this.#writer = new QueueWriter(this.mem, this.#arena);
  }

  /** Calls submitted and not yet settled. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** The calls worker `w` holds now (see `placement.ts`). */
  placementScore(w: number): number {
    return placementScore(this.mem, this.#table.held, w);
  }

  /**
   * Makes `job` ready to go: serializes its arguments for shared memory, or,
   * when that cannot be done, sends it to one worker by message now (so an
   * argument that cannot be cloned throws here, synchronously).
   */
  prepare(job: RemoteJob): void {
    const args = job.args!;
    const index = this.#taskIndex(job.def);
    if (job.transferList === undefined) {
      const bound = job.kind === KIND_MAP ? numbersBound(args[0]) : fastBound(args);
      if (bound >= 0 && bound <= MAX_BLOCK) {
        job.size = bound; // primitives: written into shared memory at the flush
        return;
      }
      let payload: Uint8Array | undefined;
      try {
        payload = serializeArgs(args);
      } catch {
        payload = undefined; // not for shared memory: send it by message
      }
      if (payload !== undefined && payload.length <= MAX_BLOCK) {
        job.payload = payload;
        job.size = payload.length;
        job.args = undefined;
        return;
      }
    }
    this.#sendByMessage(job, index);
  }

  /** Takes a prepared job whose proxy task is attached. */
  submit(job: RemoteJob): void {
    job.host = this;
    this.#outstanding++;
    if (!this.#refed) this.#ref(true);
    if (job.index >= 0) return; // sent by message already
    job.link = undefined;
    if (this.#backTail === undefined) this.#backHead = job;
    else this.#backTail.link = job;
    this.#backTail = job;
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flush);
      // The first call of a turn is placed now, so a worker starts on it while
      // this thread is still busy with the caller's side of it; the calls that
      // follow in the same turn wait for the flush and go out together.
      if (this.#backHead === job) this.#place();
    }
  }

  abort(job: RemoteJob): void {
    if (job.settled) return;
    const index = job.index;
    if (index < 0) {
      this.#settle(job, CANCELLED, undefined); // still in the backlog: the flush skips settled jobs
      return;
    }
    if (this.mem.unqueue(index)) {
      this.#table.release(job);
      this.#settle(job, CANCELLED, undefined);
      return;
    }
    this.mem.jobs.setAborted(index, true);
    const slot = this.#slots[this.mem.jobs.state(index) - OWNED];
    const message: AbortMessage = { op: Op.Abort, j: index, gen: job.gen, reason: job.proxy.abortReason };
    try {
      slot?.port?.postMessage(message);
    } catch {
      message.reason = undefined;
      slot?.port?.postMessage(message);
    }
  }

  /** Per-worker figures. */
  stats(): WorkerStats[] {
    const words = this.mem.perWorker;
    return this.#slots.map((slot) => ({
      index: slot.index,
      threadName: slot.name,
      alive: slot.worker !== undefined,
      queueDepth: this.mem.queued(slot.index),
      running: words.active(slot.index) + this.#table.held[slot.index]!,
      tasksRun: words.tasksRun(slot.index),
      tasksStolen: words.tasksStolen(slot.index),
      parks: words.parks(slot.index),
      busyTime: slot.busyTime,
      restarts: slot.restarts,
    }));
  }

  /** Starts the worker threads now (if they are not running), so the first calls find them booted. */
  start(): void {
    if (this.#closed || this.#started) return;
    this.#started = true;
    for (const slot of this.#slots) if (slot.worker === undefined) this.#startSlot(slot);
  }

  /** Resolves once every worker thread has booted (or its slot gave up starting, or the pool closed). */
  whenReady(): Promise<void> {
    this.start();
    if (this.#allReady()) return Promise.resolve();
    // Booting threads keep the process alive while someone waits for them.
    if (this.#readyWaiters.length === 0 && !this.#refed) for (const slot of this.#slots) slot.worker?.ref();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Test hook: the thread at `index` (to inject faults). */
  threadAt(index: number): Worker | undefined {
    return this.#slots[index]?.worker;
  }

  /**
   * Stops the pool: settles whatever is left (a job whose task was aborted
   * settles as cancelled; any other as crashed), stops the workers and waits
   * until every thread has exited.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.mem.close();
    for (let job = this.#backHead; job !== undefined; job = job.link) {
      if (!job.settled) this.#shutdownSettle(job, undefined);
    }
    this.#backHead = this.#backTail = undefined;
    this.#table.forEach((job) => this.#shutdownSettle(job, job.worker));
    const exits: Promise<unknown>[] = [];
    for (const slot of this.#slots) {
      const worker = slot.worker;
      if (worker === undefined) continue;
      slot.detach();
      exits.push(new Promise((resolve) => worker.once('exit', resolve)));
      void worker.terminate();
    }
    await Promise.all(exits);
    this.#checkReady();
  }

  #allReady(): boolean {
    return this.#closed || this.#slots.every((s) => s.ready || s.worker === undefined);
  }

  #checkReady(): void {
    if (this.#readyWaiters.length === 0 || !this.#allReady()) return;
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    if (!this.#refed) for (const slot of this.#slots) slot.worker?.unref();
    for (const resolve of waiters) resolve();
  }

  #shutdownSettle(job: RemoteJob, worker: number | undefined): void {
    this.#table.release(job);
    if (job.aborting) this.#settle(job, CANCELLED, undefined);
    else {
      const name = this.#slots[worker === undefined || worker < 0 ? 0 : worker]!.name;
      this.#outstanding--;
      job.crash(name, undefined, new Error('the runtime shut down'));
    }
  }

  #taskIndex(def: TaskDef<any, any>): number {
    let index = this.#defs.get(def);
    if (index !== undefined) return index;
    index = this.#defs.size;
    const top = this.mem.writeName(index, def.moduleUrl, def.name, this.#nameTop);
    if (top < 0) throw new RangeError('spawnWorker: too many distinct task definitions for one pool (4096)');
    this.#nameTop = top;
    this.#defs.set(def, index);
    return index;
  }

  #settle(job: RemoteJob, status: number, value: unknown): void {
    if (job.finish(status, value)) this.#outstanding--;
    if (this.#outstanding === 0 && this.#refed) this.#ref(false);
  }

  /** Sends a call to the worker that holds the fewest calls, by message. */
  #sendByMessage(job: RemoteJob, task: number): void {
    this.start();
    const w = pickWorker(this.mem, this.#table.held, this.#last);
    this.#last = w;
    const index = this.#table.alloc(job);
    if (index < 0) throw new RangeError(`spawnWorker: more than ${JOB_CAP} calls in flight on this pool`);
    this.mem.jobs.setAborted(index, false);
    this.mem.jobs.setState(index, OWNED + w);
    this.#table.hold(job, w);
    const message: RunMessage = {
      op: Op.Run,
      j: index,
      gen: job.gen,
      task,
      kind: job.kind,
      args: job.args!,
      ch: job.wired,
    };
    try {
      this.#slots[w]!.port!.postMessage(message, job.transferList ?? []);
    } catch (err) {
      this.#table.release(job);
      throw new TypeError(`spawnWorker: the arguments of '${job.def.name}' cannot be sent to a worker thread`, {
        cause: err,
      });
    }
    job.args = undefined;
  }

  #flush = (): void => {
    this.#flushQueued = false;
    this.#place();
  };

  /** Places the backlog on the workers' queues, as far as there is room, and wakes who must be woken. */
  #place(): void {
    if (this.#closed || this.#backHead === undefined) return;
    this.start();
    const rest = this.#writer.place(this.#backHead, this.#table, this.#defs);
    this.#backHead = rest;
    if (rest === undefined) this.#backTail = undefined;
  }

  #startSlot(slot: Slot): void {
    const refed = this.#refed || this.#readyWaiters.length > 0;
    slot.start(this.mem, this.#settings, refed, this.#onMessage, this.#onExit);
  }

  #onMessage = (slot: Slot, message: FromThread): void => {
    if (message.op === Op.Ready) {
      slot.ready = true;
      this.#checkReady();
      return;
    }
    if (message.op === Op.Tasks) {
      this.#settings.onTasks?.(slot.index + 1, message);
      return;
    }
    const r = message.r;
    for (let i = 0; i < r.length; i += RESULT_STRIDE) {
      const job = this.#table.at(r[i] as number);
      if (job === undefined || job.gen !== r[i + 1]) continue;
      this.#table.release(job);
      const status = r[i + 2] as number;
      const value = r[i + 3];
      this.#settle(job, status, status === FAILED ? decodeThrown(value as EncodedThrown) : value);
    }
    if (this.#backHead !== undefined && !this.#flushQueued) this.#place();
  };

  #onExit = (slot: Slot, worker: Worker, code: number): void => {
    if (slot.worker !== worker) {
      this.#settings.onTasks?.(slot.index + 1, undefined); // its tasks went with it
      if (this.#closed) {
        slot.port?.close(); // close() let go of it
        slot.port = undefined;
      }
      return;
    }
    // Results it posted before dying still count.
    const port = slot.port!;
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
      this.#onMessage(slot, m.message as FromThread);
    }
    this.#settings.onTasks?.(slot.index + 1, undefined); // its tasks went with it
    port.close();
    slot.detach();
    slot.port = undefined;
    const owned = OWNED + slot.index;
    const exitCode = this.#closed ? undefined : code;
    this.#table.forEach((job, index) => {
      if (this.mem.jobs.state(index) !== owned) return;
      this.#table.release(job);
      if (this.#closed && job.aborting) this.#settle(job, CANCELLED, undefined);
      else if (job.crash(slot.name, exitCode, slot.error)) {
        this.#outstanding--;
        if (this.#outstanding === 0 && this.#refed) this.#ref(false);
      }
    });
    const words = this.mem.perWorker;
    words.resetActive(slot.index);
    words.setState(slot.index, DEAD);
    if (this.#closed) return;
    if (slot.ready || slot.error === undefined) slot.failedStarts = 0;
    else slot.failedStarts++; // it could not start (its error says why)
    if (slot.failedStarts < MAX_FAILED_STARTS) {
      slot.restarts++;
      this.#startSlot(slot);
    } else if (this.#slots.every((s) => s.worker === undefined)) {
      this.#failAll(slot);
    }
    this.#checkReady();
    // Its queue is still in shared memory: let idle workers steal from it.
    for (let w = 0; w < this.size; w++) if (words.state(w) === PARKED) words.ring(w);
  };

  /** No worker could start: settle every queued call with the startup failure, and start afresh on the next call. */
  #failAll(slot: Slot): void {
    this.#started = false;
    for (const s of this.#slots) s.failedStarts = 0;
    const fail = (job: RemoteJob): void => {
      this.#table.release(job);
      if (job.crash(slot.name, undefined, slot.error)) this.#outstanding--;
    };
    for (let job = this.#backHead; job !== undefined; job = job.link) if (!job.settled) fail(job);
    this.#backHead = this.#backTail = undefined;
    this.#table.forEach(fail);
    if (this.#outstanding === 0 && this.#refed) this.#ref(false);
  }

  /** While calls are outstanding the workers keep the process alive; idle, they do not. */
  #ref(on: boolean): void {
    this.#refed = on;
    for (const slot of this.#slots) {
      if (on) slot.worker?.ref();
      else slot.worker?.unref();
    }
  }
}
