import { Parked, type WaitSite } from './wait-queue.js';
import { silence } from './promise.js';

/**
 * Runs `onCancel` once if the current task is aborted or `signal` aborts,
 * without rejecting anything: for group operations (`scope`, `join`, `select`)
 * that answer cancellation by aborting their members and then waiting for them
 * to settle. `release()` unlinks it.
 */
export class CancelHook extends Parked<void> {
  #onCancel: ((reason: unknown) => void) | undefined;

  /** @param site what the group operation shows in introspection (`{ op: 'scope' }`, `{ op: 'join' }`) */
  constructor(signal: AbortSignal | undefined, onCancel: (reason: unknown) => void, site?: WaitSite) {
    super();
    this.#onCancel = onCancel;
    silence(this.park(signal, site));
  }

  override cancel(reason: unknown): void {
    const fn = this.#onCancel;
    if (fn === undefined) return;
    this.#onCancel = undefined;
    fn(reason);
  }

  release(): void {
    this.#onCancel = undefined;
    this.complete(undefined);
  }
}
