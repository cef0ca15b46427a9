/**
 * A worker of the multi-thread pool. It claims jobs from its own run queue in
 * shared memory, then steals from the others'; runs many async tasks at once;
 * claims in slices so its event loop stays responsive, and so that jobs it
 * has not started remain stealable; spins briefly when out of work, then
 * parks with `Atomics.waitAsync` (its event loop keeps running). Calls whose
 * arguments travel by message arrive on its port.
 *
 * Results go back in batches: one message per slice; a lone call's result
 * (nothing else running or queued) goes out the moment it is ready.
 */
import type { MessagePort } from 'node:worker_threads';
import { RESOLVED } from '../../core/promise.js';
import { scheduler } from '../../core/scheduler.js';
import { preloadModules } from '../define-task.js';
import { useAbortFlags } from '../cancel-probe.js';
import { readArgs } from '../wire/args-codec.js';
import { encodeThrown } from '../wire/error-codec.js';
import { Op, Status, type ReadyMessage, type ToThread } from '../wire/messages.js';
import { JOB_CAP, PARKED, PoolMemory, RUNNING, SPINNING, type SharedPool } from '../pool/shared-memory.js';
import { ThreadWorker, type CallOwner } from './thread-worker.js';

/** Most jobs claimed in one turn of the event loop. */
const BATCH = 256;
/** Stop claiming for this turn once this many ms went by (a CPU-bound job ends the turn). */
const SLICE_MS = 1;
/** At most this many workers spin at once: a spinning thread takes a core the caller may need. */
const MAX_SPINNERS = 1;
/** How long an idle worker watches the queues before it parks. */
const SPIN_MS = 0.05;
/** After fruitless spins, at most this many idle periods in a row park without spinning (see `#spin`). */
const SPIN_BACKOFF = 64;

export class PoolWorker extends ThreadWorker {
  readonly #mem: PoolMemory;
  readonly #bytes: Buffer;
  readonly #me: number;
  /** Task names by task-definition index, once known. */
  readonly #names: ([string, string] | undefined)[] = [];
  readonly #owners: (CallOwner | undefined)[] = [];
  /** Calls that came by message: the main thread counts them itself, so they stay out of `active`. */
  readonly #byMessage = new Uint8Array(JOB_CAP);
  /** True while the loop claims and runs jobs: it flushes when it stops. */
  #claiming = false;
  /** Marked spinning by a result that found nothing else to do (see `resultReady`). */
  #markedIdle = false;
  #victim: number;
  #spinSkip = 0;
  #spinMisses = 0;
  #flushQueued = false;

  constructor(port: MessagePort, index: number, shared: SharedPool) {
    super(port, 'worker');
    this.#mem = new PoolMemory(shared);
    this.#bytes = Buffer.from(this.#mem.arena.buffer, this.#mem.arena.byteOffset, this.#mem.arena.byteLength);
    this.#me = index;
    this.#victim = (index + 1) % this.#mem.workers;
    useAbortFlags(this.#mem.i32);
  }

  /** Starts taking calls at once; says it is ready once the modules `preload` are imported. */
  start(preload: readonly string[]): void {
    this.port.on('message', (message: ToThread) => {
      if (message.op === Op.Abort) {
        this.onAbort(message);
        return;
      }
      // A call sent to this worker by message (its arguments could not go through shared memory).
      this.#byMessage[message.j] = 1;
      const task = message.task;
      const [url, name] = this.#nameOf(task);
      this.runMessage(message, url, name, this.#mem.jobs.abortWord(message.j));
    });
    void this.#loop();
    void preloadModules(preload).then(() => this.port.postMessage({ op: Op.Ready } satisfies ReadyMessage));
  }

  protected ownerOf(j: number): CallOwner {
    return (this.#owners[j] ??= this.makeOwner(j));
  }

  protected callDone(j: number): void {
    if (this.#byMessage[j] === 1) this.#byMessage[j] = 0;
    else this.#mem.perWorker.addActive(this.#me, -1);
    this.#mem.perWorker.countRun(this.#me);
  }

  protected resultReady(): void {
    if (this.#claiming) {
      // A lone call (a caller awaiting each result before the next call): its
      // result goes out the moment it is ready, not after the loop has looked
      // for more work; in a burst the queues still hold work and results batch.
      if (this.#goingIdle()) this.results.flush();
    } else if (!this.#flushQueued) {
      this.#flushQueued = true;
      setImmediate(() => {
        this.#flushQueued = false;
        this.results.flush();
      });
    }
  }

  /** True when this worker is about to go idle (marks it spinning first). */
  #goingIdle(): boolean {
    if (this.runningCount > 0 || this.#hasWork()) return false;
    this.#markedIdle = true;
    // Marked before the result is posted: the caller's next call, placed as soon
    // as the result arrives, must find this worker ready (placement prefers a
    // spinning worker, and does not ring one). The loop still looks at the
    // queues before it parks, so a call placed here is never missed.
    this.#mem.perWorker.setState(this.#me, SPINNING);
    return true;
  }

  #nameOf(task: number): [string, string] {
    return (this.#names[task] ??= this.#mem.readName(task));
  }

  #hasWork(): boolean {
    const mem = this.#mem;
    for (let w = 0; w < mem.workers; w++) if (mem.depth(w) > 0) return true;
    return false;
  }

  /**
   * Watches the queues a moment. A spin that ends without work was worse than
   * useless when the machine has no core to spare: the caller's thread, woken
   * by the results just posted, was then often scheduled on this very core
   * and waited for the spin to end (measured on a loaded 2-core VM: the
   * result reached the caller ~50 µs late, just after the spin gave up). So
   * after a fruitless spin the next 1, 2, 4 ... up to SPIN_BACKOFF idle
   * periods park at once, and a spin that finds work resets that: serial
   * calls on a machine with a free core keep spinning.
   */
  #spin(): boolean {
    if (this.#spinSkip > 0) {
      this.#spinSkip--;
      return this.#hasWork();
    }
    if (!this.#mem.enterSpin(MAX_SPINNERS)) return this.#hasWork();
    const until = performance.now() + SPIN_MS;
    let found = false;
    do {
      for (let k = 0; k < 32 && !found; k++) found = this.#hasWork();
    } while (!found && performance.now() < until);
    this.#mem.leaveSpin();
    if (found) this.#spinMisses = 0;
    else {
      this.#spinSkip = Math.min(2 ** this.#spinMisses, SPIN_BACKOFF);
      if (this.#spinMisses < 16) this.#spinMisses++;
    }
    return found;
  }

  #steal(): number {
    const mem = this.#mem;
    const n = mem.workers;
    for (let k = 1; k < n; k++) {
      const w = (this.#victim + k - 1) % n;
      if (w === this.#me) continue;
      const j = mem.claim(w, this.#me);
      if (j >= 0) {
        this.#victim = w;
        return j;
      }
    }
    return -1;
  }

  /** Starts claimed job `j` (`claim` counted it as active). */
  #startClaimed(j: number): Promise<void> | undefined {
    const jobs = this.#mem.jobs;
    const task = jobs.task(j);
    const gen = jobs.gen(j);
    const [url, name] = this.#nameOf(task);
    let args: unknown[];
    try {
      args = readArgs(this.#bytes, jobs.off(j), jobs.len(j));
    } catch (err) {
      this.callDone(j);
      this.report(j, gen, Status.Failed, encodeThrown(err));
      return undefined;
    }
    return this.startCall(j, gen, task, url, name, jobs.kind(j), args, jobs.abortWord(j));
  }

  async #loop(): Promise<void> {
    const mem = this.#mem;
    const words = mem.perWorker;
    const me = this.#me;
    for (;;) {
      if (mem.closing) return;
      let ran = 0;
      let full = false;
      const began = performance.now();
      this.#claiming = true;
      for (;;) {
        let j = mem.claim(me, me);
        if (j < 0) {
          j = this.#steal();
          if (j < 0) break;
          words.countStolen(me);
        }
        if (this.#markedIdle) {
          this.#markedIdle = false; // marked idle by the last result, and found more work
          words.setState(me, RUNNING);
        }
        const loading = this.#startClaimed(j);
        if (loading !== undefined) await loading;
        await RESOLVED; // the job's body runs its synchronous part now
        if (++ran >= BATCH || performance.now() - began >= SLICE_MS) {
          full = true;
          break;
        }
      }
      this.#claiming = false;
      if (full) {
        this.results.flush(); // what finished in this slice goes out in one message
        // A full slice: let timers, I/O and abort messages have their turn.
        await scheduler.hop();
        continue;
      }
      // Out of work: watch the queues a moment, then park. Marked spinning
      // before the results go out (see #goingIdle).
      this.#markedIdle = false;
      words.setState(me, SPINNING);
      this.results.flush();
      if (this.#spin()) {
        words.setState(me, RUNNING);
        continue;
      }
      const bell = words.bell(me);
      words.setState(me, PARKED);
      if (this.#hasWork() || mem.closing) {
        words.setState(me, RUNNING);
        continue;
      }
      const wait = words.waitBell(me, bell);
      if (wait.async) {
        words.countPark(me);
        await wait.value;
      }
      words.setState(me, RUNNING);
    }
  }
}
