import { WaitLinks, type WaitSite } from './wait-queue.js';

const defaultSite: WaitSite = { op: 'cancel-hook' };

/**
 * Runs `onCancel` once if the current task is aborted or `signal` aborts,
 * without rejecting anything: for group operations (`scope`, `join`, `select`)
 * that answer cancellation by aborting their members and then waiting for them
 * to settle. `release()` unlinks it. It holds no promise: it is only a link.
 */
export class CancelHook extends WaitLinks {
  #onCancel: ((reason: unknown) => void) | undefined;

  /** @param site what the group operation shows in introspection (`{ op: 'scope' }`, `{ op: 'join' }`) */
  constructor(signal: AbortSignal | undefined, onCancel: (reason: unknown) => void, site: WaitSite = defaultSite) {
    super();
    this.#onCancel = onCancel;
    this.site = site;
    this.linkCancellers(signal);
  }

  cancel(reason: unknown): void {
    const fn = this.#onCancel;
    if (fn === undefined) return;
    this.#onCancel = undefined;
    // Stays linked (listed in task.waits) until release(): the group still waits for its members.
    fn(reason);
  }

  release(): void {
    this.#onCancel = undefined;
    this.settled = true;
    this.unlinkCancellers();
  }
}
