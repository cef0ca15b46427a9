import { Parked, WaitQueue } from '../core/wait-queue.js';
import { registerResource, resourceId, resourceName } from '../core/resources.js';
import { integer, signalOf } from '../core/validate.js';
import { scheduler } from '../core/scheduler.js';

/**
 * What `Barrier.wait()` resolves with: exactly one waiter per generation is
 * the leader (the one whose arrival completed it).
 *
 * @example
 * ```ts
 * import { Barrier } from 'weft/sync';
 * const { isLeader } = await new Barrier(1).wait();
 * console.assert(isLeader);
 * ```
 */
export interface BarrierWaitResult {
  readonly isLeader: boolean;
}

const LEADER: BarrierWaitResult = Object.freeze({ isLeader: true });
const FOLLOWER: BarrierWaitResult = Object.freeze({ isLeader: false });

let withdraw: (barrier: Barrier) => void;

/** A `wait()` that arrived and waits for the rest of its generation. */
class BarrierWait extends Parked<BarrierWaitResult> {
  counted = false;
  constructor(readonly barrier: Barrier) {
    super();
  }

  protected override onCancel(): void {
    if (!this.counted) return;
    this.counted = false;
    withdraw(this.barrier);
  }
}

function release(w: BarrierWait): void {
  w.counted = false;
  w.complete(FOLLOWER);
}

const site = { op: 'barrier.wait' };

/**
 * Lets `n` tasks meet: the first `n - 1` callers of `wait()` wait, and the
 * `n`-th releases them all at once and is the generation's leader. The barrier
 * is then reset and can be used again (Tokio's `Barrier`). `Barrier(0)` and
 * `Barrier(1)` never wait: every call is its own generation and leads it.
 *
 * @example
 * ```ts
 * import { Barrier } from 'weft/sync';
 * const barrier = new Barrier(3);
 * const results = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
 * console.assert(results.filter((r) => r.isLeader).length === 1);
 * ```
 */
export class Barrier {
  readonly #n: number;
  #arrived = 0;
  readonly #waiters = new WaitQueue<BarrierWait>();
  readonly #rid = resourceId();

  static {
    withdraw = (barrier) => {
      barrier.#arrived--;
    };
  }

  /**
   * @param n how many `wait()` calls release a generation: an integer >= 0
   * @param options `name`: shown by introspection (`runtime.resources()`)
   * @throws TypeError if `n` is not a number; RangeError if it is negative or not an integer
   */
  constructor(n: number, options?: { name?: string }) {
    this.#n = integer(n, 'new Barrier', 'n', 0, Number.MAX_SAFE_INTEGER);
    registerResource(this, this.#rid, 'barrier', resourceName(options, 'new Barrier'), Barrier.#describe);
  }

  static #describe(barrier: Barrier): Record<string, number> {
    return { size: barrier.#n, arrived: barrier.#arrived };
  }

  /** How many `wait()` calls release a generation. */
  get size(): number {
    return this.#n;
  }

  /**
   * Arrives at the barrier and waits for the rest of the generation. The call
   * that completes the generation resolves at once with `isLeader: true`; the
   * others resolve with `isLeader: false`.
   *
   * **Cancellation**: cancel-safe (unlike Tokio's, whose dropped wait still
   * counts). If `options.signal` aborts (rejects with its reason) or the
   * calling task is aborted (rejects with `CancelledError`) before the
   * generation completes, the arrival is withdrawn: it does not count towards
   * the generation. Once the generation completed, an abort changes nothing.
   *
   * @param options `signal` to abort the wait
   * @returns `{ isLeader }`
   * @throws TypeError (synchronously) for bad options
   *
   * @example
   * ```ts
   * import { Barrier } from 'weft/sync';
   * const b = new Barrier(2);
   * for (let round = 0; round < 2; round++) {   // reusable
   *   const [x, y] = await Promise.all([b.wait(), b.wait()]);
   *   console.assert(x.isLeader !== y.isLeader);
   * }
   * ```
   */
  wait(options?: { signal?: AbortSignal }): Promise<BarrierWaitResult> {
    const signal = signalOf(options, 'Barrier.wait');
    if (this.#arrived + 1 >= this.#n) {
      // This arrival completes the generation.
      if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
      if (!scheduler.budget()) return scheduler.hop().then(() => this.wait(options));
      this.#arrived = 0;
      if (this.#waiters.head !== undefined) this.#waiters.drain(release);
      return Promise.resolve(LEADER);
    }
    const w = new BarrierWait(this);
    const promise = w.park(signal, site, this.#rid);
    if (!w.settled) {
      w.counted = true;
      this.#arrived++;
      this.#waiters.push(w);
    }
    return promise;
  }
}
