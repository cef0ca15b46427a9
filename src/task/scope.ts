import { currentFrame } from '../core/context.js';
import { CancelHook } from '../core/cancel-hook.js';
import { signalOf, func } from '../core/validate.js';
import { currentHost, spawnName, type SpawnOptions } from './host.js';
import { CancellationToken } from './cancellation-token.js';
import { CancelledError } from './errors.js';
import { Outcome, type Task, type TaskBody, type TaskOwner } from './task.js';
import type { JoinHandle } from './join-handle.js';

const scopeSite = { op: 'scope' };

/** What a `scope()` body spawns its children through. */
export interface Scope {
  /** Spawns a child that cannot outlive the scope. */
  spawn<U>(fn: TaskBody<U>, options?: SpawnOptions): JoinHandle<U>;
  /** Aborts when the scope is cancelled: a child failed, the body failed, or the scope was aborted. */
  readonly signal: AbortSignal;
}

class ScopeGroup implements Scope, TaskOwner {
  readonly token = new CancellationToken();
  #live = new Set<Task>();
  #failed = false;
  #failure: unknown = undefined;
  #settle: (() => void) | undefined = undefined;
  /** Every task of the scope has settled and scope() returned: nothing may start in it any more. */
  #ended = false;

  get signal(): AbortSignal {
    return this.token.signal;
  }

  spawn<U>(fn: TaskBody<U>, options?: SpawnOptions): JoinHandle<U> {
    func(fn, 'Scope.spawn', 'the task body');
    return this.start(fn, spawnName(options)).handle as JoinHandle<U>;
  }

  start(fn: TaskBody<unknown>, name: string | undefined): Task {
    const task = currentHost().spawnTask(fn, name, this);
    if (this.#ended) {
      // Nothing spawned through a scope may outlive it: cancelled before it starts.
      task.abort(new CancelledError('the scope has ended'));
      return task;
    }
    this.#live.add(task);
    if (this.token.isCancelled) task.abort(this.token.reason);
    return task;
  }

  taskDone(task: Task): void {
    if (!this.#live.delete(task)) return;
    if (task.outcome === Outcome.Failed) this.fail(task.result);
    if (this.#live.size === 0) this.#settle?.();
  }

  /** The first failure wins; everything still running is aborted. */
  fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#failure = error;
    this.cancel(error);
  }

  cancel(reason: unknown): void {
    this.token.cancel(reason);
    for (const task of this.#live) task.abort(reason);
  }

  /** Resolves once no task of the scope is alive; then rejects with the first failure, if any. */
  settled(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#settle = () => {
        this.#ended = true;
        if (this.#failed) reject(this.#failure);
        else resolve();
      };
      if (this.#live.size === 0) this.#settle();
    });
  }
}

/**
 * Structured concurrency: runs `body` with a `Scope` to spawn children
 * through, and returns only after every child has settled. The first failure
 * (of a child or of the body) aborts the other children and the body, and
 * `scope` rejects with that failure (the thrown value itself, not a JoinError).
 * The body runs as a task of its own that sees the caller's task-local values.
 *
 * A child spawned through the `Scope` after `scope` returned is cancelled
 * before it starts.
 *
 * @throws TypeError if `body` is not a function or `options.signal` is not an AbortSignal
 *
 * **Cancellation**: aborting `options.signal` or the calling task aborts the
 * body and every child; `scope` still waits for them to settle, then rejects
 * with the abort reason.
 *
 * @example
 * ```ts
 * import { scope, sleep } from 'weft';
 * const total = await scope(async (s) => {
 *   const a = s.spawn(async () => { await sleep(5); return 1; });
 *   const b = s.spawn(async () => 2);
 *   return (await a) + (await b);
 * });
 * console.assert(total === 3);
 * ```
 */
export function scope<T>(body: (s: Scope) => Promise<T>, options?: { signal?: AbortSignal }): Promise<T> {
  func(body, 'scope', 'body');
  return run(body, signalOf(options, 'scope'));
}

async function run<T>(body: (s: Scope) => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  const group = new ScopeGroup();
  const hook = new CancelHook(signal, (reason) => group.fail(reason), scopeSite);
  const locals = currentFrame()?.locals;
  const root = group.start(() => body(group), 'scope');
  root.locals = locals;
  try {
    await group.settled();
  } finally {
    hook.release();
  }
  return root.result as T;
}
