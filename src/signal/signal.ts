import { Parked, WaitQueue } from '../core/wait-queue.js';
import { signalOf } from '../core/validate.js';
import { scheduler } from '../core/scheduler.js';
import { subscribe, unsubscribe, signalName, hold, release, type SignalSubscriber } from './hub.js';

const site = { op: 'signal.recv' };
/** A pending recv(): keeps the process alive while it waits. */
class RecvWait extends Parked<boolean> {
  #held = false;

  start(): void {
    hold();
    this.#held = true;
  }

  end(received: boolean): void {
    this.#stop();
    this.complete(received);
  }

  protected override onCancel(): void {
    this.#stop(); // also runs when cancelled inside park(), before start()
  }

  #stop(): void {
    if (!this.#held) return;
    this.#held = false;
    release();
  }
}

const TRUE = Promise.resolve(true);
const FALSE = Promise.resolve(false);

/** Deliveries of one process signal, as an async iterable (Tokio's `signal::unix::Signal`). */
export interface SignalStream extends AsyncIterable<void>, Disposable {
  /**
   * Waits for the next delivery (keeping the process alive meanwhile).
   * Deliveries that arrive while nobody waits are coalesced into one (as Tokio
   * does): `recv()` then resolves at once.
   *
   * @returns true for a delivery, false once the stream is closed
   *
   * **Cancellation**: cancel-safe: an aborted `recv()` consumed no delivery.
   */
  recv(options?: { signal?: AbortSignal }): Promise<boolean>;
  /** Removes the process listener; waiting `recv()` calls resolve false. Idempotent. */
  close(): void;
  /** The signal's name. */
  readonly name: NodeJS.Signals;
}

class SignalStreamImpl implements SignalStream, SignalSubscriber {
  readonly name: NodeJS.Signals;
  readonly #waiters = new WaitQueue<RecvWait>();
  #pending = false;
  #closed = false;

  constructor(name: NodeJS.Signals) {
    this.name = name;
    subscribe(name, this);
  }

  notify(): void {
    if (this.#waiters.isEmpty) this.#pending = true;
    else this.#waiters.drain((w) => w.end(true));
  }

  recv(options?: { signal?: AbortSignal }): Promise<boolean> {
    const signal = signalOf(options, 'SignalStream.recv');
    if (this.#pending || this.#closed) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      if (!scheduler.budget()) return scheduler.hop().then(() => this.recv(options));
      if (this.#closed) return FALSE;
      this.#pending = false;
      return TRUE;
    }
    const w = new RecvWait();
    const promise = w.park(signal, site);
    if (!w.settled) {
      w.start();
      this.#waiters.push(w);
    }
    return promise;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending = false;
    unsubscribe(this.name, this);
    this.#waiters.drain((w) => w.end(false));
  }

  [Symbol.dispose](): void {
    this.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<void> {
    return {
      next: () => this.recv().then(toResult),
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

function toResult(received: boolean): IteratorResult<void> {
  return { value: undefined, done: !received };
}

/**
 * Listens for a process signal (`'SIGHUP'`, `'SIGTERM'`, `'SIGUSR2'`...). The
 * listener is installed at once, so deliveries are not missed between
 * iterations, and removed when the stream is closed or disposed (`using`), or
 * when a `for await` loop over it ends. While installed, the signal's default
 * action (e.g. ending the process on SIGTERM) does not happen.
 *
 * @param name the signal; SIGKILL and SIGSTOP cannot be caught
 * @returns an async iterable of deliveries that is also `Disposable`
 * @throws TypeError for a non-string name; RangeError for an unknown or uncatchable signal
 *
 * **Cancellation**: a `for await` over the stream is ended by aborting the
 * task it runs in (the pending `recv()` rejects with `CancelledError`, and the
 * loop's exit closes the stream). `recv(options)` takes a signal.
 *
 * @example
 * ```ts
 * import { signal } from 'weft/signal';
 * using hangups = signal('SIGHUP');
 * process.kill(process.pid, 'SIGHUP');
 * for await (const _ of hangups) break; // reload configuration here
 * console.assert(process.listenerCount('SIGHUP') === 0); // the loop's exit removed the listener
 * ```
 */
export function signal(name: NodeJS.Signals): SignalStream {
  return new SignalStreamImpl(signalName(name, 'signal'));
}
