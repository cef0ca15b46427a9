/**
 * Credits granted by a remote end, and the FIFO of local calls waiting for
 * one: the backpressure of every cluster send. The far end grants credits
 * only for room it has (a mailbox slot, a channel buffer slot), so what is
 * in flight is bounded by what it granted, never by an unbounded buffer
 * here. A wait that is aborted leaves the queue and takes no credit.
 */
import { Parked, WaitQueue, type WaitSite } from '../core/wait-queue.js';
import { RESOLVED } from '../core/promise.js';

/** @internal One call waiting for a credit; `payload` is what it will send. */
export class CreditWait<P> extends Parked<void> {
  constructor(readonly payload: P) {
    super();
  }
}

/** @internal */
export class CreditGate<P> {
  credits: number;
  readonly waiters = new WaitQueue<CreditWait<P>>();
  #failure: unknown = undefined;
  #failed = false;

  readonly #onCredit: (payload: P) => void;

  /** `onCredit(payload)` sends a payload once it holds a credit. */
  constructor(initial: number, onCredit: (payload: P) => void) {
    this.credits = initial;
    this.#onCredit = onCredit;
  }

  get failed(): boolean {
    return this.#failed;
  }

  /** Takes a credit at once when one is free and nobody waits before us. */
  tryTake(): boolean {
    if (this.#failed) throw this.#failure;
    if (this.credits > 0 && this.waiters.isEmpty) {
      this.credits--;
      return true;
    }
    return false;
  }

  /**
   * Waits for a credit; `onCredit(payload)` runs in the same step the wait
   * completes, so the payload leaves exactly when the caller's promise resolves.
   */
  take(payload: P, signal: AbortSignal | undefined, site: WaitSite): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failure);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryTake()) {
      this.#onCredit(payload);
      return RESOLVED;
    }
    const w = new CreditWait(payload);
    const promise = w.park(signal, site);
    if (!w.settled) this.waiters.push(w);
    return promise;
  }

  /** Adds `n` credits and hands them to waiters in order. */
  grant(n: number): void {
    if (this.#failed) return;
    this.credits += n;
    while (this.credits > 0) {
      const w = this.waiters.shift();
      if (w === undefined) break;
      this.credits--;
      this.#onCredit(w.payload);
      w.complete();
    }
  }

  /**
   * Takes `from`'s waiters, in order, behind this gate's own (`each` sees
   * every one as it moves), and serves them from the credits here: the
   * sends of a ref whose actor stopped move to the ref of its next activation.
   */
  adopt(from: CreditGate<P>, each: (w: CreditWait<P>) => void): void {
    for (let w = from.waiters.shift(); w !== undefined; w = from.waiters.shift()) {
      each(w);
      if (this.#failed) w.fail(this.#failure);
      else this.waiters.push(w);
    }
    this.grant(0);
  }

  get failure(): unknown {
    return this.#failure;
  }

  /** Rejects every waiter and every later take with `reason` (end closed, node down). */
  fail(reason: unknown, perWaiter?: (payload: P) => unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#failure = reason;
    this.credits = 0;
    this.waiters.drain((w) => w.fail(perWaiter === undefined ? reason : perWaiter(w.payload)));
  }
}
