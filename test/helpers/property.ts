/**
 * A small harness for concurrency properties over fast-check's scheduler.
 *
 * A property describes *actors*: async functions that use one primitive. Each
 * run builds a fresh state (`setup`), starts 2-8 actors (configurable), each
 * with its own list of generated operations, and lets `fc.scheduler()` pick
 * the interleaving: every `ctx.step()` is a point where the scheduler chooses
 * which actor goes next. Some actors are aborted at a random scheduled point,
 * either through their `AbortSignal` (`ctx.options`) or by aborting the weft
 * task they run in. The harness then checks that
 *
 * - every actor settles (no lost wake-up, no deadlock, no wait left behind);
 * - an actor rejects only with its own abort (or an error `expectedError`
 *   allows);
 * - nothing the actors reported through `ctx.assert` was violated;
 * - `check(state, outcomes)` holds once everything settled.
 *
 * Runs per property: `WEFT_PROPERTY_RUNS` (default 1,000). Each run starts
 * with a fresh cooperative budget (`yieldNow()`), so a seed replays exactly.
 *
 * ```ts
 * await runActors({
 *   setup: () => ({ m: new Mutex(), inside: 0 }),
 *   ops: fc.constant(null),
 *   async actor(ctx, st) {
 *     for (const _ of ctx.ops) {
 *       using _g = await st.m.lock(ctx.options);
 *       ctx.assert(++st.inside === 1, 'two holders');
 *       await ctx.step();
 *       st.inside--;
 *     }
 *   },
 * });
 * ```
 */
import fc from 'fast-check';
import { spawn, yieldNow, JoinError, type JoinHandle } from 'weft';

/** Runs per property: `WEFT_PROPERTY_RUNS`, default 1,000. */
export const PROPERTY_RUNS = runsFromEnv();

function runsFromEnv(): number {
  const raw = process.env['WEFT_PROPERTY_RUNS'];
  if (raw === undefined || raw === '') return 1000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`WEFT_PROPERTY_RUNS must be a positive integer, got ${raw}`);
  return n;
}

/** The reason an actor's signal is aborted with. */
export class ActorAbort extends Error {
  override readonly name = 'ActorAbort';
  constructor(readonly actor: number) {
    super(`actor ${actor} aborted by the harness`);
  }
}

/** How an actor is cancelled: its own AbortSignal, or an abort of the weft task it runs in. */
export type CancelVia = 'signal' | 'task';

/** What an actor gets. */
export interface ActorContext<Op> {
  /** 0-based index of the actor in this run. */
  readonly id: number;
  /** The operations generated for this actor (length within `steps`). */
  readonly ops: readonly Op[];
  /** Pass to every weft wait: holds the actor's signal when it is cancelled through one. */
  readonly options: { signal?: AbortSignal };
  /** How this actor may be cancelled. */
  readonly via: CancelVia;
  /** Whether the harness will abort this actor at some scheduled point. */
  readonly willAbort: boolean;
  /** A scheduled interleaving point: the scheduler decides who runs next. */
  step(label?: string): Promise<void>;
  /** Records a violated invariant (the run fails with `message`) and throws it. */
  assert(condition: boolean, message: string): void;
  /** Adds a line to the run's trace (shown in a counterexample). */
  trace(line: string): void;
  /**
   * Aborts actor `id` now, in this synchronous step (as the random aborts do,
   * but at a point the actor chooses: e.g. right after a notify). Drivers
   * cannot be aborted. Returns false if `id` is not an abortable actor.
   */
  abort(id: number): boolean;
  /** Number of actors in this run. */
  readonly actors: number;
}

/** How one actor ended. */
export type Outcome = { status: 'fulfilled'; value: unknown } | { status: 'rejected'; reason: unknown };

/** A property over interleaved actors. */
export interface ActorsSpec<State, Op, Config = undefined> {
  /** A generated configuration per run (e.g. the permit count), handed to `setup`. */
  config?: fc.Arbitrary<Config>;
  /** A fresh state (the primitive under test and bookkeeping) for each run. */
  setup(config: Config, actors: number): State;
  /** One generated operation; each actor gets an array of them. */
  ops: fc.Arbitrary<Op>;
  /** The actor body. */
  actor(ctx: ActorContext<Op>, state: State): Promise<unknown>;
  /** Checks run once every actor settled. Throw (or reject) to fail the run. */
  check?(state: State, outcomes: readonly Outcome[]): void | Promise<void>;
  /** An actor rejecting with an error this accepts is not a failure (e.g. ClosedError after close()). */
  expectedError?(error: unknown, state: State): boolean;
  /** Number of actors per run (default 2..8). */
  actors?: { min: number; max: number };
  /** Operations per actor (default 1..4). */
  steps?: { min: number; max: number };
  /** Probability that an actor is aborted at a random point (default 0.3). */
  abortProbability?: number;
  /** The first `drivers` actors are never aborted (e.g. a notifier that keeps the others going). Default 0. */
  drivers?: number;
  /** How aborted actors are cancelled (default both, chosen per actor). */
  cancelVia?: CancelVia | 'both';
  /** Runs (default PROPERTY_RUNS). */
  runs?: number;
  /** Seed for replaying a failure. */
  seed?: number;
}

interface Plan<Op> {
  ops: Op[];
  abort: boolean;
  via: CancelVia;
}

/** Fails if the property does not hold (fast-check reports the shrunk counterexample with its schedule). */
export async function runActors<State, Op, Config = undefined>(spec: ActorsSpec<State, Op, Config>): Promise<void> {
  await fc.assert(property(spec), parameters(spec));
}

/** Runs the property and returns fast-check's details instead of throwing (for planted-bug tests). */
export async function checkActors<State, Op, Config = undefined>(
  spec: ActorsSpec<State, Op, Config>,
): Promise<fc.RunDetails<unknown>> {
  return fc.check(property(spec), parameters(spec));
}

function parameters(spec: ActorsSpec<any, any, any>): fc.Parameters<unknown> {
  const p: fc.Parameters<unknown> = { numRuns: spec.runs ?? PROPERTY_RUNS };
  if (spec.seed !== undefined) p.seed = spec.seed;
  return p;
}

function property<State, Op, Config>(
  spec: ActorsSpec<State, Op, Config>,
): fc.IAsyncPropertyWithHooks<[Config, fc.Scheduler, Plan<Op>[]]> {
  const actors = spec.actors ?? { min: 2, max: 8 };
  const steps = spec.steps ?? { min: 1, max: 4 };
  const p = Math.round((spec.abortProbability ?? 0.3) * 100);
  const abort =
    p <= 0
      ? fc.constant(false)
      : p >= 100
        ? fc.constant(true)
        : fc.oneof({ arbitrary: fc.constant(false), weight: 100 - p }, { arbitrary: fc.constant(true), weight: p });
  const via: fc.Arbitrary<CancelVia> =
    spec.cancelVia === undefined || spec.cancelVia === 'both'
      ? fc.constantFrom('signal', 'task')
      : fc.constant(spec.cancelVia);
  const plan = fc.record({
    ops: fc.array(spec.ops, { minLength: steps.min, maxLength: steps.max }),
    abort,
    via,
  });
  return fc.asyncProperty(
    spec.config ?? (fc.constant(undefined) as fc.Arbitrary<Config>),
    fc.scheduler(),
    fc.array(plan, { minLength: actors.min, maxLength: actors.max }),
    (config, s, plans) => runOnce(spec, config, s, plans),
  );
}

async function runOnce<State, Op, Config>(
  spec: ActorsSpec<State, Op, Config>,
  config: Config,
  s: fc.Scheduler,
  generated: Plan<Op>[],
): Promise<void> {
  // Drivers are never aborted (a copy: generated values stay as fast-check made them).
  const drivers = spec.drivers ?? 0;
  const plans = generated.map((plan, id) => (id < drivers && plan.abort ? { ...plan, abort: false } : plan));
  // A fresh cooperative budget for each run, so that where a budget hop falls
  // does not depend on earlier runs (a seed replays the same run).
  await yieldNow();
  const state = spec.setup(config, plans.length);
  const violations: string[] = [];
  const traceLines: string[] = [];
  const outcomes: (Outcome | undefined)[] = plans.map(() => undefined);
  const cleanups: Array<() => void> = [];
  const aborted: boolean[] = plans.map(() => false);

  plans.forEach((plan, id) => {
    const controller = new AbortController();
    const ctx: ActorContext<Op> = {
      id,
      ops: plan.ops,
      options: plan.via === 'signal' ? { signal: controller.signal } : {},
      via: plan.via,
      willAbort: plan.abort,
      step: (label) => s.schedule(Promise.resolve(), `actor ${id}${label === undefined ? '' : `: ${label}`}`),
      assert(condition, message) {
        if (condition) return;
        violations.push(`actor ${id}: ${message}`);
        throw new Error(`invariant violated: ${message}`);
      },
      trace: (line) => traceLines.push(`actor ${id}: ${line}`),
      abort: (victim) => {
        if (!Number.isInteger(victim) || victim < drivers || victim >= plans.length) return false;
        traceLines.push(`actor ${id} aborts actor ${victim}`);
        aborted[victim] = true;
        cleanups[victim]!();
        return true;
      },
      actors: plans.length,
    };
    const body = async (): Promise<unknown> => {
      await s.schedule(Promise.resolve(), `actor ${id} starts`);
      return spec.actor(ctx, state);
    };
    let done: PromiseLike<unknown>;
    let cancel: () => void;
    if (plan.via === 'task') {
      const handle: JoinHandle<unknown> = spawn(body, { name: `actor ${id}` });
      done = handle;
      cancel = () => handle.abort(new ActorAbort(id));
    } else {
      done = body();
      cancel = () => controller.abort(new ActorAbort(id));
    }
    cleanups.push(cancel);
    if (plan.abort) {
      void s.schedule(Promise.resolve(), `abort actor ${id}`).then(() => {
        traceLines.push(`abort actor ${id}`);
        aborted[id] = true;
        cancel();
      });
    }
    done.then(
      (value) => (outcomes[id] = { status: 'fulfilled', value }),
      (reason: unknown) => (outcomes[id] = { status: 'rejected', reason }),
    );
  });

  const stuck = await drain(s, outcomes);
  if (stuck.length > 0) {
    // Unblock what is stuck so that no wait outlives the run, then report.
    for (const id of stuck) cleanups[id]!();
    await drain(s, outcomes);
    throw new Error(
      `actor(s) ${stuck.join(', ')} never settled (lost wake-up or deadlock)\n${traceLines.join('\n')}\n${s.report().length} scheduled steps`,
    );
  }
  if (violations.length > 0) throw new Error(`${violations.join('\n')}\n${traceLines.join('\n')}`);
  const settled = outcomes as Outcome[];
  settled.forEach((outcome, id) => {
    if (outcome.status === 'fulfilled') return;
    const reason = outcome.reason;
    if (aborted[id] && isAbortOf(reason, id)) return;
    // A task that failed is reported as JoinError('ERR_TASK_FAILED') with the thrown value as cause.
    const thrown = reason instanceof JoinError && reason.isFailed() ? reason.cause : reason;
    if (spec.expectedError?.(thrown, state)) return;
    throw new Error(`actor ${id} rejected unexpectedly: ${describe(reason)}\n${traceLines.join('\n')}`);
  });
  try {
    await spec.check?.(state, settled);
  } catch (error) {
    if (traceLines.length > 0 && error instanceof Error) error.message += `\n${traceLines.join('\n')}`;
    throw error;
  }
}

/** Lets the scheduler run until idle; returns the ids of actors still pending after a few idle macrotask turns. */
async function drain(s: fc.Scheduler, outcomes: (Outcome | undefined)[]): Promise<number[]> {
  let idleTurns = 0;
  for (;;) {
    await s.waitIdle();
    const pending = outcomes.flatMap((o, id) => (o === undefined ? [id] : []));
    if (pending.length === 0) return pending;
    // Work may continue outside the scheduler (a budget hop is a macrotask): give it a few turns.
    await new Promise((resolve) => setImmediate(resolve));
    if (s.count() > 0) idleTurns = 0;
    else if (++idleTurns >= 4) return outcomes.flatMap((o, id) => (o === undefined ? [id] : []));
  }
}

function isAbortOf(reason: unknown, id: number): boolean {
  if (reason instanceof ActorAbort) return reason.actor === id;
  if (reason instanceof JoinError) return reason.isCancelled();
  return false;
}

function describe(reason: unknown): string {
  if (reason instanceof JoinError && reason.cause !== undefined)
    return `${String(reason)} (cause: ${describe(reason.cause)})`;
  return reason instanceof Error ? (reason.stack ?? String(reason)) : String(reason);
}

/**
 * Records the order in which requests are made and granted, to check FIFO
 * grants: `request()` right before calling the primitive, then `watch()` the
 * returned promise at once (before anyone else awaits it) so that grants are
 * logged in the order the primitive resolved them.
 */
export class GrantLedger {
  #next = 0;
  readonly grants: number[] = [];

  /** A ticket for a request about to be made. */
  request(): number {
    return this.#next++;
  }

  /** Logs the grant of `ticket` when `promise` fulfils. Returns `promise`. */
  watch<T>(ticket: number, promise: Promise<T>): Promise<T> {
    promise.then(
      () => this.grants.push(ticket),
      () => {},
    );
    return promise;
  }

  /**
   * Logs a grant that happened synchronously (tryLock/tryAcquire). Logged
   * through a microtask, so that it lands after grants the primitive resolved
   * earlier in the same synchronous step.
   */
  granted(ticket: number): void {
    queueMicrotask(() => this.grants.push(ticket));
  }

  /** Throws unless grants happened in request order. */
  assertFifo(): void {
    for (let i = 1; i < this.grants.length; i++) {
      if (this.grants[i]! < this.grants[i - 1]!) {
        throw new Error(`grants out of request order: ${this.grants.join(', ')}`);
      }
    }
  }
}

/**
 * How `promise` stands once the pending microtasks ran: 'pending',
 * 'fulfilled' or 'rejected'. Marks it handled (a rejection is not reported).
 */
export async function stateOf(promise: PromiseLike<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  Promise.resolve(promise).then(
    () => (state = 'fulfilled'),
    () => (state = 'rejected'),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return state;
}
