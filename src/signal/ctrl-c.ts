import { Parked } from '../core/wait-queue.js';
import { signalOf } from '../core/validate.js';
import { subscribe, unsubscribe, hold, release, type SignalSubscriber } from './hub.js';

const site = { op: 'ctrlC' };

class CtrlCWait extends Parked<void> implements SignalSubscriber {
  #held = false;

  start(): void {
    subscribe('SIGINT', this);
    hold();
    this.#held = true;
  }

  notify(): void {
    this.#stop();
    this.complete(undefined);
  }

  protected override onCancel(): void {
    this.#stop();
  }

  #stop(): void {
    if (!this.#held) return;
    this.#held = false;
    unsubscribe('SIGINT', this);
    release();
  }
}

/**
 * Resolves on the next SIGINT (Ctrl-C) (Tokio's `signal::ctrl_c`). While it
 * waits, SIGINT no longer ends the process and the process stays alive (even
 * with nothing else to do); once it settles (or is aborted) the listener is
 * removed again, so nothing is left registered.
 *
 * Typical use: race the server against it, then shut down gracefully (or use
 * `main()` from `weft`, which cancels the root task on SIGINT/SIGTERM).
 *
 * **Cancellation**: aborting `options.signal` or the calling task removes the
 * listener; a SIGINT arriving afterwards has its default effect again.
 *
 * @example
 * ```ts
 * import { ctrlC } from 'weft/signal';
 * const stop = new AbortController();
 * const waiting = ctrlC({ signal: stop.signal });
 * process.kill(process.pid, 'SIGINT'); // what Ctrl-C in a terminal sends
 * await waiting;
 * console.assert(process.listenerCount('SIGINT') === 0);
 * ```
 */
export function ctrlC(options?: { signal?: AbortSignal }): Promise<void> {
  const signal = signalOf(options, 'ctrlC');
  const w = new CtrlCWait();
  const promise = w.park(signal, site);
  if (!w.settled) w.start();
  return promise;
}
