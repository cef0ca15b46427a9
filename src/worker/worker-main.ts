/**
 * The entry of every weft thread. Each thread runs a weft current-thread
 * runtime; every call it runs is a weft task there, so the task's signal fires
 * and its weft waits reject when the caller aborts it.
 *
 * - `pool` mode (multi-thread flavor): claims jobs from its own run queue in
 *   shared memory, then steals from the others'; runs many async tasks at once;
 *   claims in slices so its event loop stays responsive, and so that jobs it
 *   has not started remain stealable; spins briefly when out of work, then
 *   parks with `Atomics.waitAsync` (its event loop keeps running).
 * - `blocking` mode: one call at a time, sent by message.
 *
 * Results go back in batches: one message per turn of the thread's event loop;
 * a lone call's result (nothing else running or queued) goes out the moment
 * it is ready.
 */
import { workerData, type MessagePort, type TransferListItem } from 'node:worker_threads';
import { currentRuntime } from '../runtime/runtime.js';
import { RESOLVED } from '../core/promise.js';
import { scheduler } from '../core/scheduler.js';
import { Outcome, type Task, type TaskOwner } from '../task/task.js';
import { resolveTask, type AnyTaskFn } from './define-task.js';
import { encodeThrown, plainThrown, type EncodedThrown } from './error-codec.js';
import { readArgs } from './args-codec.js';
import { dropEnd, reviveArgs, type Closable } from './channel-wire.js';
// The job outcome codes the main thread reads back: one definition for both sides.
import { OK, FAILED, CANCELLED } from './remote-job.js';
import { takeTransfer, transfer } from './transfer.js';
import { inCallContext } from './trace-context.js';
import { isAborted, useAbortFlags, type FlaggedOwner } from './cancel-probe.js';
import {
  PoolMemory,
  JOB_CAP,
  POOL_STATE,
  SPINNERS,
  W_STATE,
  W_BELL,
  W_RUN,
  W_STOLEN,
  W_ACTIVE,
  RUNNING,
  SPINNING,
  PARKED,
  J_GEN,
  J_TASK,
  J_OFF,
  J_LEN,
  J_KIND,
  J_ABORT,
  KIND_MAP,
  KIND_TRACED,
  type SharedPool,
} from './steal-queue.js';

/** `Atomics.waitAsync` (ES2024; typed here because the project's lib is ES2023). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(array: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

/** Most jobs claimed in one turn of the event loop. */
const BATCH = 256;
/** Stop claiming for this turn once this many ms went by (a CPU-bound job ends the turn). */
const SLICE_MS = 1;
/** At most this many workers spin at once: a spinning thread takes a core the caller may need. */
const MAX_SPINNERS = 1;
/** How long an idle worker watches the queues before it parks. */
const SPIN_MS = 0.05;
/** After fruitless spins, at most this many idle periods in a row park without spinning (see `spin`). */
const SPIN_BACKOFF = 64;

const data = workerData as {
  mode: 'pool' | 'blocking';
  port: MessagePort;
  index: number;
  shared: SharedPool;
  flags: Int32Array;
  threadName: string;
};
const port = data.port;
const rt = currentRuntime();

// ---- results, batched per turn -------------------------------------------------

let out: unknown[] = [];
let outLists: (TransferListItem[] | undefined)[] = [];
let anyList = false;
let flushQueued = false;
/** True while the pool loop claims and runs jobs: it flushes when it stops. */
let claiming = false;

/**
 * Pool mode: called when a call's result is ready while the pool loop claims.
 * True when this worker is about to go idle (so the result should go out now,
 * not after the loop has looked for more work).
 */
let goingIdle: () => boolean = () => false;

function report(j: number, gen: number, status: number, value: unknown, list: TransferListItem[] | undefined): void {
  out.push(j, gen, status, value);
  outLists.push(list);
  if (list !== undefined) anyList = true;
  if (claiming) {
    // A lone call (a caller awaiting each result before the next call): its
    // result goes out the moment it is ready, not after the loop has looked
    // for more work; in a burst the queues still hold work and results batch.
    if (goingIdle()) flush();
  } else if (!flushQueued) {
    flushQueued = true;
    setImmediate(flush);
  }
}

function flush(): void {
  flushQueued = false;
  if (out.length === 0) return;
  const batch = out;
  const lists = outLists;
  const hasLists = anyList;
  out = [];
  outLists = [];
  anyList = false;
  try {
    port.postMessage(batch, hasLists ? lists.flatMap((l) => l ?? []) : undefined);
    return;
  } catch {
    // Something in the batch cannot be cloned: send one by one, and turn what fails into an error.
  }
  for (let i = 0; i < batch.length; i += 4) {
    const item = batch.slice(i, i + 4);
    try {
      port.postMessage(item, lists[i / 4]);
    } catch (err) {
      item[3] =
        item[2] === FAILED
          ? plainThrown(item[3] as EncodedThrown)
          : encodeThrown(
              new TypeError('the task returned a value that cannot be sent across threads', { cause: err }),
              true,
            );
      item[2] = FAILED;
      port.postMessage(item);
    }
  }
}

function reportTask(j: number, gen: number, task: Task): void {
  if (task.outcome === Outcome.Ok) {
    const value = task.result;
    report(j, gen, OK, value, takeTransfer(value));
  } else if (task.outcome === Outcome.Cancelled) {
    report(j, gen, CANCELLED, undefined, undefined);
  } else {
    report(j, gen, FAILED, encodeThrown(task.result), undefined);
  }
}

// ---- running calls ----------------------------------------------------------------

const running = new Map<number, Task>();
/** Abort reasons that arrived before their job's task started. */
const earlyAborts = new Map<number, unknown>();
/** Jobs whose module is loading (job → generation): an abort for one of them is kept until it starts. */
const loadingJobs = new Map<number, number>();
/** Channel ends that came with a call (by job): they belong to it and close when it settles. */
const owned = new Map<number, Closable[]>();

function adopt(j: number, args: unknown[]): void {
  owned.set(j, reviveArgs(args));
}

function release(j: number): void {
  const ends = owned.get(j);
  if (ends === undefined) return;
  owned.delete(j);
  for (const end of ends) dropEnd(end);
}
const runningGen = new Int32Array(data.mode === 'pool' ? JOB_CAP : 1);
let onDone: (j: number) => void = () => {};

/**
 * The owner of call `j`'s task: told synchronously when the task finishes, so
 * the result goes out with this turn's batch. One per job-table index, made
 * once and reused by every call that gets that index (a per-task lookup table
 * would cost a hash-table write and read per call).
 */
class CallOwner implements TaskOwner, FlaggedOwner {
  /** The word of the running call's abort flag (`cancel-probe.ts`). */
  flag = 0;
  constructor(readonly j: number) {}
  taskDone(task: Task): void {
    const j = this.j;
    running.delete(j);
    release(j);
    onDone(j);
    reportTask(j, runningGen[data.mode === 'pool' ? j : 0]!, task);
  }
}
const owners: (CallOwner | undefined)[] = [];

function ownerOf(j: number): CallOwner {
  if (data.mode !== 'pool') return new CallOwner(j); // job ids are not reused there
  return (owners[j] ??= new CallOwner(j));
}

/** Runs `fn` as a weft task: `fn(...args)`, or for a map job `args[0].map(fn)` in order. */
function run(j: number, gen: number, fn: AnyTaskFn, kind: number, args: unknown[], name: string, flag: number): void {
  const traceparent = (kind & KIND_TRACED) === 0 ? undefined : (args.pop() as string);
  kind &= ~KIND_TRACED;
  const body = kind === KIND_MAP ? mapBody(fn, args[0] as ArrayLike<unknown>) : () => fn(...args);
  const owner = ownerOf(j);
  owner.flag = flag;
  // The task captures the caller's trace context (when the call carried one) at its spawn.
  const task =
    traceparent === undefined
      ? rt.spawnTask(body, name, owner)
      : inCallContext(traceparent, () => rt.spawnTask(body, name, owner));
  running.set(j, task);
  runningGen[data.mode === 'pool' ? j : 0] = gen;
  // Aborted while its module was loading: it ends cancelled without running.
  const early = earlyAborts.get(j);
  earlyAborts.delete(j);
  if (isAborted(task)) task.abort(early);
}

/**
 * A map job: `fn` over the items in order, awaiting a result that is a
 * promise. While every result is a number they are kept in a Float64Array,
 * which goes back by transfer, not by structured clone.
 */
function mapBody(fn: AnyTaskFn, items: ArrayLike<unknown>): (task: unknown) => Promise<ArrayLike<unknown>> {
  return async (ctx) => {
    const task = ctx as Task;
    const n = items.length;
    let numbers: Float64Array | undefined = new Float64Array(n);
    let values: unknown[] | undefined;
    for (let i = 0; i < n; i++) {
      if ((i & 63) === 0 && isAborted(task)) throw task.cancelError();
      let value = fn(items[i]);
      if (value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function') {
        value = await (value as PromiseLike<unknown>);
      }
      if (numbers !== undefined) {
        if (typeof value === 'number') {
          numbers[i] = value;
          continue;
        }
        values = Array.from(numbers.subarray(0, i));
        numbers = undefined;
        values.length = n;
      }
      values![i] = value;
    }
    return numbers !== undefined ? transfer(numbers, [numbers.buffer as ArrayBuffer]) : values!;
  };
}

/** Runs a job once its function is known; a job whose module failed to load fails with that error. */
function start(
  j: number,
  gen: number,
  url: string,
  name: string,
  kind: number,
  args: unknown[],
  flag: number,
  cached: AnyTaskFn | undefined,
  remember: (fn: AnyTaskFn) => void,
): Promise<void> | undefined {
  const found = cached ?? resolveTask(url, name);
  if (typeof found === 'function') {
    run(j, gen, found, kind, args, name, flag);
    return undefined;
  }
  loadingJobs.set(j, gen);
  return found.then(
    (fn) => {
      loadingJobs.delete(j);
      remember(fn);
      run(j, gen, fn, kind, args, name, flag);
    },
    (err: unknown) => {
      loadingJobs.delete(j);
      earlyAborts.delete(j);
      release(j);
      onDone(j);
      report(j, gen, FAILED, encodeThrown(err), undefined);
    },
  );
}

/**
 * A message from the calling thread: `t` 'job' (a call sent by message: a
 * pinned or blocking call; `ch` when channel ends came with it) or 'abort'.
 * Pool mode names the task by index, blocking mode by module URL and name.
 */
interface JobMessage {
  t: string;
  j: number;
  gen: number;
  kind: number;
  args: unknown[];
  ch: boolean;
  reason: unknown;
}

function onAbort(message: { j: number; gen: number; reason: unknown }): void {
  const task = running.get(message.j);
  if (task === undefined) {
    // Still loading its module: abort it when it starts. (Else it has finished: nothing to do.)
    if (loadingJobs.get(message.j) === message.gen) earlyAborts.set(message.j, message.reason);
  } else if (runningGen[data.mode === 'pool' ? message.j : 0] === message.gen) task.abort(message.reason);
}

// ---- pool mode ------------------------------------------------------------------------

function poolMode(): void {
  const mem = new PoolMemory(data.shared);
  const i32 = mem.i32;
  const bytes = Buffer.from(mem.arena.buffer, mem.arena.byteOffset, mem.arena.byteLength);
  const me = data.index;
  const n = mem.workers;
  const stateWord = mem.w(me, W_STATE);
  const bellWord = mem.w(me, W_BELL);
  const activeWord = mem.w(me, W_ACTIVE);
  const runWord = mem.w(me, W_RUN);
  const stolenWord = mem.w(me, W_STOLEN);
  const fns: (AnyTaskFn | undefined)[] = [];
  const names: ([string, string] | undefined)[] = [];
  useAbortFlags(i32);
  onDone = () => {
    Atomics.sub(i32, activeWord, 1);
    Atomics.add(i32, runWord, 1);
  };

  const hasWork = (): boolean => {
    for (let w = 0; w < n; w++) if (mem.depth(w) > 0) return true;
    return false;
  };
  let markedIdle = false;
  goingIdle = () => {
    if (running.size > 0 || hasWork()) return false;
    markedIdle = true;
    // Marked before the result is posted: the caller's next call, placed as soon
    // as the result arrives, must find this worker ready (placement prefers a
    // spinning worker, and does not ring one). The loop still looks at the
    // queues before it parks, so a call placed here is never missed.
    Atomics.store(i32, stateWord, SPINNING);
    return true;
  };

  // A spin that ends without work was worse than useless when the machine has
  // no core to spare: the caller's thread, woken by the results just posted,
  // was then often scheduled on this very core and waited for the spin to end
  // (measured on a loaded 2-core VM: the result reached the caller ~50 µs late,
  // just after the spin gave up). So after a fruitless spin the next 1, 2, 4 ...
  // up to SPIN_BACKOFF idle periods park at once, and a spin that finds work
  // resets that: serial calls on a machine with a free core keep spinning.
  let spinSkip = 0;
  let spinMisses = 0;
  const spin = (): boolean => {
    if (spinSkip > 0) {
      spinSkip--;
      return hasWork();
    }
    if (Atomics.add(i32, SPINNERS, 1) >= MAX_SPINNERS) {
      Atomics.sub(i32, SPINNERS, 1);
      return hasWork();
    }
    const until = performance.now() + SPIN_MS;
    let found = false;
    do {
      for (let k = 0; k < 32 && !found; k++) found = hasWork();
    } while (!found && performance.now() < until);
    Atomics.sub(i32, SPINNERS, 1);
    if (found) spinMisses = 0;
    else {
      spinSkip = Math.min(2 ** spinMisses, SPIN_BACKOFF);
      if (spinMisses < 16) spinMisses++;
    }
    return found;
  };

  let victim = (me + 1) % n;
  const steal = (): number => {
    for (let k = 1; k < n; k++) {
      const w = (victim + k - 1) % n;
      if (w === me) continue;
      const j = mem.claim(w, me);
      if (j >= 0) {
        victim = w;
        return j;
      }
    }
    return -1;
  };

  const startClaimed = (j: number): Promise<void> | undefined => {
    Atomics.add(i32, activeWord, 1);
    const taskIndex = i32[mem.j(j, J_TASK)]!;
    const gen = i32[mem.j(j, J_GEN)]!;
    const off = i32[mem.j(j, J_OFF)]!;
    const len = i32[mem.j(j, J_LEN)]!;
    const kind = i32[mem.j(j, J_KIND)]!;
    const [url, name] = (names[taskIndex] ??= mem.readName(taskIndex));
    let args: unknown[];
    try {
      args = readArgs(bytes, off, len);
    } catch (err) {
      onDone(j);
      report(j, gen, FAILED, encodeThrown(err), undefined);
      return undefined;
    }
    const flag = mem.j(j, J_ABORT);
    return start(j, gen, url, name, kind, args, flag, fns[taskIndex], (fn) => (fns[taskIndex] = fn));
  };

  port.on('message', (message: JobMessage & { task: number }) => {
    if (message.t === 'abort') {
      onAbort(message);
      return;
    }
    if (message.ch) adopt(message.j, message.args);
    // A pinned job, sent to this worker by message (transferred arguments).
    Atomics.add(i32, activeWord, 1);
    const [url, name] = (names[message.task] ??= mem.readName(message.task));
    const flag = mem.j(message.j, J_ABORT);
    void start(message.j, message.gen, url, name, message.kind, message.args, flag, fns[message.task], (fn) => {
      fns[message.task] = fn;
    });
  });

  const loop = async (): Promise<void> => {
    for (;;) {
      if (Atomics.load(i32, POOL_STATE) !== 0) return;
      let ran = 0;
      let full = false;
      const began = performance.now();
      claiming = true;
      for (;;) {
        let j = mem.claim(me, me);
        if (j < 0) {
          j = steal();
          if (j < 0) break;
          Atomics.add(i32, stolenWord, 1);
        }
        if (markedIdle) {
          markedIdle = false; // marked idle by the last result, and found more work
          Atomics.store(i32, stateWord, RUNNING);
        }
        const loading = startClaimed(j);
        if (loading !== undefined) await loading;
        await RESOLVED; // the job's body runs its synchronous part now
        if (++ran >= BATCH || performance.now() - began >= SLICE_MS) {
          full = true;
          break;
        }
      }
      claiming = false;
      if (full) {
        flush(); // what finished in this slice goes out in one message
        // A full slice: let timers, I/O and abort messages have their turn.
        await scheduler.hop();
        continue;
      }
      // Out of work: watch the queues a moment, then park. Marked spinning
      // before the results go out (see goingIdle).
      markedIdle = false;
      Atomics.store(i32, stateWord, SPINNING);
      flush();
      if (spin()) {
        Atomics.store(i32, stateWord, RUNNING);
        continue;
      }
      const bell = Atomics.load(i32, bellWord);
      Atomics.store(i32, stateWord, PARKED);
      if (hasWork() || Atomics.load(i32, POOL_STATE) !== 0) {
        Atomics.store(i32, stateWord, RUNNING);
        continue;
      }
      const wait = waitAsync(i32, bellWord, bell);
      if (wait.async) await wait.value;
      Atomics.store(i32, stateWord, RUNNING);
    }
  };
  port.postMessage({ t: 'ready' });
  void loop();
}

// ---- blocking mode ----------------------------------------------------------------

function blockingMode(): void {
  useAbortFlags(data.flags);
  port.on('message', (message: JobMessage & { url: string; name: string }) => {
    if (message.t === 'abort') {
      onAbort(message);
      return;
    }
    if (message.ch) adopt(message.j, message.args);
    void start(message.j, message.gen, message.url, message.name, message.kind, message.args, 0, undefined, () => {});
  });
  port.postMessage({ t: 'ready' });
}

if (data.mode === 'pool') poolMode();
else blockingMode();
