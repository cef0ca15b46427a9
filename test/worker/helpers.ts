/** Shared by the weft/worker tests. */
import assert from 'node:assert/strict';
import { JoinError, type Runtime } from 'weft';
import { workerMetrics } from 'weft/worker';

/** Waits (real time) until `check()` holds, failing after `ms`. */
export async function eventually(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Asserts that every weft thread of the process has exited. */
export async function noThreadsLeft(): Promise<void> {
  await eventually(() => workerMetrics().liveThreads === 0, 5000, 'every weft thread to exit');
}

/** Runs `body` with `rt`, then shuts `rt` down and checks that no weft thread is left, even if `body` failed. */
export async function using<T>(rt: Runtime, body: (rt: Runtime) => Promise<T>): Promise<T> {
  try {
    return await body(rt);
  } finally {
    await rt.shutdown();
    await noThreadsLeft();
  }
}

/** What an awaited handle rejected with. */
export async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected a rejection');
}

/** The JoinError of a failed task, and its cause. */
export async function failure(promise: PromiseLike<unknown>): Promise<Error & Record<string, unknown>> {
  const err = await rejection(promise);
  assert.ok(err instanceof JoinError, `expected a JoinError, got ${String(err)}`);
  assert.ok(err.isFailed(), `expected a failed JoinError, got ${err.message}`);
  return err.cause as Error & Record<string, unknown>;
}

/** Asserts the handle settled as cancelled. */
export async function cancelled(promise: PromiseLike<unknown>): Promise<void> {
  const err = await rejection(promise);
  assert.ok(err instanceof JoinError, `expected a JoinError, got ${String(err)}`);
  assert.ok(err.isCancelled(), `expected a cancelled JoinError, got ${err.message}`);
}
