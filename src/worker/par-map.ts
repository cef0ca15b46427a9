import { currentRuntime } from '../runtime/runtime.js';
import { CancelHook } from '../core/cancel-hook.js';
import { integer } from '../core/validate.js';
import { RuntimeShutdownError, type JoinError } from '../task/errors.js';
import type { JoinHandle } from '../task/join-handle.js';
import { taskDefArg, type TaskDef } from './define-task.js';
import { hubFor } from './hub.js';
import { spawnJob } from './spawn.js';
import { RemoteJob } from './remote-job.js';
import { KIND_MAP } from './pool/shared-memory.js';
import { MAX_BLOCK } from './pool/arena.js';

/** Chunks per worker when no `chunkSize` is given: enough for stealing to even out uneven items. */
const CHUNKS_PER_WORKER = 8;

/**
 * Maps `task` over `items` on the worker threads of the current multi-thread
 * runtime, and resolves with the results in input order (rayon's
 * `par_iter().map()`). Items go in chunks of `chunkSize`, one call per chunk,
 * placed on the workers' queues so idle workers steal chunks from busy ones.
 * Within a chunk, items are mapped one after the other (an async `task` is
 * awaited item by item).
 *
 * **Cancellation**: aborting the calling task aborts every chunk (a chunk
 * running on a worker stops before its next item) and rejects with the
 * task's `CancelledError` once all chunks have settled. The first chunk that
 * fails aborts the others the same way, and `parMap` rejects with what the
 * task threw (a `WorkerCrashedError` if its worker died).
 *
 * @param items the items; an iterable is read to the end first
 * @param task a one-argument `TaskDef` from `defineTask`
 * @param options `chunkSize`: items per call, an integer >= 1; default
 *   `ceil(items / (8 × workerThreads))`
 * @returns the results, `results[i] = task(items[i])`
 * @throws TypeError if `items` is not iterable or `task` is not a `TaskDef`
 * @throws RangeError if `chunkSize` is not a positive integer
 * @throws RuntimeFlavorError if the current runtime is current-thread
 *
 * @example
 * ```ts
 * import { defineTask, parMap } from 'weft/worker';
 * import { Runtime } from 'weft';
 * import { isMainThread } from 'node:worker_threads';
 * export const square = defineTask(import.meta.url, 'square', (n: number) => n * n);
 * if (isMainThread) {
 *   const rt = Runtime.builder().multiThread().workerThreads(2).build();
 *   const squares = await rt.run(() => parMap([1, 2, 3, 4, 5], square, { chunkSize: 2 }));
 *   console.assert(squares.join() === '1,4,9,16,25');
 *   await rt.shutdown();
 * }
 * ```
 */
export function parMap<T, R>(
  items: Iterable<T>,
  task: TaskDef<[T], R>,
  options?: { chunkSize?: number },
): Promise<R[]> {
  const def = taskDefArg(task, 'parMap');
  if (items === null || items === undefined || typeof (items as Iterable<T>)[Symbol.iterator] !== 'function') {
    throw new TypeError('parMap: items must be iterable');
  }
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError('parMap: options must be an object');
  }
  const chunkSize =
    options?.chunkSize === undefined ? undefined : integer(options.chunkSize, 'parMap', 'chunkSize', 1, 2 ** 31 - 1);
  const rt = currentRuntime();
  if (rt.isShutdown) return Promise.reject(new RuntimeShutdownError('parMap: the runtime has shut down'));
  const pool = hubFor(rt).pool('parMap');
  const list = Array.isArray(items) ? (items as T[]) : Array.from(items);
  const n = list.length;
  if (n === 0) return Promise.resolve([]);
  const size = chunkSize ?? Math.max(1, Math.ceil(n / (pool.size * CHUNKS_PER_WORKER)));
  // Numbers go as float64s: one conversion here, then each chunk is a plain copy into shared
  // memory (a chunk too big for it is sent by message: a copy, not a view of the whole array).
  const numbers = allNumbers(list) ? new Float64Array(list as number[]) : undefined;
  const viewable = 8 + size * 8 <= MAX_BLOCK;
  const handles: JoinHandle<unknown>[] = [];
  for (let at = 0; at < n; at += size) {
    const end = at + size;
    const chunk =
      numbers === undefined ? list.slice(at, end) : viewable ? numbers.subarray(at, end) : numbers.slice(at, end);
    handles.push(spawnJob(rt, pool, new RemoteJob(def, KIND_MAP, [chunk], undefined)));
  }
  return collect<R>(handles, n);
}

function allNumbers(list: readonly unknown[]): boolean {
  for (let i = 0; i < list.length; i++) if (typeof list[i] !== 'number') return false;
  return true;
}

async function collect<R>(handles: JoinHandle<unknown>[], n: number): Promise<R[]> {
  // Each chunk's values (an array, or a Float64Array for numbers), joined in order at the end.
  const parts = new Array<ArrayLike<R> | undefined>(handles.length).fill(undefined);
  let failed = false;
  let failure: unknown;
  let cancelled = false;
  let reason: unknown;
  const abortAll = (why: unknown): void => {
    for (const h of handles) h.abort(why);
  };
  const hook = new CancelHook(undefined, (why) => {
    cancelled = true;
    reason = why;
    abortAll(why);
  });
  await Promise.all(
    handles.map((handle, k) =>
      handle.then(
        (chunk) => {
          parts[k] = chunk as ArrayLike<R>;
        },
        (err: unknown) => {
          if (failed || cancelled) return;
          failed = true;
          failure = (err as JoinError).isFailed() ? (err as JoinError).cause : err;
          abortAll(failure);
        },
      ),
    ),
  );
  hook.release();
  if (cancelled) throw reason;
  if (failed) throw failure;
  const results = new Array<R>(n);
  let at = 0;
  for (const part of parts as ArrayLike<R>[]) for (let i = 0; i < part.length; i++) results[at++] = part[i]!;
  return results;
}
