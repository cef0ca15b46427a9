import { CancelHook } from '../core/cancel-hook.js';
import { func } from '../core/validate.js';
import { CancelledError } from '../task/errors.js';

const joinSite = { op: 'join' };

type Work = (signal: AbortSignal) => unknown;
type Results<T extends readonly Work[]> = { -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> };

function start(fns: readonly Work[], name: string): { controllers: AbortController[]; promises: Promise<unknown>[] } {
  fns.forEach((fn, i) => func(fn, name, `argument ${i}`));
  const controllers = fns.map(() => new AbortController());
  const promises = fns.map((fn, i) => {
    try {
      return Promise.resolve(fn(controllers[i]!.signal));
    } catch (err) {
      return Promise.reject(err);
    }
  });
  return { controllers, promises };
}

/**
 * Runs every function concurrently (each with its own signal) and waits until
 * all have settled; resolves with their values in argument order, or rejects
 * with the first error to occur (after all have settled).
 *
 * **Cancellation**: aborting the calling task aborts every function's signal;
 * `join` still waits for them to settle.
 *
 * @example
 * ```ts
 * import { join, sleep } from 'weft';
 * const [a, b] = await join(async () => 1, async (signal) => { await sleep(1, { signal }); return 'b'; });
 * console.assert(a === 1 && b === 'b');
 * ```
 */
export function join<T extends readonly Work[]>(...fns: T): Promise<Results<T>> {
  const { controllers, promises } = start(fns, 'join');
  const hook = new CancelHook(undefined, (reason) => controllers.forEach((c) => c.abort(reason)), joinSite);
  let failed = false;
  let firstError: unknown;
  const noteError = (err: unknown): void => {
    if (!failed) {
      failed = true;
      firstError = err;
    }
  };
  for (const p of promises) p.catch(noteError);
  return Promise.allSettled(promises).then((settled) => {
    hook.release();
    if (failed) throw firstError;
    return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as Results<T>;
  });
}

/**
 * Like `join`, but the first error aborts the other functions' signals and
 * rejects at once (Tokio's `try_join!`).
 *
 * **Cancellation**: aborting the calling task aborts every function's signal.
 */
export function tryJoin<T extends readonly Work[]>(...fns: T): Promise<Results<T>> {
  const { controllers, promises } = start(fns, 'tryJoin');
  const abortAll = (reason: unknown): void => controllers.forEach((c) => c.abort(reason));
  const hook = new CancelHook(undefined, abortAll, joinSite);
  return Promise.all(promises).then(
    (values) => {
      hook.release();
      return values as Results<T>;
    },
    (err: unknown) => {
      hook.release();
      abortAll(new CancelledError('a sibling in tryJoin failed', { cause: err }));
      throw err;
    },
  );
}
