import { Parked, WaitQueue } from '../core/wait-queue.js';
import { signalOf, func } from '../core/validate.js';
import { currentHost, spawnName, type SpawnOptions } from './host.js';
import { Outcome, type Task, type TaskBody } from './task.js';
import type { JoinHandle } from './join-handle.js';

const site = { op: 'joinSet.joinNext' };

/** A joinNext() waiter: it receives a finished task and turns it into the value or a JoinError. */
class JoinWait<T> extends Parked<T | undefined> {
  deliver(task: Task): void {
    if (task.outcome === Outcome.Ok) this.complete(task.result as T);
    else this.fail(task.joinError());
  }
}

/**
 * A set of tasks joined in the order they complete (Tokio's `JoinSet`).
 * Dispose it (`await using`) to abort and await whatever is still in it.
 *
 * @example
 * ```ts
 * import { JoinSet, sleep } from 'weft';
 * await using set = new JoinSet<number>();
 * for (const ms of [30, 10, 20]) set.spawn(async () => { await sleep(ms); return ms; });
 * const first = await set.joinNext();
 * console.assert(first === 10);
 * ```
 */
export class JoinSet<T> implements AsyncDisposable {
  #tasks = new Set<Task>();
  /** Tasks of the set that have not finished yet. */
  #running = 0;
  /** Finished tasks not yet joined, oldest first (an array with a moving head: no shift()). */
  #finished: Task[] = [];
  #head = 0;
  #waiters = new WaitQueue<JoinWait<T>>();
  /** shutdown() calls waiting for the running tasks to finish. */
  #idle: Array<() => void> | undefined = undefined;

  /** Tasks in the set: running, or finished and not yet joined. */
  get size(): number {
    return this.#tasks.size;
  }

  /** Spawns a task into the set on the current runtime. */
  spawn(fn: TaskBody<T>, options?: SpawnOptions): JoinHandle<T> {
    func(fn, 'JoinSet.spawn', 'the task body');
    const task = currentHost().spawnTask(fn, spawnName(options), this);
    this.#tasks.add(task);
    this.#running++;
    return task.handle as JoinHandle<T>;
  }

  /** @internal (TaskOwner) A task of this set has finished. */
  taskDone(task: Task): void {
    if (!this.#tasks.has(task)) return;
    this.#running--;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      // The result leaves the set in the same step that resolves the waiter: cancel-safe.
      this.#tasks.delete(task);
      waiter.deliver(task);
    } else {
      this.#finished.push(task);
    }
    if (this.#running === 0) this.#wakeIdle();
  }

  #wakeIdle(): void {
    const idle = this.#idle;
    this.#idle = undefined;
    if (idle !== undefined) for (const wake of idle) wake();
  }

  /**
   * Waits for the next task to finish and returns its value; rejects with its
   * `JoinError` if it failed or was aborted; resolves `undefined` when the set is empty.
   *
   * **Cancellation**: cancel-safe. If the wait is aborted, no task's result is
   * taken: it stays in the set for the next call.
   */
  joinNext(options?: { signal?: AbortSignal }): Promise<T | undefined> {
    const signal = signalOf(options, 'JoinSet.joinNext');
    if (signal?.aborted) return Promise.reject(signal.reason);
    const task = this.#takeFinished();
    if (task !== undefined) {
      return task.outcome === Outcome.Ok ? Promise.resolve(task.result as T) : Promise.reject(task.joinError());
    }
    if (this.#tasks.size === 0) return Promise.resolve(undefined);
    const w = new JoinWait<T>();
    const promise = w.park(signal, site);
    if (!w.settled) this.#waiters.push(w);
    return promise;
  }

  /** The next finished task's value without waiting; undefined if none has finished. @throws JoinError for a failed or aborted task */
  tryJoinNext(): T | undefined {
    const task = this.#takeFinished();
    if (task === undefined) return undefined;
    if (task.outcome === Outcome.Ok) return task.result as T;
    throw task.joinError();
  }

  /**
   * Waits for every task; resolves with their values in completion order. On
   * the first failure it aborts the rest, waits for them, and rejects with that failure.
   */
  async joinAll(): Promise<T[]> {
    const values: T[] = [];
    try {
      while (this.#tasks.size > 0) values.push((await this.joinNext()) as T);
    } catch (err) {
      await this.shutdown();
      throw err;
    }
    return values;
  }

  /** Aborts every task in the set; they stay in it until joined. */
  abortAll(): void {
    for (const task of this.#tasks) task.abort();
  }

  /** Removes every task from the set without aborting them; they run on, unowned. */
  detachAll(): void {
    for (const task of this.#tasks) {
      task.owner = undefined;
      task.observed = false;
    }
    this.#tasks.clear();
    this.#running = 0;
    this.#finished = [];
    this.#head = 0;
    // The set is empty now: pending joinNext() calls get what an empty set gives.
    this.#waiters.drain((w) => w.complete(undefined));
    this.#wakeIdle();
  }

  /**
   * Aborts every task and waits until all have finished; the set is then empty.
   *
   * **Cancellation**: none. This is cleanup: it runs to the end even when
   * called by an aborted task (`await using` in a task that is being aborted),
   * so nothing in the set outlives it.
   */
  async shutdown(): Promise<void> {
    while (this.#running > 0) {
      this.abortAll(); // again each round: a task's cleanup may spawn into the set
      await new Promise<void>((resolve) => (this.#idle ??= []).push(resolve));
    }
    this.#tasks.clear();
    this.#finished = [];
    this.#head = 0;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  #takeFinished(): Task | undefined {
    if (this.#head === this.#finished.length) return undefined;
    const task = this.#finished[this.#head]!;
    this.#finished[this.#head++] = undefined as unknown as Task;
    if (this.#head === this.#finished.length) {
      this.#finished = [];
      this.#head = 0;
    }
    this.#tasks.delete(task);
    return task;
  }
}
