/**
 * Writes calls into the shared run queues: each call's arguments into the
 * arena, its job-table words, its index on the ring of the worker that holds
 * the fewest calls; then rings the doorbells of the workers that must wake.
 */
import type { RemoteJob } from '../remote-job.js';
import type { TaskDef } from '../define-task.js';
import { writeFast, writeNumbers } from '../wire/args-codec.js';
import type { Arena } from './arena.js';
import type { JobTable } from './job-table.js';
import { PER_CALL, preference } from './placement.js';
import { scheduler, type Deferred } from '../../core/scheduler.js';
import { KIND_MAP, RING_CAP, RUNNING, SPINNING, type PoolMemory } from './shared-memory.js';

export class QueueWriter implements Deferred {
  readonly #mem: PoolMemory;
  readonly #arena: Arena;
  /** The arena as a Buffer (for writing strings and numbers into it). */
  readonly #bytes: Buffer;
  /** The worker that got the last call. */
  #last = 0;
  /** Scratch: each worker's preference, updated as calls are placed; room left in its ring; calls pushed. */
  readonly #score: Int32Array;
  readonly #room: Int32Array;
  readonly #pushed: Int32Array;
  /** The end-of-turn doorbell check is deferred (see `#wake`). */
  #checkDeferred = false;

  constructor(mem: PoolMemory, arena: Arena) {
    this.#mem = mem;
    this.#arena = arena;
    this.#bytes = Buffer.from(mem.arena.buffer, mem.arena.byteOffset, mem.arena.byteLength);
    this.#score = new Int32Array(mem.workers);
    this.#room = new Int32Array(mem.workers);
    this.#pushed = new Int32Array(mem.workers);
  }

  /**
   * Places the calls from `head` on (skipping settled ones) as far as rings,
   * job table and arena have room; returns the first call not placed.
   */
  place(head: RemoteJob, table: JobTable, defs: ReadonlyMap<TaskDef<any, any>, number>): RemoteJob | undefined {
    const mem = this.#mem;
    const n = mem.workers;
    const score = this.#score;
    const room = this.#room;
    const pushed = this.#pushed;
    for (let w = 0; w < n; w++) {
      score[w] = preference(mem, table.held, w);
      room[w] = RING_CAP - mem.depth(w);
      pushed[w] = 0;
    }
    let job: RemoteJob | undefined = head;
    while (job !== undefined) {
      if (job.settled) {
        job = job.link;
        continue;
      }
      // The worker that holds the fewest calls (that has room), then the readiest,
      // then the one that got the last job: a lone call goes to the worker that is
      // still warm; a burst spreads, as each job adds to its worker's score.
      let w = -1;
      let best = Infinity;
      for (let k = 0; k < n; k++) {
        const c = (this.#last + k) % n;
        if (score[c]! < best && room[c]! > 0) {
          w = c;
          best = score[c]!;
        }
      }
      if (w < 0 || table.full) break;
      const off = this.#arena.alloc(job.size);
      if (off < 0) break;
      const index = table.alloc(job);
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
      mem.jobs.write(index, defs.get(job.def)!, off, len, job.kind);
      mem.push(w, index); // the ring has room: only this thread pushes
      score[w]! += PER_CALL;
      room[w]!--;
      pushed[w]!++;
      job = job.link;
    }
    this.#wake();
    return job;
  }

  /**
   * Rings the doorbells that must ring now, and leaves the rest to the end of
   * the turn. A parked worker is rung at once only when no worker is awake
   * (running or spinning): nobody else would take its calls. When one is
   * awake, it takes its own calls and steals the parked worker's, and whether
   * a parked worker is needed is decided once, at the end of the turn
   * (`runDeferred`), by whether calls are still waiting. Ringing at once for every
   * call placed on a parked worker made a burst of trivial calls wake,
   * drain and park the second worker hundreds of times (each a doorbell and
   * a result message on the calling thread, the busiest one); a call that
   * needs the second worker (two long calls placed together) waits at most
   * until the end of the turn that placed it.
   */
  #wake(): void {
    const mem = this.#mem;
    const words = mem.perWorker;
    const n = mem.workers;
    let awake = false;
    for (let w = 0; w < n && !awake; w++) {
      const state = words.state(w);
      awake = state === RUNNING || state === SPINNING;
    }
    let later = false;
    for (let w = 0; w < n; w++) {
      if (this.#pushed[w] === 0) continue;
      if (words.state(w) === SPINNING) continue; // it takes them now
      if (!awake && words.wake(w)) awake = true;
      else later = true; // running (a parked one may have to steal), parked beside an awake one, or no thread now
    }
    if (later && !this.#checkDeferred) {
      this.#checkDeferred = true;
      scheduler.defer(this);
    }
  }

  /** End of the turn (the scheduler's deferred step): one parked worker rung for each call still waiting in a queue, its own queue's first. */
  runDeferred(): void {
    this.#checkDeferred = false;
    const mem = this.#mem;
    const words = mem.perWorker;
    const n = mem.workers;
    let waiting = 0;
    for (let w = 0; w < n; w++) waiting += mem.depth(w);
    for (let w = 0; w < n && waiting > 0; w++) if (mem.depth(w) > 0 && words.wake(w)) waiting--;
    for (let w = 0; w < n && waiting > 0; w++) if (words.wake(w)) waiting--;
  }
}
