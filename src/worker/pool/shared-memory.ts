/**
 * The multi-thread pool's shared memory: per-worker run queues that any
 * worker can steal from, and the job table they point into. Everything here
 * lives in one `SharedArrayBuffer` and is read and written with `Atomics`, so
 * an idle worker takes work queued for a busy one without asking the main
 * thread (which may itself be busy). Code outside this file reads and writes
 * it only through the typed accessors (`mem.jobs.state(j)`,
 * `mem.workers.setState(w, s)`): the word offsets are private to this file.
 *
 * - Job table (`JobWords`): `JOB_CAP` entries. An entry's state word is the
 *   claim: `QUEUED` → `OWNED + w` by one compare-and-swap, so at every instant
 *   a job is either findable in a queue or owned by exactly one worker (which
 *   the main thread can read back when that worker dies).
 * - Run queues: one ring of job indices per worker, single producer (the main
 *   thread), many consumers (the owner and thieves). A consumer claims the
 *   job at the head, then moves the head on; a job that is no longer queued
 *   (cancelled, or claimed through a stale slot) is skipped.
 * - Per-worker words (`WorkerWords`): the ring's head and tail, the worker's
 *   state (running, spinning, parked) and its doorbell (what a parked worker
 *   waits on with `Atomics.waitAsync`), and its counters.
 * - Task names: `moduleUrl` and name of each task definition, by index, so a
 *   thief can run a job whose task it has never seen.
 */

export const RING_CAP = 4096;
const RING_MASK = RING_CAP - 1;
export const JOB_CAP = 32768;
export const NAME_CAP = 4096;
const NAME_BYTES = 1 << 18;

// Header words.
const POOL_STATE = 0;
/** Workers spinning (watching the queues before they park). */
const SPINNERS = 1;
const HEADER_WORDS = 8;

// Words of each worker.
const W_HEAD = 0;
const W_TAIL = 1;
const W_STATE = 2;
const W_BELL = 3;
const W_RUN = 4;
const W_STOLEN = 5;
/** Shared-queue calls claimed and not finished (calls sent by message are counted by the main thread). */
const W_ACTIVE = 6;
/** Live calls queued on this worker's ring (cancelled or claimed ones are not counted, even before the head passes them). */
const W_QUEUED = 7;
/** Times the worker parked (ran out of work and waited on its doorbell). */
const W_PARKS = 8;
const W_WORDS = 9;

/** Worker states (`workers.state(w)`). */
export const RUNNING = 0;
export const SPINNING = 1;
export const PARKED = 2;
/** Set by the main thread while no thread runs at that index. */
export const DEAD = 3;

// Words of each job.
const J_STATE = 0;
const J_GEN = 1;
const J_TASK = 2;
const J_OFF = 3;
const J_LEN = 4;
const J_KIND = 5;
const J_ABORT = 6;
/** The ring the job was pushed to (whose queued count it is in). */
const J_RING = 7;
const J_WORDS = 8;

/** Job states (`jobs.state(j)`); `OWNED + w` is owned by worker `w`. */
export const FREE = 0;
export const QUEUED = 1;
export const OWNED = 2;

/** Job kinds (`jobs.kind(j)`). */
export const KIND_CALL = 0;
export const KIND_MAP = 1;
/**
 * A flag on the kind: the call carries the caller's trace context, a W3C
 * `traceparent` string appended as its last argument (`trace-context.ts`).
 * In-band, so a traced call keeps the shared-memory queue (no message).
 */
export const KIND_TRACED = 2;

/** What both sides need to open the same memory. */
export interface SharedPool {
  readonly ctrl: SharedArrayBuffer;
  readonly arena: SharedArrayBuffer;
  readonly workers: number;
}

/** The job table: one entry of words per job index. */
export class JobWords {
  readonly #i32: Int32Array;
  readonly #base: number;
  constructor(i32: Int32Array, base: number) {
    this.#i32 = i32;
    this.#base = base;
  }
  #at(j: number, field: number): number {
    return this.#base + j * J_WORDS + field;
  }
  /** `FREE`, `QUEUED` or `OWNED + w`. */
  state(j: number): number {
    return Atomics.load(this.#i32, this.#at(j, J_STATE));
  }
  setState(j: number, state: number): void {
    Atomics.store(this.#i32, this.#at(j, J_STATE), state);
  }
  /** The entry's generation: a result or abort naming an older one is stale. */
  gen(j: number): number {
    return Atomics.load(this.#i32, this.#at(j, J_GEN));
  }
  /** Main thread: starts a new generation of entry `j` and returns it. */
  nextGen(j: number): number {
    const gen = (this.gen(j) + 1) | 0;
    Atomics.store(this.#i32, this.#at(j, J_GEN), gen);
    return gen;
  }
  /** The task definition's index (`readName`). */
  task(j: number): number {
    return this.#i32[this.#at(j, J_TASK)]!;
  }
  /** Where the arguments are in the arena, and how long they are. */
  off(j: number): number {
    return this.#i32[this.#at(j, J_OFF)]!;
  }
  len(j: number): number {
    return this.#i32[this.#at(j, J_LEN)]!;
  }
  kind(j: number): number {
    return this.#i32[this.#at(j, J_KIND)]!;
  }
  /**
   * Main thread: writes a call's words before it is published (`push` makes
   * them visible with its atomic stores).
   */
  write(j: number, task: number, off: number, len: number, kind: number): void {
    const i32 = this.#i32;
    i32[this.#at(j, J_TASK)] = task;
    i32[this.#at(j, J_OFF)] = off;
    i32[this.#at(j, J_LEN)] = len;
    i32[this.#at(j, J_KIND)] = kind;
    i32[this.#at(j, J_ABORT)] = 0;
  }
  /** Index of the job's abort flag in `i32` (what `throwIfCancelled()` reads on the worker). */
  abortWord(j: number): number {
    return this.#at(j, J_ABORT);
  }
  setAborted(j: number, aborted: boolean): void {
    Atomics.store(this.#i32, this.#at(j, J_ABORT), aborted ? 1 : 0);
  }
  /** The ring the job was pushed to. */
  ring(j: number): number {
    return Atomics.load(this.#i32, this.#at(j, J_RING));
  }
  setRing(j: number, w: number): void {
    Atomics.store(this.#i32, this.#at(j, J_RING), w);
  }
  /** Compare-and-swap of the state word; true if it was `from`. */
  swapState(j: number, from: number, to: number): boolean {
    return Atomics.compareExchange(this.#i32, this.#at(j, J_STATE), from, to) === from;
  }
}

/** The per-worker words: queue ends, state, doorbell and counters. */
export class WorkerWords {
  readonly #i32: Int32Array;
  readonly #base: number;
  constructor(i32: Int32Array, base: number) {
    this.#i32 = i32;
    this.#base = base;
  }
  /** @internal Index of word `field` of worker `w` (for this file's queue code). */
  at(w: number, field: number): number {
    return this.#base + w * W_WORDS + field;
  }
  /** `RUNNING`, `SPINNING`, `PARKED` or `DEAD`. */
  state(w: number): number {
    return Atomics.load(this.#i32, this.at(w, W_STATE));
  }
  setState(w: number, state: number): void {
    Atomics.store(this.#i32, this.at(w, W_STATE), state);
  }
  /** The doorbell's value (a parked worker waits for it to change). */
  bell(w: number): number {
    return Atomics.load(this.#i32, this.at(w, W_BELL));
  }
  /** Rings worker `w`'s doorbell: a parked worker wakes up. */
  ring(w: number): void {
    const bell = this.at(w, W_BELL);
    Atomics.add(this.#i32, bell, 1);
    Atomics.notify(this.#i32, bell, 1);
  }
  /** Waits (without blocking the event loop) while the doorbell still reads `seen`. */
  waitBell(w: number, seen: number): { async: boolean; value: Promise<string> | string } {
    return waitAsync(this.#i32, this.at(w, W_BELL), seen);
  }
  /** Shared-queue calls claimed by `w` and not finished. */
  active(w: number): number {
    return Atomics.load(this.#i32, this.at(w, W_ACTIVE));
  }
  addActive(w: number, delta: number): void {
    Atomics.add(this.#i32, this.at(w, W_ACTIVE), delta);
  }
  resetActive(w: number): void {
    Atomics.store(this.#i32, this.at(w, W_ACTIVE), 0);
  }
  /** Calls run to the end by `w`, and of those, stolen. */
  tasksRun(w: number): number {
    return Atomics.load(this.#i32, this.at(w, W_RUN)) >>> 0;
  }
  countRun(w: number): void {
    Atomics.add(this.#i32, this.at(w, W_RUN), 1);
  }
  tasksStolen(w: number): number {
    return Atomics.load(this.#i32, this.at(w, W_STOLEN)) >>> 0;
  }
  countStolen(w: number): void {
    Atomics.add(this.#i32, this.at(w, W_STOLEN), 1);
  }
  /** Times `w` parked. */
  parks(w: number): number {
    return Atomics.load(this.#i32, this.at(w, W_PARKS)) >>> 0;
  }
  countPark(w: number): void {
    Atomics.add(this.#i32, this.at(w, W_PARKS), 1);
  }
}

/** `Atomics.waitAsync` (ES2024; typed here because the project's lib is ES2023). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(array: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

export class PoolMemory {
  readonly i32: Int32Array;
  readonly names: Uint8Array;
  readonly arena: Uint8Array;
  /** Number of workers (queues). */
  readonly workers: number;
  readonly jobs: JobWords;
  readonly perWorker: WorkerWords;
  readonly #ringBase: number;
  readonly #nameBase: number;

  /** Lays out fresh memory for `workers` queues, or opens `shared`. */
  constructor(shared: SharedPool | { workers: number; arenaBytes: number }) {
    this.workers = shared.workers;
    this.#ringBase = HEADER_WORDS + shared.workers * W_WORDS;
    const jobBase = this.#ringBase + shared.workers * RING_CAP;
    this.#nameBase = jobBase + JOB_CAP * J_WORDS;
    const words = this.#nameBase + NAME_CAP * 2;
    const ctrl = 'ctrl' in shared ? shared.ctrl : new SharedArrayBuffer(words * 4 + NAME_BYTES);
    const arena = 'arena' in shared ? shared.arena : new SharedArrayBuffer(shared.arenaBytes);
    this.i32 = new Int32Array(ctrl, 0, words);
    this.names = new Uint8Array(ctrl, words * 4, NAME_BYTES);
    this.arena = new Uint8Array(arena);
    this.jobs = new JobWords(this.i32, jobBase);
    this.perWorker = new WorkerWords(this.i32, HEADER_WORDS);
  }

  get shared(): SharedPool {
    return {
      ctrl: this.i32.buffer as SharedArrayBuffer,
      arena: this.arena.buffer as SharedArrayBuffer,
      workers: this.workers,
    };
  }

  /** True once the pool is closing: workers stop. */
  get closing(): boolean {
    return Atomics.load(this.i32, POOL_STATE) !== 0;
  }

  /** Main thread: tells the workers to stop. */
  close(): void {
    Atomics.store(this.i32, POOL_STATE, 1);
  }

  /** Takes a spinner's place if fewer than `max` workers spin; false if none is free. */
  enterSpin(max: number): boolean {
    if (Atomics.add(this.i32, SPINNERS, 1) < max) return true;
    Atomics.sub(this.i32, SPINNERS, 1);
    return false;
  }

  leaveSpin(): void {
    Atomics.sub(this.i32, SPINNERS, 1);
  }

  /** Jobs waiting in worker `w`'s queue (including skipped ones not yet passed). */
  depth(w: number): number {
    const i32 = this.i32;
    const at = this.perWorker.at(w, 0);
    return (Atomics.load(i32, at + W_TAIL) - Atomics.load(i32, at + W_HEAD)) | 0;
  }

  /** Live calls queued for worker `w`. */
  queued(w: number): number {
    return Atomics.load(this.i32, this.perWorker.at(w, W_QUEUED));
  }

  /**
   * Main thread only: publishes job `j` (its words already written) as queued
   * and appends it to worker `w`'s queue. The caller has checked that the ring
   * has room (`depth(w) < RING_CAP`; only the main thread pushes).
   */
  push(w: number, j: number): void {
    const i32 = this.i32;
    const at = this.perWorker.at(w, 0);
    const t = Atomics.load(i32, at + W_TAIL);
    this.jobs.setRing(j, w);
    Atomics.add(i32, at + W_QUEUED, 1);
    // The job is queued before its slot is visible: a consumer that sees the slot can claim it.
    this.jobs.setState(j, QUEUED);
    Atomics.store(i32, this.#ringBase + w * RING_CAP + (t & RING_MASK), j);
    Atomics.store(i32, at + W_TAIL, (t + 1) | 0);
  }

  /** Main thread only: takes back queued job `j` (cancelled). False if a worker claimed it first. */
  unqueue(j: number): boolean {
    if (!this.jobs.swapState(j, QUEUED, FREE)) return false;
    Atomics.sub(this.i32, this.perWorker.at(this.jobs.ring(j), W_QUEUED), 1);
    return true;
  }

  /**
   * Claims the job at the head of worker `w`'s queue for worker `me`
   * (`me !== w` is a steal) and counts it in `me`'s active calls. Returns the
   * job's index, or -1 when the queue has nothing left to claim.
   */
  claim(w: number, me: number): number {
    const i32 = this.i32;
    const head = this.perWorker.at(w, W_HEAD);
    const tail = head + (W_TAIL - W_HEAD);
    const ring = this.#ringBase + w * RING_CAP;
    const owned = OWNED + me;
    for (;;) {
      const h = Atomics.load(i32, head);
      if (((Atomics.load(i32, tail) - h) | 0) <= 0) return -1;
      const j = Atomics.load(i32, ring + (h & RING_MASK));
      const got = this.jobs.swapState(j, QUEUED, owned);
      // Move the head past the slot whether or not we won it (whoever is first).
      Atomics.compareExchange(i32, head, h, (h + 1) | 0);
      if (got) {
        // Counted as active before it leaves the queued count: a placement
        // reading both never sees the call in neither.
        this.perWorker.addActive(me, 1);
        Atomics.sub(i32, this.perWorker.at(this.jobs.ring(j), W_QUEUED), 1);
        return j;
      }
    }
  }

  /** Main thread only: records task definition `index`. False when the table is full. */
  writeName(index: number, moduleUrl: string, name: string, at: number): number {
    if (index >= NAME_CAP) return -1;
    const bytes = Buffer.from(`${moduleUrl}\n${name}`, 'utf8');
    if (at + bytes.length > this.names.length) return -1;
    this.names.set(bytes, at);
    Atomics.store(this.i32, this.#nameBase + index * 2, at);
    Atomics.store(this.i32, this.#nameBase + index * 2 + 1, bytes.length);
    return at + bytes.length;
  }

  /** The `[moduleUrl, name]` of task definition `index`. */
  readName(index: number): [string, string] {
    const at = Atomics.load(this.i32, this.#nameBase + index * 2);
    const len = Atomics.load(this.i32, this.#nameBase + index * 2 + 1);
    const text = Buffer.from(this.names.slice(at, at + len)).toString('utf8');
    const cut = text.indexOf('\n'); // a URL has no raw newline; a name may
    return [text.slice(0, cut), text.slice(cut + 1)];
  }
}
