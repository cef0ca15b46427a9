/**
 * A wait-queue node that stands in a channel's queue for a wait on another
 * thread (the core wait contract's `WaitNode`, implemented directly): it has
 * no promise, task or signal here; settling it sends the outcome across
 * (`onComplete`, `onFail`). Settled once; it leaves its queue before that.
 */
import type { WaitNode, WaitQueue, WaitSite } from '../../core/wait-queue.js';

export abstract class RelayNode<T> implements WaitNode<T> {
  prev: WaitNode<any> | undefined = undefined;
  next: WaitNode<any> | undefined = undefined;
  queue: WaitQueue<any> | undefined = undefined;
  settled = false;
  readonly site: WaitSite | undefined = undefined;
  readonly resource: number | undefined = undefined;

  complete(value: T): void {
    if (this.settled) return;
    this.settled = true;
    this.onComplete(value);
  }

  fail(reason: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.onFail(reason);
  }

  /** Takes it out without an outcome (the remote wait was cancelled, or its thread is gone). */
  discard(): void {
    this.settled = true;
    this.queue?.remove(this);
  }

  protected abstract onComplete(value: T): void;
  protected abstract onFail(reason: unknown): void;
}
