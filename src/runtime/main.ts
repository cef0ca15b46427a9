import { inspect } from 'node:util';
import { func, duration } from '../core/validate.js';
import { CancelledError, formatCauseChain } from '../task/errors.js';
import type { Task, TaskContext } from '../task/task.js';
import { Runtime } from './runtime.js';

const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Runs `fn` as a program's root task (Tokio's `#[tokio::main]`): SIGINT and
 * SIGTERM cancel the root task (its signal fires, its weft waits reject) and
 * the runtime shuts down within `shutdownTimeout` ms (default 10,000); a
 * second signal exits at once. Sets `process.exitCode`: 0 on success, 1 on
 * failure (printed to stderr with its `cause` chain), 128+signal when stopped
 * by a signal. Never rejects.
 *
 * @throws TypeError if `fn` is not a function or `options.runtime` not a
 *   Runtime; RangeError for a negative or NaN `shutdownTimeout`
 *
 * @example
 * ```ts
 * import { main, sleep } from 'weft';
 * await main(async (task) => {
 *   await sleep(1, { signal: task.signal });
 * });
 * ```
 */
export function main<T>(
  fn: (task: TaskContext) => T | PromiseLike<T>,
  options?: { runtime?: Runtime; shutdownTimeout?: number },
): Promise<void> {
  // Not async: bad input throws synchronously, before any signal handler is installed.
  func(fn, 'main', 'fn');
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`main: options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  if (options?.runtime !== undefined && !(options.runtime instanceof Runtime)) {
    throw new TypeError('main: options.runtime must be a Runtime');
  }
  const shutdownTimeout =
    options?.shutdownTimeout === undefined ? 10_000 : duration(options.shutdownTimeout, 'main', 'shutdownTimeout');
  return runMain(fn, options?.runtime ?? new Runtime(), shutdownTimeout);
}

async function runMain<T>(
  fn: (task: TaskContext) => T | PromiseLike<T>,
  runtime: Runtime,
  shutdownTimeout: number,
): Promise<void> {
  let root: Task | undefined;
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stoppedBy !== undefined) {
      process.stderr.write(`weft: second ${sig}, exiting now\n`);
      process.exit(SIGNAL_EXIT_CODES[sig] ?? 1);
    }
    stoppedBy = sig;
    root?.abort(new CancelledError(`received ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await runtime.runRoot(fn, (task) => (root = task));
    process.exitCode = stoppedBy === undefined ? 0 : (SIGNAL_EXIT_CODES[stoppedBy] ?? 1);
  } catch (err) {
    if (stoppedBy !== undefined) {
      process.exitCode = SIGNAL_EXIT_CODES[stoppedBy] ?? 1;
    } else {
      process.exitCode = 1;
      process.stderr.write(`Error: ${formatCauseChain(err)}\n${inspect(err)}\n`);
    }
  } finally {
    await runtime.shutdown({ timeout: shutdownTimeout });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
