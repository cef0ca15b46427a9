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
import { KIND_MAP, RING_CAP, SPINNING, type PoolMemory } from './shared-memory.js';

export class QueueWriter {
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

  /** Rings the doorbell of parked workers that got work, and of idle ones that can steal it. */
  #wake(): void {
    const words = this.#mem.perWorker;
    const n = this.#mem.workers;
    let forBusy = 0;
    for (let w = 0; w < n; w++) {
      if (this.#pushed[w] === 0 || words.wake(w)) continue;
      if (words.state(w) !== SPINNING) forBusy += this.#pushed[w]!; // running, or no thread right now
    }
    for (let w = 0; w < n && forBusy > 0; w++) {
      if (this.#pushed[w] === 0 && words.wake(w)) forBusy--;
    }
  }
}
