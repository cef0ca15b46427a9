/**
 * The multi-thread pool's shared memory: per-worker run queues that any
 * worker can steal from, and the job table they point into. Everything here
 * lives in one `SharedArrayBuffer` and is read and written with `Atomics`, so
 * an idle worker takes work queued for a busy one without asking the main
 * thread (which may itself be busy).
 *
 * - Job table: `JOB_CAP` entries. An entry's state word is the claim:
 *   `QUEUED` → `OWNED + w` by one compare-and-swap, so at every instant a job
 *   is either findable in a queue or owned by exactly one worker (which the
 *   main thread can read back when that worker dies).
 * - Run queues: one ring of job indices per worker, single producer (the main
 *   thread), many consumers (the owner and thieves). A consumer claims the
 *   job at the head, then moves the head on; a job that is no longer queued
 *   (cancelled, or claimed through a stale slot) is skipped.
 * - Per-worker words: the ring's head and tail, the worker's state
 *   (running, spinning, parked) and its doorbell (what a parked worker waits
 *   on with `Atomics.waitAsync`), and its counters.
 * - Task names: `moduleUrl` and name of each task definition, by index, so a
 *   thief can run a job whose task it has never seen.
 */

export const RING_CAP = 4096;
const RING_MASK = RING_CAP - 1;
export const JOB_CAP = 32768;
export const NAME_CAP = 4096;
const NAME_BYTES = 1 << 18;

// Header words.
export const POOL_STATE = 0;
/** Workers spinning (watching the queues before they park). */
export const SPINNERS = 1;
const HEADER_WORDS = 8;

// Words of each worker.
const W_HEAD = 0;
const W_TAIL = 1;
export const W_STATE = 2;
export const W_BELL = 3;
export const W_RUN = 4;
export const W_STOLEN = 5;
export const W_ACTIVE = 6;
/** Live calls queued on this worker's ring (cancelled or claimed ones are not counted, even before the head passes them). */
const W_QUEUED = 7;
const W_WORDS = 8;

/** Worker states (`W_STATE`). */
export const RUNNING = 0;
export const SPINNING = 1;
export const PARKED = 2;
/** Set by the main thread while no thread runs at that index. */
export const DEAD = 3;

// Words of each job.
export const J_STATE = 0;
export const J_GEN = 1;
export const J_TASK = 2;
export const J_OFF = 3;
export const J_LEN = 4;
export const J_KIND = 5;
export const J_ABORT = 6;
/** The ring the job was pushed to (whose queued count it is in). */
const J_RING = 7;
const J_WORDS = 8;

/** Job states (`J_STATE`); `OWNED + w` is owned by worker `w`. */
export const FREE = 0;
export const QUEUED = 1;
export const OWNED = 2;

/** Job kinds (`J_KIND`). */
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

export class PoolMemory {
  readonly i32: Int32Array;
  readonly names: Uint8Array;
  readonly arena: Uint8Array;
  readonly workers: number;
  readonly #wBase = HEADER_WORDS;
  readonly #ringBase: number;
  readonly #jobBase: number;
  readonly #nameBase: number;

  /** Lays out fresh memory for `workers` queues, or opens `shared`. */
  constructor(shared: SharedPool | { workers: number; arenaBytes: number }) {
    this.workers = shared.workers;
    this.#ringBase = this.#wBase + shared.workers * W_WORDS;
    this.#jobBase = this.#ringBase + shared.workers * RING_CAP;
    this.#nameBase = this.#jobBase + JOB_CAP * J_WORDS;
    const words = this.#nameBase + NAME_CAP * 2;
    const ctrl = 'ctrl' in shared ? shared.ctrl : new SharedArrayBuffer(words * 4 + NAME_BYTES);
    const arena = 'arena' in shared ? shared.arena : new SharedArrayBuffer(shared.arenaBytes);
    this.i32 = new Int32Array(ctrl, 0, words);
    this.names = new Uint8Array(ctrl, words * 4, NAME_BYTES);
    this.arena = new Uint8Array(arena);
  }

  get shared(): SharedPool {
    return {
      ctrl: this.i32.buffer as SharedArrayBuffer,
      arena: this.arena.buffer as SharedArrayBuffer,
      workers: this.workers,
    };
  }

  /** Index of word `field` of worker `w`. */
  w(w: number, field: number): number {
    return this.#wBase + w * W_WORDS + field;
  }

  /** Index of word `field` of job `j`. */
  j(j: number, field: number): number {
    return this.#jobBase + j * J_WORDS + field;
  }

  /** Jobs waiting in worker `w`'s queue (including skipped ones not yet passed). */
  depth(w: number): number {
    const i32 = this.i32;
    const base = this.#wBase + w * W_WORDS;
    return (Atomics.load(i32, base + W_TAIL) - Atomics.load(i32, base + W_HEAD)) | 0;
  }

  /** Live calls queued for worker `w`. */
  queued(w: number): number {
    return Atomics.load(this.i32, this.#wBase + w * W_WORDS + W_QUEUED);
  }

  /**
   * Main thread only: publishes job `j` (its words already written) as queued
   * and appends it to worker `w`'s queue. The caller has checked that the ring
   * has room (`depth(w) < RING_CAP`; only the main thread pushes).
   */
  push(w: number, j: number): void {
    const i32 = this.i32;
    const base = this.#wBase + w * W_WORDS;
    const t = Atomics.load(i32, base + W_TAIL);
    Atomics.store(i32, this.#jobBase + j * J_WORDS + J_RING, w);
    Atomics.add(i32, base + W_QUEUED, 1);
    // The job is queued before its slot is visible: a consumer that sees the slot can claim it.
    Atomics.store(i32, this.#jobBase + j * J_WORDS + J_STATE, QUEUED);
    Atomics.store(i32, this.#ringBase + w * RING_CAP + (t & RING_MASK), j);
    Atomics.store(i32, base + W_TAIL, (t + 1) | 0);
  }

  /** Main thread only: takes back queued job `j` (cancelled). False if a worker claimed it first. */
  unqueue(j: number): boolean {
    const i32 = this.i32;
    const state = this.#jobBase + j * J_WORDS + J_STATE;
    if (Atomics.compareExchange(i32, state, QUEUED, FREE) !== QUEUED) return false;
    Atomics.sub(i32, this.#wBase + i32[this.#jobBase + j * J_WORDS + J_RING]! * W_WORDS + W_QUEUED, 1);
    return true;
  }

  /**
   * Claims the job at the head of worker `w`'s queue for worker `me`
   * (`me !== w` is a steal). Returns the job's index, or -1 when the queue has
   * nothing left to claim.
   */
  claim(w: number, me: number): number {
    const i32 = this.i32;
    const head = this.#wBase + w * W_WORDS + W_HEAD;
    const tail = head + (W_TAIL - W_HEAD);
    const ring = this.#ringBase + w * RING_CAP;
    const owned = OWNED + me;
    for (;;) {
      const h = Atomics.load(i32, head);
      if (((Atomics.load(i32, tail) - h) | 0) <= 0) return -1;
      const j = Atomics.load(i32, ring + (h & RING_MASK));
      const state = this.#jobBase + j * J_WORDS + J_STATE;
      const got = Atomics.compareExchange(i32, state, QUEUED, owned) === QUEUED;
      // Move the head past the slot whether or not we won it (whoever is first).
      Atomics.compareExchange(i32, head, h, (h + 1) | 0);
      if (got) {
        const ring = Atomics.load(i32, this.#jobBase + j * J_WORDS + J_RING);
        Atomics.sub(i32, this.#wBase + ring * W_WORDS + W_QUEUED, 1);
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
