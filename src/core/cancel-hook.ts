import { WaitLinks } from './wait-queue.js';

const site = { kind: 'cancel-hook' } as const;

/**
 * Runs `onCancel` once if the current task is aborted or `signal` aborts,
 * without rejecting anything: for group operations (`scope`, `join`, `select`)
 * that answer cancellation by aborting their members and then waiting for them
 * to settle. `release()` unlinks it. It holds no promise: it is only a link.
 */
export class CancelHook extends WaitLinks {
  #onCancel: ((reason: unknown) => void) | undefined;

  constructor(signal: AbortSignal | undefined, onCancel: (reason: unknown) => void, where: { kind: string } = site) {
    super();
    this.#onCancel = onCancel;
    this.site = where;
    this.linkCancellers(signal);
  }

  cancel(reason: unknown): void {
    const fn = this.#onCancel;
    if (fn === undefined) return;
    this.#onCancel = undefined;
    this.unlinkCancellers();
    fn(reason);
  }

  release(): void {
    this.#onCancel = undefined;
    this.unlinkCancellers();
  }
}
