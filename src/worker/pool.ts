/**
 * The multi-thread flavor's worker pool, main-thread side.
 *
 * N worker threads each run a weft current-thread runtime. Calls are written
 * into shared memory (`steal-queue.ts`): arguments serialized into the arena,
 * a job-table entry, and the job's index pushed on one worker's run queue.
 * No message per call: a burst of calls is one flush, and a parked worker is
 * woken with `Atomics.notify`. Workers drain their own queue, then steal from
 * the others'. Results come back batched, one message per worker turn.
 *
 * Calls whose arguments cannot be serialized into shared memory (transferred
 * buffers or ports, SharedArrayBuffers, payloads over 1 MiB) are sent to one
 * worker by message instead ("pinned"); they are not stolen.
 *
 * A worker that dies settles every job it owned with `WorkerCrashedError`;
 * jobs still queued stay queued (its queue lives in shared memory, so the
 * others steal from it) and a replacement starts on the same queue.
 */
import { receiveMessageOnPort, MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { Arena, MAX_BLOCK } from './arena.js';
import { fastBound, numbersBound, serializeArgs, writeFast, writeNumbers } from './args-codec.js';
import {
  PoolMemory,
  JOB_CAP,
  RING_CAP,
  POOL_STATE,
  W_STATE,
  W_BELL,
  W_RUN,
  W_STOLEN,
  W_ACTIVE,
  RUNNING,
  SPINNING,
  PARKED,
  DEAD,
  J_STATE,
  J_GEN,
  J_TASK,
  J_OFF,
  J_LEN,
  J_KIND,
  J_ABORT,
  FREE,
  OWNED,
  KIND_MAP,
} from './steal-queue.js';
import { FAILED, CANCELLED, type RemoteJob, type JobHost } from './remote-job.js';
import { decodeThrown, type EncodedThrown } from './error-codec.js';
import { startThread, type ThreadSettings } from './threads.js';
import type { TaskDef } from './define-task.js';

const ARENA_BYTES = 32 << 20;
/** A slot whose thread fails to start this many times in a row is left empty. */
const MAX_FAILED_STARTS = 3;

/** Per-worker figures (`workerMetrics().workers`). */
export interface WorkerStats {
  /** The worker's index, 0 to `workerThreads - 1`; a replacement keeps it. */
  readonly index: number;
  /** The thread's name. */
  readonly threadName: string;
  /** True while a thread runs at this index. */
  readonly alive: boolean;
  /** Calls waiting in this worker's run queue. */
  readonly queueDepth: number;
  /** Calls this worker has claimed and not finished (its running async tasks). */
  readonly running: number;
  /** Calls this worker ran to the end (its replacements included). */
  readonly tasksRun: number;
  /** Of those, calls it took from another worker's queue. */
  readonly tasksStolen: number;
  /**
   * Milliseconds the thread's event loop was busy (running code, not waiting;
   * this includes the up to 50 µs an idle worker watches the queues before it parks).
   */
  readonly busyTime: number;
  /** Threads that died at this index and were replaced. */
  readonly restarts: number;
}

class Slot {
  worker: Worker | undefined = undefined;
  port: MessagePort | undefined = undefined;
  ready = false;
  error: unknown = undefined;
  restarts = 0;
  failedStarts = 0;
  busyBefore = 0;
  readonly name: string;
  constructor(
    readonly index: number,
    prefix: string,
  ) {
    this.name = `${prefix}-${index}`;
  }
}

export class WorkerPool implements JobHost {
  readonly size: number;
  readonly mem: PoolMemory;
  readonly #arena = new Arena(ARENA_BYTES);
  /** The arena as a Buffer (for writing strings and numbers into it). */
  readonly #bytes: Buffer;
  readonly #slots: Slot[] = [];
  readonly #settings: ThreadSettings;
  readonly #jobs: (RemoteJob | undefined)[] = new Array<RemoteJob | undefined>(JOB_CAP).fill(undefined);
  readonly #freeIdx = new Int32Array(JOB_CAP);
  #freeTop = JOB_CAP;
  #backHead: RemoteJob | undefined = undefined;
  #backTail: RemoteJob | undefined = undefined;
  #backlog = 0;
  readonly #defs = new Map<TaskDef<any, any>, number>();
  #nameTop = 0;
  #outstanding = 0;
  #refed = false;
  #flushQueued = false;
  #started = false;
  #closed = false;
  #last = 0;
  readonly #depth: Int32Array;
  readonly #state: Int32Array;
  readonly #pushed: Int32Array;
  readonly #room: Int32Array;

  constructor(size: number, threadName: string, settings: ThreadSettings) {
    this.size = size;
    this.#settings = settings;
    this.mem = new PoolMemory({ workers: size, arenaBytes: ARENA_BYTES });
    this.#bytes = Buffer.from(this.mem.arena.buffer, this.mem.arena.byteOffset, this.mem.arena.byteLength);
    for (let i = 0; i < JOB_CAP; i++) this.#freeIdx[i] = JOB_CAP - 1 - i;
    for (let i = 0; i < size; i++) this.#slots.push(new Slot(i, threadName));
    this.#depth = new Int32Array(size);
    this.#state = new Int32Array(size);
    this.#pushed = new Int32Array(size);
    this.#room = new Int32Array(size);
  }

  /** Calls submitted and not yet settled. */
  get outstanding(): number {
    return this.#outstanding;
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
    this.#sendPinned(job, index);
  }

  /** Takes a prepared job whose proxy task is attached. */
  submit(job: RemoteJob): void {
    job.host = this;
    this.#outstanding++;
    if (!this.#refed) this.#ref(true);
    if (job.index >= 0) return; // pinned: already sent
    job.link = undefined;
    if (this.#backTail === undefined) this.#backHead = job;
    else this.#backTail.link = job;
    this.#backTail = job;
    this.#backlog++;
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
      // Still in the backlog: the flush skips settled jobs.
      this.#backlog--;
      this.#settle(job, CANCELLED, undefined);
      return;
    }
    const i32 = this.mem.i32;
    if (this.mem.unqueue(index)) {
      this.#release(job);
      this.#settle(job, CANCELLED, undefined);
      return;
    }
    Atomics.store(i32, this.mem.j(index, J_ABORT), 1);
    const slot = this.#slots[Atomics.load(i32, this.mem.j(index, J_STATE)) - OWNED];
    const reason = job.proxy.abortReason;
    const message = { t: 'abort', j: index, gen: job.gen, reason };
    try {
      slot?.port?.postMessage(message);
    } catch {
      message.reason = undefined;
      slot?.port?.postMessage(message);
    }
  }

  /** Per-worker figures. */
  stats(): WorkerStats[] {
    const i32 = this.mem.i32;
    return this.#slots.map((slot) => ({
      index: slot.index,
      threadName: slot.name,
      alive: slot.worker !== undefined,
      queueDepth: this.mem.queued(slot.index),
      running: Atomics.load(i32, this.mem.w(slot.index, W_ACTIVE)),
      tasksRun: Atomics.load(i32, this.mem.w(slot.index, W_RUN)) >>> 0,
      tasksStolen: Atomics.load(i32, this.mem.w(slot.index, W_STOLEN)) >>> 0,
      busyTime: slot.busyBefore + busyOf(slot.worker),
      restarts: slot.restarts,
    }));
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
    Atomics.store(this.mem.i32, POOL_STATE, 1);
    for (let job = this.#backHead; job !== undefined; job = job.link) {
      if (!job.settled) this.#shutdownSettle(job, undefined);
    }
    this.#backHead = this.#backTail = undefined;
    this.#backlog = 0;
    for (const job of this.#jobs) if (job !== undefined) this.#shutdownSettle(job, job.worker);
    const exits: Promise<unknown>[] = [];
    for (const slot of this.#slots) {
      const worker = slot.worker;
      if (worker === undefined) continue;
      slot.busyBefore += busyOf(worker); // not readable once it has exited
      slot.worker = undefined;
      exits.push(new Promise((resolve) => worker.once('exit', resolve)));
      void worker.terminate();
    }
    await Promise.all(exits);
  }

  #shutdownSettle(job: RemoteJob, worker: number | undefined): void {
    if (job.index >= 0) this.#release(job);
    if (job.aborting) this.#settle(job, CANCELLED, undefined);
    else {
      const name = worker === undefined || worker < 0 ? `${this.#slots[0]!.name}` : this.#slots[worker]!.name;
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

  #allocIndex(job: RemoteJob): number {
    if (this.#freeTop === 0) return -1;
    const index = this.#freeIdx[--this.#freeTop]!;
    const i32 = this.mem.i32;
    const gen = (Atomics.load(i32, this.mem.j(index, J_GEN)) + 1) | 0;
    Atomics.store(i32, this.mem.j(index, J_GEN), gen);
    job.index = index;
    job.gen = gen;
    this.#jobs[index] = job;
    return index;
  }

  /** Frees the job's table entry and arena block. */
  #release(job: RemoteJob): void {
    const index = job.index;
    if (index < 0) return;
    if (job.off >= 0) this.#arena.free(job.off, job.size);
    job.off = -1;
    Atomics.store(this.mem.i32, this.mem.j(index, J_STATE), FREE);
    this.#jobs[index] = undefined;
    this.#freeIdx[this.#freeTop++] = index;
    job.index = -1;
  }

  #settle(job: RemoteJob, status: number, value: unknown): void {
    if (job.finish(status, value)) this.#outstanding--;
    if (this.#outstanding === 0 && this.#refed) this.#ref(false);
  }

  #sendPinned(job: RemoteJob, task: number): void {
    this.#ensureStarted();
    const w = this.#pick();
    const slot = this.#slots[w]!;
    const index = this.#allocIndex(job);
    if (index < 0) throw new RangeError(`spawnWorker: more than ${JOB_CAP} calls in flight on this pool`);
    Atomics.store(this.mem.i32, this.mem.j(index, J_ABORT), 0);
    Atomics.store(this.mem.i32, this.mem.j(index, J_STATE), OWNED + w);
    job.worker = w;
    const message = { t: 'job', j: index, gen: job.gen, task, kind: job.kind, args: job.args, ch: job.wired };
    try {
      slot.port!.postMessage(message, job.transferList ?? []);
    } catch (err) {
      this.#release(job);
      throw new TypeError(`spawnWorker: the arguments of '${job.def.name}' cannot be sent to a worker thread`, {
        cause: err,
      });
    }
    job.args = undefined;
  }

  /** Picks a worker for a pinned job: the shortest queue, then spinning > parked > running, then the last one used. */
  #pick(): number {
    const i32 = this.mem.i32;
    let best = -1;
    let bestScore = Infinity;
    for (let k = 0; k < this.size; k++) {
      const w = (this.#last + k) % this.size;
      const score = this.mem.queued(w) * 3 + rank(Atomics.load(i32, this.mem.w(w, W_STATE)));
      if (score < bestScore) {
        best = w;
        bestScore = score;
      }
    }
    this.#last = best;
    return best;
  }

  #flush = (): void => {
    this.#flushQueued = false;
    this.#place();
  };

  /** Places the backlog on the workers' queues, as far as there is room, and wakes who must be woken. */
  #place(): void {
    if (this.#closed || this.#backHead === undefined) return;
    this.#ensureStarted();
    const mem = this.mem;
    const i32 = mem.i32;
    const n = this.size;
    const depth = this.#depth;
    const state = this.#state;
    const pushed = this.#pushed;
    const room = this.#room;
    for (let w = 0; w < n; w++) {
      depth[w] = mem.queued(w);
      room[w] = RING_CAP - mem.depth(w);
      state[w] = rank(Atomics.load(i32, mem.w(w, W_STATE)));
      pushed[w] = 0;
    }
    let job: RemoteJob | undefined = this.#backHead;
    while (job !== undefined) {
      if (job.settled) {
        job = job.link;
        continue;
      }
      // The worker with the shortest queue (that has room), then the readiest (spinning >
      // parked > running), then the one that got the last job: a lone call goes to the
      // worker that is still warm; a burst spreads, as each job lengthens its queue.
      let w = -1;
      let score = Infinity;
      for (let k = 0; k < n; k++) {
        const c = (this.#last + k) % n;
        const sc = depth[c]! * 3 + state[c]!;
        if (sc < score && room[c]! > 0) {
          w = c;
          score = sc;
        }
      }
      if (w < 0 || this.#freeTop === 0) break;
      const off = this.#arena.alloc(job.size);
      if (off < 0) break;
      const index = this.#allocIndex(job);
      this.#last = w;
      let len: number;
      const payload = job.payload;
      if (payload === undefined) {
        const args = job.args!;
        len =
          job.kind === KIND_MAP
            ? writeNumbers(args[0] as ArrayLike<number>, this.#bytes, off)
            : writeFast(args, this.#bytes, off);
        job.args = undefined;
      } else {
        mem.arena.set(payload, off);
        len = payload.length;
        job.payload = undefined;
      }
      job.off = off;
      i32[mem.j(index, J_TASK)] = this.#defs.get(job.def)!;
      i32[mem.j(index, J_OFF)] = off;
      i32[mem.j(index, J_LEN)] = len;
      i32[mem.j(index, J_KIND)] = job.kind;
      i32[mem.j(index, J_ABORT)] = 0;
      mem.push(w, index); // the ring has room: only this thread pushes
      depth[w]!++;
      room[w]!--;
      pushed[w]!++;
      this.#backlog--;
      job = job.link;
    }
    this.#backHead = job;
    if (job === undefined) this.#backTail = undefined;
    this.#wake();
  }

  /** Rings the doorbell of parked workers that got work, and of idle ones that can steal it. */
  #wake(): void {
    const mem = this.mem;
    const i32 = mem.i32;
    let forBusy = 0;
    for (let w = 0; w < this.size; w++) {
      if (this.#pushed[w] === 0) continue;
      const s = Atomics.load(i32, mem.w(w, W_STATE));
      if (s === PARKED) this.#ring(w);
      else if (s !== SPINNING) forBusy += this.#pushed[w]!; // running, or no thread right now
    }
    for (let w = 0; w < this.size && forBusy > 0; w++) {
      if (this.#pushed[w] === 0 && Atomics.load(i32, mem.w(w, W_STATE)) === PARKED) {
        this.#ring(w);
        forBusy--;
      }
    }
  }

  #ring(w: number): void {
    const bell = this.mem.w(w, W_BELL);
    Atomics.add(this.mem.i32, bell, 1);
    Atomics.notify(this.mem.i32, bell, 1);
  }

  #ensureStarted(): void {
    if (this.#started) return;
    this.#started = true;
    for (const slot of this.#slots) if (slot.worker === undefined) this.#start(slot);
  }

  #start(slot: Slot): void {
    const { port1, port2 } = new MessageChannel();
    const i32 = this.mem.i32;
    Atomics.store(i32, this.mem.w(slot.index, W_STATE), RUNNING);
    Atomics.store(i32, this.mem.w(slot.index, W_ACTIVE), 0);
    const worker = startThread(
      slot.name,
      { mode: 'pool', index: slot.index, shared: this.mem.shared, port: port2 },
      [port2],
      this.#settings,
    );
    slot.worker = worker;
    slot.port = port1;
    slot.ready = false;
    slot.error = undefined;
    port1.on('message', (message: unknown) => this.#onMessage(slot, message));
    port1.unref();
    worker.on('error', (err) => {
      slot.error = err;
    });
    worker.once('exit', (code) => this.#onExit(slot, worker, code));
    if (!this.#refed) worker.unref();
  }

  #onMessage(slot: Slot, message: unknown): void {
    if (!Array.isArray(message)) {
      if ((message as { t?: string }).t === 'ready') slot.ready = true;
      return;
    }
    const results = message as unknown[];
    for (let i = 0; i < results.length; i += 4) {
      const index = results[i] as number;
      const job = this.#jobs[index];
      if (job === undefined || job.gen !== results[i + 1]) continue;
      this.#release(job);
      const status = results[i + 2] as number;
      const value = results[i + 3];
      this.#settle(job, status, status === FAILED ? decodeThrown(value as EncodedThrown) : value);
    }
    if (this.#backHead !== undefined && !this.#flushQueued) this.#place();
  }

  #onExit(slot: Slot, worker: Worker, code: number): void {
    if (slot.worker !== worker) {
      if (this.#closed) {
        slot.port?.close(); // close() let go of it
        slot.port = undefined;
      }
      return;
    }
    // Results it posted before dying still count.
    const port = slot.port!;
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
      this.#onMessage(slot, m.message);
    }
    port.close();
    slot.busyBefore += busyOf(worker);
    slot.worker = undefined;
    slot.port = undefined;
    const i32 = this.mem.i32;
    const owned = OWNED + slot.index;
    const exitCode = this.#closed ? undefined : code;
    for (let index = 0; index < JOB_CAP; index++) {
      const job = this.#jobs[index];
      if (job === undefined || Atomics.load(i32, this.mem.j(index, J_STATE)) !== owned) continue;
      this.#release(job);
      if (this.#closed && job.aborting) this.#settle(job, CANCELLED, undefined);
      else if (job.crash(slot.name, exitCode, slot.error)) {
        this.#outstanding--;
        if (this.#outstanding === 0 && this.#refed) this.#ref(false);
      }
    }
    Atomics.store(i32, this.mem.w(slot.index, W_ACTIVE), 0);
    Atomics.store(i32, this.mem.w(slot.index, W_STATE), DEAD);
    if (this.#closed) return;
    if (slot.ready || slot.error === undefined) slot.failedStarts = 0;
    else slot.failedStarts++; // it could not start (its error says why)
    if (slot.failedStarts < MAX_FAILED_STARTS) {
      slot.restarts++;
      this.#start(slot);
    } else if (this.#slots.every((s) => s.worker === undefined)) {
      this.#failAll(slot);
    }
    // Its queue is still in shared memory: let idle workers steal from it.
    for (let w = 0; w < this.size; w++) {
      if (Atomics.load(i32, this.mem.w(w, W_STATE)) === PARKED) this.#ring(w);
    }
  }

  /** No worker could start: settle every queued call with the startup failure, and start afresh on the next call. */
  #failAll(slot: Slot): void {
    this.#started = false;
    for (const s of this.#slots) s.failedStarts = 0;
    const fail = (job: RemoteJob): void => {
      if (job.index >= 0) this.#release(job);
      if (job.crash(slot.name, undefined, slot.error)) this.#outstanding--;
    };
    for (let job = this.#backHead; job !== undefined; job = job.link) if (!job.settled) fail(job);
    this.#backHead = this.#backTail = undefined;
    this.#backlog = 0;
    for (const job of this.#jobs) if (job !== undefined) fail(job);
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

/** Placement preference of a worker state: a spinning worker takes a call at once, a parked one after a wake-up. */
function rank(state: number): number {
  return state === SPINNING ? 0 : state === PARKED ? 1 : state === RUNNING ? 2 : 1000;
}

function busyOf(worker: Worker | undefined): number {
  if (worker === undefined) return 0;
  try {
    return worker.performance.eventLoopUtilization().active;
  } catch {
    return 0;
  }
}
