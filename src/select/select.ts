import { Parked } from '../core/wait-queue.js';
import { kSelect, isSelectable } from '../core/selectable.js';
import { signalOf } from '../core/validate.js';
import { scheduler } from '../core/scheduler.js';
import { silence } from '../core/promise.js';
import { CancellationToken } from '../task/cancellation-token.js';
import { CancelledError } from '../task/errors.js';

/**
 * A `select` branch: a weft receiver (mpsc, broadcast or oneshot: a
 * cancel-safe receive), a `CancellationToken` (fires on cancel), a function
 * `(signal) => PromiseLike` (run; aborted if it loses) or a promise (raced).
 */
export type Branch =
  | PromiseLike<unknown>
  | ((signal: AbortSignal) => PromiseLike<unknown>)
  | CancellationToken
  | { recv(options?: { signal?: AbortSignal }): Promise<unknown> };

/** The value a branch yields when it wins. */
export type BranchValue<B> = B extends CancellationToken
  ? undefined
  : B extends { recv(...args: never[]): Promise<infer T> }
    ? T
    : B extends (signal: AbortSignal) => PromiseLike<infer T>
      ? T
      : B extends PromiseLike<infer T>
        ? T
        : never;

/** Which branch won, and what it yielded. */
export type SelectResult<B> = { [K in keyof B]: { key: K; value: BranchValue<B[K]> } }[keyof B];

const site = { op: 'select' };

/** A branch registered with a source: completing it completes the select. */
class Arm extends Parked<unknown> {
  constructor(
    readonly sel: SelectWait,
    readonly key: string,
  ) {
    super();
  }

  override complete(value: unknown): void {
    this.settled = true;
    this.sel.finish(this, this.key, value);
  }

  override fail(reason: unknown): void {
    this.settled = true;
    this.sel.lose(this, this.key, reason);
  }
}

class SelectWait extends Parked<{ key: string; value: unknown }> {
  arms: Arm[] = [];
  /** Function branches' controllers, and the branch key of each. */
  controllers: AbortController[] = [];
  controllerKeys: string[] = [];

  finish(winner: Arm | undefined, key: string, value: unknown): void {
    if (this.settled) return;
    this.cleanup(winner, key, undefined);
    this.complete({ key, value });
  }

  lose(winner: Arm | undefined, key: string | undefined, reason: unknown): void {
    if (this.settled) return;
    this.cleanup(winner, key, undefined);
    this.fail(reason);
  }

  /**
   * Takes every losing arm out of its source and aborts the losing function
   * branches. The branch that settled the select keeps its signal: a winner's
   * value may still depend on it (a fetch response's body).
   */
  cleanup(winner: Arm | undefined, winnerKey: string | undefined, reason: unknown): void {
    for (const arm of this.arms) {
      if (arm !== winner && !arm.settled) {
        arm.settled = true;
        arm.queue?.remove(arm);
      }
    }
    const controllers = this.controllers;
    if (controllers.length > 0) {
      const lost = reason ?? new CancelledError('the select branch lost');
      for (let i = 0; i < controllers.length; i++) {
        if (this.controllerKeys[i] !== winnerKey) controllers[i]!.abort(lost);
      }
    }
  }

  protected override onCancel(reason: unknown): void {
    // The select itself was cancelled (its signal, or its task): every branch loses, with that reason.
    this.cleanup(undefined, undefined, reason);
  }
}

/**
 * Waits for the first of several branches and returns `{ key, value }`.
 * Branches are polled in declaration order with `biased: true`, otherwise in a
 * random order (seeded under `Builder.seed`), so no branch starves.
 *
 * Receive branches are cancel-safe: a receiver that loses has consumed
 * nothing. Function branches that lose are aborted through their signal
 * (with a `CancelledError`); the winning branch's signal is left alone, since
 * its value may depend on it. A branch that rejects makes `select` reject with
 * that error.
 *
 * @throws TypeError for an empty record or a branch of another kind
 *
 * **Cancellation**: aborting `options.signal` or the calling task removes every
 * branch (nothing is received) and aborts the function branches with the
 * abort reason (the task's `CancelledError`).
 *
 * @example
 * ```ts
 * import { select, sleep, CancellationToken } from 'weft';
 * const stop = new CancellationToken();
 * setTimeout(() => stop.cancel(), 5);
 * const r = await select({ stop, tick: (signal) => sleep(1_000, { signal }) });
 * console.assert(r.key === 'stop');
 * ```
 */
export function select<B extends Record<string, Branch>>(
  branches: B,
  options?: { biased?: boolean; signal?: AbortSignal },
): Promise<SelectResult<B>> {
  if (typeof branches !== 'object' || branches === null)
    throw new TypeError('select: branches must be an object of branches');
  const signal = signalOf(options, 'select');
  const keys = Object.keys(branches);
  if (keys.length === 0) throw new TypeError('select: at least one branch is required');
  for (const key of keys) checkBranch(key, branches[key]);
  if (options?.biased !== true) shuffle(keys);

  const sel = new SelectWait();
  const promise = sel.park(signal, site);
  for (const key of keys) {
    if (sel.settled) break;
    const branch: unknown = branches[key];
    if (isSelectable(branch)) {
      const arm = new Arm(sel, key);
      sel.arms.push(arm);
      branch[kSelect](arm);
    } else if (typeof branch === 'function') {
      const controller = new AbortController();
      sel.controllers.push(controller);
      sel.controllerKeys.push(key);
      let result: unknown;
      try {
        result = branch(controller.signal);
      } catch (err) {
        sel.lose(undefined, key, err);
        break;
      }
      race(sel, key, result);
    } else {
      race(sel, key, branch);
    }
  }
  // Settled at once (a ready receiver, a cancelled token): that is an
  // immediately-ready operation and spends the cooperative budget. The result
  // has already left its source, so the hop only delays its delivery.
  if (sel.settled && !scheduler.budget()) {
    silence(promise);
    return scheduler.hop().then(
      () => promise,
      () => promise,
    ) as Promise<SelectResult<B>>;
  }
  return promise as Promise<SelectResult<B>>;
}

function race(sel: SelectWait, key: string, value: unknown): void {
  Promise.resolve(value).then(
    (v) => sel.finish(undefined, key, v),
    (err: unknown) => sel.lose(undefined, key, err),
  );
}

function checkBranch(key: string, branch: unknown): void {
  if (isSelectable(branch) || typeof branch === 'function') return;
  if (typeof branch === 'object' && branch !== null && typeof (branch as PromiseLike<unknown>).then === 'function')
    return;
  throw new TypeError(
    `select: branch '${key}' must be a weft receiver, a CancellationToken, a function (signal) => PromiseLike or a promise`,
  );
}

function shuffle(keys: string[]): void {
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(scheduler.random() * (i + 1));
    const t = keys[i]!;
    keys[i] = keys[j]!;
    keys[j] = t;
  }
}
