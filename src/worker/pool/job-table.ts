/**
 * The main thread's side of the job table: which `RemoteJob` holds each
 * job-table index (`shared-memory.ts` holds the words the workers read), the
 * free indices, and the arena block each job's arguments occupy.
 */
import type { RemoteJob } from '../remote-job.js';
import type { Arena } from './arena.js';
import { FREE, JOB_CAP, type JobWords } from './shared-memory.js';

export class JobTable {
  readonly #jobs: (RemoteJob | undefined)[] = new Array<RemoteJob | undefined>(JOB_CAP).fill(undefined);
  readonly #free = new Int32Array(JOB_CAP);
  #top = JOB_CAP;
  readonly #words: JobWords;
  readonly #arena: Arena;
  /** Per worker: calls sent to it by message and not yet released (its share of `placementScore`). */
  readonly held: Int32Array;

  constructor(words: JobWords, arena: Arena, workers: number) {
    this.#words = words;
    this.#arena = arena;
    this.held = new Int32Array(workers);
    for (let i = 0; i < JOB_CAP; i++) this.#free[i] = JOB_CAP - 1 - i;
  }

  /** True when every index is in use. */
  get full(): boolean {
    return this.#top === 0;
  }

  /** The job at `index`, if any. */
  at(index: number): RemoteJob | undefined {
    return this.#jobs[index];
  }

  /** Gives `job` a free index and a new generation of it; -1 when none is free. */
  alloc(job: RemoteJob): number {
    if (this.#top === 0) return -1;
    const index = this.#free[--this.#top]!;
    job.index = index;
    job.gen = this.#words.nextGen(index);
    this.#jobs[index] = job;
    return index;
  }

  /** Counts `job`, sent by message, as held by worker `w` until it is released. */
  hold(job: RemoteJob, w: number): void {
    job.worker = w;
    job.held = true;
    this.held[w]!++;
  }

  /** Frees the job's index and arena block (and its place in its worker's held count). */
  release(job: RemoteJob): void {
    const index = job.index;
    if (index < 0) return;
    if (job.held) {
      job.held = false;
      this.held[job.worker]!--;
    }
    if (job.off >= 0) this.#arena.free(job.off, job.size);
    job.off = -1;
    this.#words.setState(index, FREE);
    this.#jobs[index] = undefined;
    this.#free[this.#top++] = index;
    job.index = -1;
  }

  /** Every job in the table (a snapshot: `fn` may release them). */
  forEach(fn: (job: RemoteJob, index: number) => void): void {
    for (let index = 0; index < JOB_CAP; index++) {
      const job = this.#jobs[index];
      if (job !== undefined) fn(job, index);
    }
  }
}
