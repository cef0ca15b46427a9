/**
 * Concurrency properties of the channels (mpsc, oneshot, broadcast, watch)
 * under fast-check's scheduler: 2-8 actors (senders and receivers) whose
 * operations interleave in an order fast-check picks (every `step()` is a
 * scheduling point), some aborted at a random point through their
 * AbortSignal or by aborting the weft task they run in.
 *
 * Invariants: no message lost or duplicated, per-sender order, FIFO grants
 * to waiting senders, capacity respected, every promise settles and no weft
 * wait is left behind. Runs per property: WEFT_PROPERTY_RUNS (default 1,000).
 *
 * The cooperative budget is turned off while a property runs: a budget hop
 * defers an operation to a later macrotask (it arrives later, by design),
 * which would blur the exact grant and receive order the checks rely on. The
 * budget path has its own unit tests.
 *
 * The planted-bug tests run the same properties against deliberately broken
 * wrappers (an aborted receive that still takes a value; an aborted send that
 * still delivers) and assert that fast-check finds a counterexample.
 */
import '../helpers/guard.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { spawn, select, CancelledError, JoinError } from 'weft';
import {
  mpsc,
  oneshot,
  broadcast,
  watch,
  SendError,
  RecvError,
  LaggedError,
  type BroadcastReceiver,
  type WatchReceiver,
} from 'weft/sync';
import { waitStats } from '../../src/core/wait-queue.js';
import { scheduler } from '../../src/core/scheduler.js';
import { PROPERTY_RUNS } from '../helpers/property.js';

before(() => {
  scheduler.budget = () => true;
});
after(() => {
  delete (scheduler as { budget?: unknown }).budget;
});

// ---------------------------------------------------------------- harness

type Via = 'signal' | 'task';

/** The reason an actor's signal (or task) is aborted with. */
class ActorAbort extends Error {
  constructor(readonly actor: number) {
    super(`actor ${actor} aborted`);
  }
}

interface Ctx {
  readonly id: number;
  /** Pass to every wait: carries the actor's signal when it is cancelled through one. */
  readonly options: { signal?: AbortSignal };
  /** A scheduling point. */
  step(): Promise<void>;
}

interface ActorSpec {
  via: Via;
  abort: boolean;
  body(ctx: Ctx): Promise<void>;
}

const abortPlan = fc.record({
  via: fc.constantFrom<Via>('signal', 'task'),
  abort: fc.oneof({ arbitrary: fc.constant(false), weight: 7 }, { arbitrary: fc.constant(true), weight: 3 }),
});

function isAbort(reason: unknown): boolean {
  return (
    reason instanceof ActorAbort ||
    reason instanceof CancelledError ||
    (reason instanceof JoinError && reason.isCancelled())
  );
}

/**
 * Runs the actors under `s` until every one settled. Rejects if one never
 * settles, rejects with anything but its own abort or an error `expected`
 * accepts, or if a weft wait is left behind.
 */
async function runActors(
  s: fc.Scheduler,
  actors: ActorSpec[],
  expected: (e: unknown) => boolean,
  afterAll: () => void,
  onStall?: (stuck: number[]) => boolean,
): Promise<void> {
  const parkedBefore = waitStats.parked;
  const outcomes: ({ ok: true } | { ok: false; reason: unknown } | undefined)[] = actors.map(() => undefined);
  const cancels: Array<() => void> = [];
  actors.forEach((a, id) => {
    const controller = new AbortController();
    const ctx: Ctx = {
      id,
      options: a.via === 'signal' ? { signal: controller.signal } : {},
      step: () => s.schedule(Promise.resolve(), `actor ${id}`),
    };
    const body = async (): Promise<void> => {
      await ctx.step();
      await a.body(ctx);
    };
    let done: PromiseLike<void>;
    if (a.via === 'task') {
      const handle = spawn(body);
      done = handle;
      cancels.push(() => handle.abort(new ActorAbort(id)));
    } else {
      done = body();
      cancels.push(() => controller.abort(new ActorAbort(id)));
    }
    if (a.abort) void s.schedule(Promise.resolve(), `abort ${id}`).then(cancels[id]);
    done.then(
      () => (outcomes[id] = { ok: true }),
      (reason: unknown) => (outcomes[id] = { ok: false, reason }),
    );
  });
  let rescued = false;
  for (;;) {
    await drain(s);
    if (outcomes.every((o) => o !== undefined)) break;
    const stuck = outcomes.flatMap((o, id) => (o === undefined ? [id] : []));
    // a genuine deadlock of the workload (not of the primitive) may be broken once by the property
    if (!rescued && onStall?.(stuck) === true) {
      rescued = true;
      continue;
    }
    // unblock so that nothing outlives the run, then fail
    for (const id of stuck) cancels[id]!();
    afterAll();
    await drain(s);
    throw new Error(`actors ${stuck.join(', ')} never settled (lost wake-up)`);
  }
  afterAll();
  await drain(s);
  outcomes.forEach((o, id) => {
    if (o!.ok) return;
    const reason = (o as { reason: unknown }).reason;
    if (actors[id]!.abort && isAbort(reason)) return;
    if (expected(reason)) return;
    throw new Error(`actor ${id} rejected unexpectedly: ${reason instanceof Error ? reason.stack : String(reason)}`);
  });
  if (waitStats.parked !== parkedBefore)
    throw new Error(`${waitStats.parked - parkedBefore} weft wait(s) left unsettled`);
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Releases the scheduled steps one at a time (fast-check picks which) and
 * lets every microtask run between two steps, until none is left. (Cheaper
 * than `waitIdle()`, which polls with 50 microtask ticks per step.)
 */
async function drain(s: fc.Scheduler): Promise<void> {
  for (;;) {
    await turn();
    if (s.count() === 0) return;
    await s.waitOne();
  }
}

/** Runs per property; a failure is replayed with WEFT_PROPERTY_SEED and WEFT_PROPERTY_PATH from its report. */
function params(runs = PROPERTY_RUNS): fc.Parameters<unknown> {
  const p: fc.Parameters<unknown> = { numRuns: runs };
  const seed = process.env['WEFT_PROPERTY_SEED'];
  const path = process.env['WEFT_PROPERTY_PATH'];
  if (seed !== undefined && seed !== '') p.seed = Number(seed);
  if (path !== undefined && path !== '') p.path = path;
  return p;
}

/** A receive that ignores its signal (the wait stays queued) and just rejects: takes a value nobody gets. */
function leakyRecv<T>(rx: mpsc.Receiver<T>, options: { signal?: AbortSignal }): Promise<T | undefined> {
  const signal = options.signal;
  const p = rx.recv();
  if (signal === undefined) return p;
  return new Promise((resolve, reject) => {
    p.then(resolve, reject);
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** A send that ignores its signal: rejects on abort yet still delivers the value later. */
function leakySend<T>(tx: mpsc.Sender<T>, value: T, options: { signal?: AbortSignal }): Promise<void> {
  const signal = options.signal;
  const p = tx.send(value);
  if (signal === undefined) return p;
  return new Promise((resolve, reject) => {
    p.then(resolve, reject);
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

// ---------------------------------------------------------------- mpsc

type SendKind = 'send' | 'trySend' | 'reserveSend' | 'reserveRelease' | 'tryReserve';
type RecvKind = 'recv' | 'recvMany' | 'tryRecv' | 'select' | 'selectRace';
type MpscRole =
  | { role: 'send'; ops: { kind: SendKind; ch: 0 | 1 }[] }
  | { role: 'recv'; ops: { kind: RecvKind; ch: 0 | 1; limit: number }[] };

const ch = fc.constantFrom<0 | 1>(0, 1);
const senderRole = fc.record({
  role: fc.constant('send' as const),
  ops: fc.array(
    fc.record({
      kind: fc.constantFrom<SendKind>('send', 'send', 'trySend', 'reserveSend', 'reserveRelease', 'tryReserve'),
      ch,
    }),
    { minLength: 1, maxLength: 4 },
  ),
});
const receiverRole = fc.record({
  role: fc.constant('recv' as const),
  ops: fc.array(
    fc.record({
      kind: fc.constantFrom<RecvKind>('recv', 'recv', 'recvMany', 'tryRecv', 'select', 'selectRace'),
      ch,
      limit: fc.integer({ min: 1, max: 3 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
});
const mpscCase = fc.record({
  flavor: fc.constantFrom<'bounded' | 'unbounded'>('bounded', 'bounded', 'unbounded'),
  caps: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  // the first actor sends, the second receives, the rest are either
  actors: fc
    .tuple(
      fc.tuple(senderRole, abortPlan),
      fc.tuple(receiverRole, abortPlan),
      fc.array(fc.tuple(fc.oneof(senderRole, receiverRole), abortPlan), { maxLength: 6 }),
    )
    .map(([a, b, rest]) => [a, b, ...rest] as [MpscRole, { via: Via; abort: boolean }][]),
});

type MpscCase = typeof mpscCase extends fc.Arbitrary<infer T> ? T : never;
type Variant = 'correct' | 'leaky-recv' | 'leaky-send';

type Msg = { s: number; k: number };
const key = (m: Msg): string => `${m.s}:${m.k}`;

async function mpscRun(s: fc.Scheduler, c: MpscCase, variant: Variant): Promise<void> {
  const bounded = c.flavor === 'bounded';
  const chans = c.caps.map((cap) => (bounded ? mpsc.channel<Msg>(cap) : mpsc.unboundedChannel<Msg>()));
  const rxs = chans.map(([, rx]) => rx);
  const roots = chans.map(([tx]) => tx);
  const delivered = [new Set<string>(), new Set<string>()];
  const received: string[][] = [[], []];
  const permitsOut = [0, 0];
  const tickets = [0, 0];
  const grants: number[][] = [[], []];
  const violations: string[] = [];
  const log = (i: 0 | 1, m: Msg | undefined): void => {
    if (m !== undefined) received[i]!.push(key(m));
  };
  /**
   * Capacity = max - buffered - permits. Exact at the start of a step (every
   * continuation has run by then); elsewhere the test may not yet have counted
   * a permit granted in the same step, so only `used <= max` is checked.
   */
  const checkCapacity = (exact = true): void => {
    if (!bounded) return;
    for (const i of [0, 1] as const) {
      const tx = roots[i] as mpsc.Sender<Msg>;
      const used = rxs[i]!.length + permitsOut[i]!;
      const wrong = exact ? tx.capacity !== c.caps[i]! - used : tx.capacity > c.caps[i]! - used;
      if (used > c.caps[i]! || wrong || tx.capacity < 0)
        violations.push(`channel ${i}: ${rxs[i]!.length} buffered + ${permitsOut[i]} permits, capacity ${tx.capacity}`);
    }
  };
  const grant = (i: 0 | 1, ticket: number, p: Promise<unknown>): void => {
    p.then(
      () => grants[i]!.push(ticket),
      () => {},
    );
  };
  let receiversLeft = c.actors.filter(([r]) => r.role === 'recv').length;
  /** What each actor waits on right now (to tell a deadlock of the workload from a lost wake-up). */
  const waitingOn = new Map<number, { recv: readonly (0 | 1)[] } | { send: 0 | 1 }>();
  async function waitFor<T>(id: number, on: { recv: readonly (0 | 1)[] } | { send: 0 | 1 }, p: Promise<T>): Promise<T> {
    waitingOn.set(id, on);
    try {
      return await p;
    } finally {
      waitingOn.delete(id);
    }
  }
  const onStall = (stuck: number[]): boolean => {
    for (const id of stuck) {
      const on = waitingOn.get(id);
      if (on === undefined) return false;
      if ('send' in on) {
        if ((roots[on.send] as mpsc.Sender<Msg>).capacity > 0 || rxs[on.send]!.isClosed) return false;
      } else if (on.recv.some((i) => rxs[i]!.length > 0 || rxs[i]!.tryRecv().state === 'closed')) return false;
    }
    // every stuck actor waits on something the others will never provide: close the receivers
    for (const rx of rxs) rx.close();
    return true;
  };
  const senderHandles: (mpsc.Sender<Msg> | mpsc.UnboundedSender<Msg>)[][] = [];

  const actors: ActorSpec[] = c.actors.map(([r, plan], id) => {
    if (r.role === 'send') {
      const txs = roots.map((tx) => tx.clone());
      senderHandles.push(txs);
      return {
        ...plan,
        async body(ctx) {
          try {
            for (let k = 0; k < r.ops.length; k++) {
              await ctx.step();
              checkCapacity();
              const { kind, ch: i } = r.ops[k]!;
              const m: Msg = { s: id, k };
              const tx = txs[i]!;
              if (!bounded) {
                try {
                  (tx as mpsc.UnboundedSender<Msg>).send(m);
                  delivered[i]!.add(key(m));
                } catch (e) {
                  if (!(e instanceof SendError)) throw e;
                }
                continue;
              }
              const btx = tx as mpsc.Sender<Msg>;
              try {
                if (kind === 'send') {
                  const t = tickets[i]!++;
                  const p = variant === 'leaky-send' ? leakySend(btx, m, ctx.options) : btx.send(m, ctx.options);
                  grant(i, t, p);
                  await waitFor(id, { send: i }, p);
                  delivered[i]!.add(key(m));
                } else if (kind === 'trySend') {
                  const t = tickets[i]!;
                  if (btx.trySend(m)) {
                    tickets[i]!++;
                    grant(i, t, Promise.resolve());
                    delivered[i]!.add(key(m));
                  }
                } else {
                  const t = tickets[i]!++;
                  let permit: mpsc.Permit<Msg> | undefined;
                  if (kind === 'tryReserve') {
                    permit = btx.tryReserve();
                    if (permit === undefined) {
                      tickets[i]!--;
                      continue;
                    }
                    grant(i, t, Promise.resolve());
                  } else {
                    const p = btx.reserve(ctx.options);
                    grant(i, t, p);
                    permit = await waitFor(id, { send: i }, p);
                  }
                  permitsOut[i]!++;
                  checkCapacity(false);
                  try {
                    await ctx.step(); // hold the slot across a scheduling point
                    if (kind === 'reserveRelease') permit.release();
                    else {
                      permit.send(m);
                      delivered[i]!.add(key(m));
                    }
                  } finally {
                    permit.release(); // no-op once sent
                    permitsOut[i]!--;
                  }
                }
              } catch (e) {
                if (!(e instanceof SendError)) throw e;
              }
            }
          } finally {
            for (const tx of txs) tx.close();
          }
        },
      };
    }
    return {
      ...plan,
      async body(ctx) {
        try {
          for (const op of r.ops) {
            await ctx.step();
            checkCapacity();
            const i = op.ch;
            const rx = rxs[i]!;
            if (op.kind === 'recv') {
              const p = variant === 'leaky-recv' ? leakyRecv(rx, ctx.options) : rx.recv(ctx.options);
              p.then(
                (m) => log(i, m),
                () => {},
              );
              await waitFor(id, { recv: [i] }, p);
            } else if (op.kind === 'recvMany') {
              const into: Msg[] = [];
              const p = rx.recvMany(into, op.limit, ctx.options);
              p.then(
                () => into.forEach((m) => log(i, m)),
                () => {},
              );
              await waitFor(id, { recv: [i] }, p);
            } else if (op.kind === 'tryRecv') {
              const r = rx.tryRecv();
              if (r.state === 'ok') queueMicrotask(() => log(i, r.value));
            } else if (op.kind === 'select') {
              const p = select({ a: rxs[0]!, b: rxs[1]! }, ctx.options);
              p.then(
                (w) => log(w.key === 'a' ? 0 : 1, w.value),
                () => {},
              );
              await waitFor(id, { recv: [0, 1] }, p);
            } else {
              const p = select({ rx, race: () => s.schedule(Promise.resolve('race')) }, ctx.options);
              p.then(
                (w) => (w.key === 'rx' ? log(i, w.value) : undefined),
                () => {},
              );
              await p;
            }
          }
        } finally {
          // the last receiver to leave closes both receivers, so no sender waits forever
          if (--receiversLeft === 0) for (const rx of rxs) rx.close();
        }
      },
    };
  });
  for (const tx of roots) tx.close();

  await runActors(
    s,
    actors,
    (e) => e instanceof SendError,
    () => {
      for (const txs of senderHandles) for (const tx of txs) tx.close();
      for (const rx of rxs) rx.close();
    },
    onStall,
  );
  // what is still buffered counts as received (in order, after the rest)
  for (const i of [0, 1] as const) {
    for (let r = rxs[i]!.tryRecv(); r.state === 'ok'; r = rxs[i]!.tryRecv()) received[i]!.push(key(r.value));
    assert.equal(rxs[i]!.tryRecv().state, 'closed', `channel ${i} closed and drained`);
  }
  if (violations.length > 0) throw new Error(`capacity violated: ${violations.join('; ')}`);
  for (const i of [0, 1] as const) {
    const got = received[i]!;
    const seen = new Set<string>();
    for (const k of got) {
      if (seen.has(k)) throw new Error(`channel ${i}: ${k} received twice`);
      seen.add(k);
      if (!delivered[i]!.has(k)) throw new Error(`channel ${i}: ${k} received but its send did not succeed`);
    }
    for (const k of delivered[i]!)
      if (!seen.has(k)) throw new Error(`channel ${i}: ${k} was sent but never received (lost)`);
    const last = new Map<string, number>();
    for (const k of got) {
      const [sender, n] = k.split(':').map(Number) as [number, number];
      if ((last.get(`${sender}`) ?? -1) > n)
        throw new Error(`channel ${i}: sender ${sender} out of order: ${got.join(' ')}`);
      last.set(`${sender}`, n);
    }
    const g = grants[i]!;
    for (let j = 1; j < g.length; j++)
      if (g[j]! < g[j - 1]!) throw new Error(`channel ${i}: capacity granted out of FIFO order: ${g.join(' ')}`);
  }
}

void test(`mpsc: no message lost or duplicated, per-sender order, FIFO grants and capacity hold under random interleavings and aborts (${PROPERTY_RUNS} runs)`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), mpscCase, (s, c) => mpscRun(s, c, 'correct')),
    params(),
  );
});

/** Forces the signal path for every aborted actor: the planted bugs live there. */
const signalOnly = mpscCase.map((c) => ({
  ...c,
  flavor: 'bounded' as const,
  actors: c.actors.map(([r, p]) => [r, { ...p, via: 'signal' as Via }] as [MpscRole, { via: Via; abort: boolean }]),
}));

void test('the mpsc property catches a planted bug: an aborted receive that still takes a value', async () => {
  const details = await fc.check(
    fc.asyncProperty(fc.scheduler(), signalOnly, (s, c) => mpscRun(s, c, 'leaky-recv')),
    { numRuns: 2000, endOnFailure: true },
  );
  assert.equal(details.failed, true, 'fast-check found no counterexample');
  assert.match(String(details.errorInstance), /lost/);
});

void test('the mpsc property catches a planted bug: an aborted send that still delivers', async () => {
  const details = await fc.check(
    fc.asyncProperty(fc.scheduler(), signalOnly, (s, c) => mpscRun(s, c, 'leaky-send')),
    { numRuns: 2000, endOnFailure: true },
  );
  assert.equal(details.failed, true, 'fast-check found no counterexample');
  assert.match(String(details.errorInstance), /did not succeed/);
});

// ---------------------------------------------------------------- oneshot

type OneshotRecvKind = 'await' | 'recv' | 'tryRecv' | 'select' | 'close';
const oneshotCase = fc.record({
  sender: fc.record({ delay: fc.integer({ min: 0, max: 3 }), send: fc.boolean(), plan: abortPlan }),
  receivers: fc.array(
    fc.record({
      ops: fc.array(fc.constantFrom<OneshotRecvKind>('await', 'recv', 'recv', 'tryRecv', 'select', 'close'), {
        minLength: 1,
        maxLength: 3,
      }),
      plan: abortPlan,
    }),
    { minLength: 1, maxLength: 7 },
  ),
});

void test(`oneshot: the value is received exactly once when sent, never when not, and every wait settles (${PROPERTY_RUNS} runs)`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), oneshotCase, async (s, c) => {
      const [tx, rx] = oneshot<string>();
      let sent: boolean | undefined;
      let rxClosedBeforeSend = false;
      let rxClosed = false;
      const got: string[] = [];
      const actors: ActorSpec[] = [
        {
          ...c.sender.plan,
          async body(ctx) {
            for (let i = 0; i < c.sender.delay; i++) await ctx.step();
            if (c.sender.send) {
              rxClosedBeforeSend = rxClosed;
              sent = tx.send('v');
            } else tx.close();
            await tx.closed(ctx.options); // resolves at once now
          },
        },
        ...c.receivers.map((r): ActorSpec => ({
          ...r.plan,
          async body(ctx) {
            for (const op of r.ops) {
              await ctx.step();
              if (op === 'close') {
                rxClosed = true;
                rx.close();
              } else if (op === 'tryRecv') {
                const t = rx.tryRecv();
                if (t.state === 'ok') got.push(t.value);
              } else {
                const p =
                  op === 'await'
                    ? Promise.resolve(rx)
                    : op === 'recv'
                      ? rx.recv(ctx.options)
                      : select({ rx }, ctx.options).then((w) => w.value);
                try {
                  got.push(await p);
                } catch (e) {
                  if (!(e instanceof RecvError)) throw e;
                }
              }
            }
          },
        })),
      ];
      await runActors(
        s,
        actors,
        () => false,
        () => {
          tx.close();
        },
      );
      const rest = rx.tryRecv();
      if (rest.state === 'ok') got.push(rest.value);
      if (sent === true) {
        assert.equal(rxClosedBeforeSend, false, 'send() succeeded after the receiver closed');
        assert.deepEqual(got, ['v'], 'a sent value is received exactly once');
      } else {
        assert.deepEqual(got, [], 'nothing received when nothing was sent');
        if (sent === false) assert.equal(rxClosedBeforeSend, true, 'send() failed though the receiver was open');
      }
      assert.equal(rx.tryRecv().state, 'closed');
    }),
    params(),
  );
});

// ---------------------------------------------------------------- broadcast

type BcastRecvKind = 'recv' | 'recv' | 'tryRecv' | 'select';
const broadcastCase = fc.record({
  capacity: fc.integer({ min: 1, max: 4 }),
  senders: fc.array(fc.record({ sends: fc.integer({ min: 1, max: 5 }), plan: abortPlan }), {
    minLength: 1,
    maxLength: 3,
  }),
  receivers: fc.array(
    fc.record({
      ops: fc.array(fc.constantFrom<BcastRecvKind>('recv', 'recv', 'tryRecv', 'select'), {
        minLength: 1,
        maxLength: 6,
      }),
      plan: abortPlan,
    }),
    { minLength: 1, maxLength: 5 },
  ),
});

const RACE_LOST = 'race lost';
type BEvent = { value: string } | { lagged: number; expectedAt?: number } | { closed: true };

void test(`broadcast: every receiver sees the sent sequence minus exactly reported lags, in order (${PROPERTY_RUNS} runs)`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), broadcastCase, async (s, c) => {
      const [root, first] = broadcast<string>(c.capacity);
      const sentLog: string[] = [];
      const txs = c.senders.map(() => root.clone());
      root.close();
      const rxs: BroadcastReceiver<string>[] = c.receivers.map((_, i) => (i === 0 ? first : first.resubscribe()));
      const events: BEvent[][] = rxs.map(() => []);
      const actors: ActorSpec[] = [
        ...c.senders.map((snd, id): ActorSpec => ({
          ...snd.plan,
          async body(ctx) {
            try {
              for (let k = 0; k < snd.sends; k++) {
                await ctx.step();
                const v = `${id}:${k}`;
                try {
                  txs[id]!.send(v);
                  sentLog.push(v);
                } catch (e) {
                  if (!(e instanceof SendError)) throw e;
                }
              }
            } finally {
              txs[id]!.close();
            }
          },
        })),
        ...c.receivers.map((r, id): ActorSpec => ({
          ...r.plan,
          async body(ctx) {
            const rx = rxs[id]!;
            const ev = events[id]!;
            const receive = async (kind: BcastRecvKind): Promise<boolean> => {
              if (kind === 'tryRecv') {
                const t = rx.tryRecv();
                if (t.state === 'ok') ev.push({ value: t.value });
                else if (t.state === 'lagged') ev.push({ lagged: t.skipped, expectedAt: sentLog.length - c.capacity });
                else if (t.state === 'closed') {
                  ev.push({ closed: true });
                  return false;
                }
                return true;
              }
              try {
                const v =
                  kind === 'recv'
                    ? await rx.recv(ctx.options)
                    : await select({ rx, race: () => s.schedule(Promise.resolve(undefined)) }, ctx.options).then((w) =>
                        w.key === 'rx' ? w.value : RACE_LOST,
                      );
                if (v === RACE_LOST) return true;
                if (v !== undefined) ev.push({ value: v });
                else {
                  ev.push({ closed: true });
                  return false;
                }
              } catch (e) {
                if (!(e instanceof LaggedError)) throw e;
                ev.push({ lagged: e.skipped });
              }
              return true;
            };
            try {
              for (const kind of r.ops) {
                await ctx.step();
                if (!(await receive(kind))) return;
              }
              // then receive until closed, with no further scheduling points of its own
              while (await receive('recv'));
            } finally {
              rx.close();
            }
          },
        })),
      ];
      await runActors(
        s,
        actors,
        () => false,
        () => {
          for (const tx of txs) tx.close();
          for (const rx of rxs) rx.close();
        },
      );
      events.forEach((ev, id) => {
        let pos = 0;
        for (const e of ev) {
          if ('value' in e) {
            assert.equal(e.value, sentLog[pos], `receiver ${id} got ${e.value} at position ${pos}`);
            pos++;
          } else if ('lagged' in e) {
            assert.ok(e.lagged > 0);
            pos += e.lagged;
            if (e.expectedAt !== undefined)
              assert.equal(pos, e.expectedAt, `receiver ${id} resumes at the oldest retained value`);
          } else {
            assert.equal(pos, sentLog.length, `receiver ${id} saw everything before closed`);
          }
        }
      });
    }),
    params(),
  );
});

// ---------------------------------------------------------------- watch

type WatchSendKind = 'send' | 'sendModify' | 'sendIfModified' | 'sendIfNotModified' | 'sendReplace';
type WatchRecvKind = 'changed' | 'waitFor' | 'peek' | 'clone';
const watchCase = fc.record({
  sender: fc.record({
    ops: fc.array(
      fc.constantFrom<WatchSendKind>('send', 'sendModify', 'sendIfModified', 'sendIfNotModified', 'sendReplace'),
      {
        minLength: 1,
        maxLength: 5,
      },
    ),
    plan: abortPlan,
  }),
  receivers: fc.array(
    fc.record({
      ops: fc.array(fc.constantFrom<WatchRecvKind>('changed', 'changed', 'waitFor', 'peek', 'clone'), {
        minLength: 1,
        maxLength: 4,
      }),
      plan: abortPlan,
    }),
    { minLength: 1, maxLength: 6 },
  ),
});

void test(`watch: receivers see versions in order, each changed() means a newer value, and the last value is never missed (${PROPERTY_RUNS} runs)`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), watchCase, async (s, c) => {
      const [tx, root] = watch({ v: 0 });
      let latest = 0;
      const rxs: WatchReceiver<{ v: number }>[] = c.receivers.map(() => root.clone());
      const actors: ActorSpec[] = [
        {
          ...c.sender.plan,
          async body(ctx) {
            try {
              for (const op of c.sender.ops) {
                await ctx.step();
                if (op === 'send') tx.send({ v: ++latest });
                else if (op === 'sendReplace') tx.sendReplace({ v: ++latest });
                else if (op === 'sendModify') tx.sendModify((o) => void (o.v = ++latest));
                else if (op === 'sendIfModified') tx.sendIfModified((o) => ((o.v = ++latest), true));
                else tx.sendIfModified(() => false);
              }
            } finally {
              tx.close();
            }
          },
        },
        ...c.receivers.map((r, id): ActorSpec => ({
          ...r.plan,
          async body(ctx) {
            let rx = rxs[id]!;
            let last = rx.borrowAndUpdate().v;
            /** One operation; false once the channel reported closed. */
            const run = async (op: WatchRecvKind): Promise<boolean> => {
              if (op === 'peek') {
                const v = rx.borrow().v;
                assert.ok(v >= last, `borrow went back from ${last} to ${v}`);
                if (v !== last) assert.equal(rx.hasChanged(), true, 'a newer value is reported as changed');
                return true;
              }
              if (op === 'clone') {
                const twin = rx.clone();
                assert.equal(twin.hasChanged(), rx.hasChanged(), 'a clone keeps the seen state');
                rx.close();
                rx = twin;
                rxs[id] = twin;
                return true;
              }
              try {
                if (op === 'changed') {
                  await rx.changed(ctx.options);
                  const v = rx.borrowAndUpdate().v;
                  assert.ok(v > last, `changed() resolved but the value went from ${last} to ${v}`);
                  last = v;
                } else {
                  const target = last + 2;
                  const got = (await rx.waitFor((o) => o.v >= target, ctx.options)).v;
                  assert.ok(got >= target);
                  last = got;
                }
                return true;
              } catch (e) {
                if (!(e instanceof RecvError)) throw e;
                // closed: only once this receiver has seen the final value
                assert.equal(rx.hasChanged(), false, 'RecvError while a value was unseen');
                assert.equal(rx.borrow().v, latest, 'the last value was missed');
                return false;
              }
            };
            try {
              for (const op of r.ops) {
                await ctx.step();
                if (!(await run(op))) return;
              }
              // then follow changes until the sender closes, with no scheduling points of its own
              while (await run('changed'));
            } finally {
              rx.close();
            }
          },
        })),
      ];
      await runActors(
        s,
        actors,
        () => false,
        () => {
          tx.close();
          for (const rx of rxs) rx.close();
        },
      );
      root.close();
      assert.equal(tx.receiverCount, 0);
    }),
    params(),
  );
});
