import { Parked, WaitQueue } from '../core/wait-queue.js';
import { kSelect } from '../core/selectable.js';
import { RESOLVED, silence } from '../core/promise.js';
import { CancelledError } from './errors.js';
import { signalOf } from '../core/validate.js';
import { scheduler } from '../core/scheduler.js';
import { setMaxListeners } from 'node:events';

const site = { op: 'token.cancelled' };

/**
 * @internal Runs `hook` (once) when `token` is cancelled. Used by tasks, whose
 * token aborts the task.
 */
export let onTokenCancel: (token: CancellationToken, hook: (reason: unknown) => void) => void;

/** runUntilCancelled()'s wait: if the calling task is aborted, the work's signal aborts too. */
class RunWait extends Parked<void> {
  readonly local = new AbortController();
  protected override onCancel(reason: unknown): void {
    if (reason !== undefined) this.local.abort(reason);
  }
}

/**
 * A cancellation signal that can be passed around, forked into children and
 * awaited, in the manner of tokio-util's `CancellationToken`. Cancelling a
 * token cancels all its children (not its parent). Each task has one
 * (`task.token`); cancelling it aborts the task.
 *
 * @example
 * ```ts
 * import { CancellationToken } from 'weft';
 * const root = new CancellationToken();
 * const child = root.child();
 * root.cancel();
 * console.assert(child.isCancelled);
 * ```
 */
export class CancellationToken {
  #cancelled = false;
  #reason: unknown = undefined;
  #children: Set<CancellationToken> | undefined = undefined;
  #parent: CancellationToken | undefined = undefined;
  #waiters: WaitQueue | undefined = undefined;
  #controller: AbortController | undefined = undefined;
  #hook: ((reason: unknown) => void) | undefined = undefined;

  static {
    onTokenCancel = (token, hook) => {
      token.#hook = hook;
    };
  }

  /** True once `cancel()` was called on this token or an ancestor. */
  get isCancelled(): boolean {
    return this.#cancelled;
  }

  /** The reason given to `cancel()` (a `CancelledError` when none was). */
  get reason(): unknown {
    return this.#reason;
  }

  /**
   * Cancels this token and every child token; wakes `cancelled()` waiters and
   * aborts `signal`. Idempotent: the first reason is kept.
   */
  cancel(reason?: unknown): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#reason = reason === undefined ? new CancelledError('the token was cancelled') : reason;
    const parent = this.#parent;
    if (parent !== undefined) parent.#children?.delete(this);
    this.#parent = undefined;
    this.#hook?.(this.#reason);
    this.#hook = undefined;
    this.#waiters?.drain((w) => w.complete(undefined));
    this.#controller?.abort(this.#reason);
    const children = this.#children;
    this.#children = undefined;
    if (children !== undefined) for (const child of children) child.cancel(this.#reason);
  }

  /**
   * Resolves when the token is cancelled (at once if it already is).
   *
   * **Cancellation**: aborting `options.signal` rejects with its reason and
   * leaves nothing registered on the token.
   */
  cancelled(options?: { signal?: AbortSignal }): Promise<void> {
    const signal = signalOf(options, 'CancellationToken.cancelled');
    if (this.#cancelled) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      return scheduler.budget() ? RESOLVED : scheduler.hop();
    }
    const w = new Parked<void>();
    const promise = w.park(signal, site);
    if (!w.settled) (this.#waiters ??= new WaitQueue()).push(w);
    return promise;
  }

  /** @internal `select` branch on this token (fires on cancel). */
  [kSelect](arm: Parked<void>): void {
    if (this.#cancelled) arm.complete(undefined);
    else (this.#waiters ??= new WaitQueue()).push(arm);
  }

  /** A new token cancelled when this one is; cancelling the child leaves this one alone. */
  child(): CancellationToken {
    const child = new CancellationToken();
    if (this.#cancelled) {
      child.cancel(this.#reason);
    } else {
      child.#parent = this;
      (this.#children ??= new Set()).add(child);
    }
    return child;
  }

  /** An `AbortSignal` that aborts (with the token's reason) when the token is cancelled. Created on first use. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      // Many independent waits may listen on a task's signal; that is not a leak.
      setMaxListeners(0, this.#controller.signal);
      if (this.#cancelled) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** A token cancelled when `signal` aborts, with the signal's reason. */
  static fromSignal(signal: AbortSignal): CancellationToken {
    if (!(signal instanceof AbortSignal)) throw new TypeError('CancellationToken.fromSignal expects an AbortSignal');
    const token = new CancellationToken();
    if (signal.aborted) {
      token.cancel(signal.reason);
      return token;
    }
    const onAbort = (): void => token.cancel(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    token.#hook = () => signal.removeEventListener('abort', onAbort);
    return token;
  }

  /** A guard that cancels the token when disposed (`using`), unless disarmed first. */
  dropGuard(): Disposable & { disarm(): CancellationToken } {
    let armed = true;
    return {
      disarm: () => {
        armed = false;
        return this;
      },
      [Symbol.dispose]: () => {
        if (armed) this.cancel();
        armed = false;
      },
    };
  }

  /**
   * Runs `fn` until it settles or the token is cancelled, whichever comes first.
   * Resolves with `fn`'s value, or `undefined` if the token was cancelled first
   * (then `fn`'s signal is aborted). If the token is already cancelled `fn` is not called.
   */
  runUntilCancelled<T>(fn: (signal: AbortSignal) => PromiseLike<T>): Promise<T | undefined> {
    if (typeof fn !== 'function') throw new TypeError('runUntilCancelled expects a function');
    if (this.#cancelled) return Promise.resolve(undefined);
    // The wait for cancellation is linked to the calling task: if that task is
    // aborted, the call rejects and the work's signal aborts too.
    const w = new RunWait();
    const cancelled = w.park(undefined, site);
    if (w.settled) return cancelled as Promise<undefined>;
    (this.#waiters ??= new WaitQueue()).push(w);
    let work: Promise<T>;
    try {
      work = Promise.resolve(fn(w.task === undefined ? this.signal : AbortSignal.any([this.signal, w.local.signal])));
    } catch (err) {
      w.cancel(undefined);
      silence(cancelled);
      return Promise.reject(err);
    }
    silence(work);
    // Leave nothing registered on a long-lived token once the work wins.
    return (Promise.race([cancelled, work]) as Promise<T | undefined>).finally(() => w.cancel(undefined));
  }
}
