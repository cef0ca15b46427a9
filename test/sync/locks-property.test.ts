import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Barrier, ClosedError, Mutex, Notify, OnceCell, RwLock, Semaphore, type SemaphorePermit } from 'weft/sync';
import { checkActors, GrantLedger, PROPERTY_RUNS, runActors, stateOf } from '../helpers/property.js';

// Each property runs PROPERTY_RUNS random interleavings of 2-8 actors, some of
// them aborted at a random point (through their signal or their task).

void test('Mutex: mutual exclusion, FIFO grants and every call settles, under random aborts', async () => {
  await runActors({
    setup: () => ({ m: new Mutex({ inside: 0 }), ledger: new GrantLedger() }),
    ops: fc.constantFrom('lock', 'lock', 'tryLock', 'runExclusive'),
    async actor(ctx, { m, ledger }) {
      for (const op of ctx.ops) {
        const ticket = ledger.request();
        if (op === 'runExclusive') {
          await m.runExclusive(async (v) => {
            ledger.granted(ticket);
            ctx.assert(++v.inside === 1, 'two holders inside runExclusive');
            await ctx.step('hold');
            v.inside--;
          }, ctx.options);
          continue;
        }
        const guard = op === 'tryLock' ? m.tryLock() : await ledger.watch(ticket, m.lock(ctx.options));
        if (guard === undefined) continue;
        if (op === 'tryLock') ledger.granted(ticket);
        using g = guard;
        ctx.assert(++g.value.inside === 1, 'two holders of the mutex');
        await ctx.step('hold');
        g.value.inside--;
      }
    },
    check({ m, ledger }) {
      assert.equal(m.isLocked, false, 'the mutex is free once everyone is done');
      ledger.assertFifo();
    },
  });
});

void test('RwLock: one writer or at most maxReaders readers, FIFO grants, every call settles, under random aborts', async () => {
  await runActors({
    config: fc.integer({ min: 1, max: 3 }),
    setup: (maxReaders) => ({
      lock: new RwLock(0, { maxReaders }),
      maxReaders,
      readers: 0,
      writers: 0,
      ledger: new GrantLedger(),
    }),
    ops: fc.constantFrom('read', 'read', 'write', 'tryRead', 'tryWrite', 'downgrade'),
    async actor(ctx, st) {
      const { lock, ledger } = st;
      const enterRead = (): void => {
        st.readers++;
        ctx.assert(st.writers === 0, 'a reader while a writer holds the lock');
        ctx.assert(st.readers <= st.maxReaders, `more than ${st.maxReaders} readers`);
      };
      for (const op of ctx.ops) {
        const ticket = ledger.request();
        if (op === 'read' || op === 'tryRead') {
          const g = op === 'read' ? await ledger.watch(ticket, lock.read(ctx.options)) : lock.tryRead();
          if (g === undefined) continue;
          if (op === 'tryRead') ledger.granted(ticket);
          using _g = g;
          enterRead();
          await ctx.step('reading');
          st.readers--;
        } else {
          const g = op === 'tryWrite' ? lock.tryWrite() : await ledger.watch(ticket, lock.write(ctx.options));
          if (g === undefined) continue;
          if (op === 'tryWrite') ledger.granted(ticket);
          st.writers++;
          ctx.assert(st.writers === 1 && st.readers === 0, 'a writer shares the lock');
          await ctx.step('writing');
          st.writers--;
          if (op === 'downgrade') {
            using _r = g.downgrade();
            enterRead();
            await ctx.step('downgraded');
            st.readers--;
          } else {
            g.release();
          }
        }
      }
    },
    check({ lock }) {
      const w = lock.tryWrite();
      assert.ok(w, 'the lock is free once everyone is done');
      w.release();
    },
  });
});

interface SemState {
  sem: Semaphore;
  /** Permits the semaphore should own in total (initial + added - forgotten). */
  total: number;
  held: number;
  ledger: GrantLedger;
}

type SemOp =
  | { kind: 'acquire' | 'try' | 'forget'; n: number }
  | { kind: 'withPermit' }
  | { kind: 'add'; n: number }
  | { kind: 'close' };

function semaphoreOps(max: number): fc.Arbitrary<SemOp> {
  const n = fc.integer({ min: 1, max });
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('acquire' as const), n }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('try' as const), n }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('forget' as const), n }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'withPermit' as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('add' as const), n: fc.integer({ min: 1, max: 2 }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'close' as const }) },
  );
}

async function semaphoreActor(
  ctx: { ops: readonly SemOp[]; options: { signal?: AbortSignal }; step(l?: string): Promise<void> } & {
    assert(c: boolean, m: string): void;
  },
  st: SemState,
): Promise<void> {
  const conserved = (): void => {
    ctx.assert(st.held <= st.total, `${st.held} permits held of ${st.total}`);
    ctx.assert(st.held + st.sem.availablePermits <= st.total, 'permits were created out of nothing');
  };
  for (const op of ctx.ops) {
    if (op.kind === 'close') {
      st.sem.close();
      continue;
    }
    if (op.kind === 'add') {
      st.total += op.n;
      st.sem.addPermits(op.n);
      continue;
    }
    if (op.kind === 'withPermit') {
      // Not in the grant ledger: fn starts a few microtasks after the grant.
      await st.sem.withPermit(async () => {
        st.held++;
        conserved();
        await ctx.step('withPermit');
        st.held--;
      }, ctx.options);
      continue;
    }
    const n = Math.min(op.n, st.total); // never ask for more than can exist (that would wait forever)
    if (n === 0) continue;
    const ticket = st.ledger.request();
    let permit: SemaphorePermit | undefined;
    if (op.kind === 'try') {
      if (st.sem.isClosed) continue;
      permit = st.sem.tryAcquire(n);
      if (permit === undefined) continue;
      st.ledger.granted(ticket);
    } else {
      permit = await st.ledger.watch(ticket, st.sem.acquire(n, ctx.options));
    }
    ctx.assert(permit.count === n, 'a permit of the wrong size');
    st.held += n;
    conserved();
    await ctx.step('holding');
    st.held -= n;
    if (op.kind === 'forget') {
      st.total -= n;
      permit.forget();
      conserved();
      await ctx.step('forgot');
      // Put them back, so that waiters are not starved for good.
      st.total += n;
      st.sem.addPermits(n);
    } else {
      permit.release();
    }
    conserved();
  }
}

void test('Semaphore: permits conserved, FIFO grants, every call settles, under random aborts and close()', async () => {
  await runActors({
    config: fc.integer({ min: 1, max: 4 }),
    setup: (permits): SemState => ({ sem: new Semaphore(permits), total: permits, held: 0, ledger: new GrantLedger() }),
    ops: semaphoreOps(4),
    actor: semaphoreActor,
    expectedError: (e) => e instanceof ClosedError,
    check(st) {
      assert.equal(st.held, 0);
      assert.equal(st.sem.availablePermits, st.total, 'every permit came back');
      st.ledger.assertFifo();
    },
  });
});

void test('Notify: no lost or spurious wake-up, every call settles, under random aborts', async () => {
  interface NotifyState {
    n: Notify;
    waiting: number;
    waiterActors: number;
    notifications: number;
    wakeups: number;
  }
  await runActors({
    setup: (_: undefined, actors): NotifyState => ({
      n: new Notify(),
      waiting: 0,
      waiterActors: actors - 1,
      notifications: 0,
      wakeups: 0,
    }),
    ops: fc.record({ kind: fc.constantFrom('one', 'last', 'one+abort', 'last+abort'), victim: fc.nat() }),
    drivers: 1,
    async actor(ctx, st) {
      if (ctx.id === 0) {
        // The notifier: it notifies only while someone waits, so that no
        // notification is merged into an already stored permit. With '+abort'
        // it aborts a waiter in the same synchronous step as the notify: if
        // the notify had picked that waiter, the notification must move on.
        const notify = (kind: string): void => {
          st.notifications++;
          if (kind.startsWith('one')) st.n.notifyOne();
          else st.n.notifyLast();
        };
        for (const op of ctx.ops) {
          if (st.waiting > 0) {
            notify(op.kind);
            if (op.kind.endsWith('+abort')) ctx.abort(1 + (op.victim % (ctx.actors - 1)));
          }
          await ctx.step('notifier');
        }
        for (let i = 0; i < 100 && st.waiterActors > 0; i++) {
          if (st.waiting > 0) notify('one');
          await ctx.step('notifier drains');
        }
        return;
      }
      try {
        for (const _ of ctx.ops) {
          st.waiting++;
          try {
            await st.n.notified(ctx.options);
            st.wakeups++;
          } finally {
            st.waiting--;
          }
          await ctx.step('woken');
        }
      } finally {
        st.waiterActors--;
      }
    },
    async check(st) {
      // Every notification either woke a waiter or is the stored permit.
      const probe = st.n.notified();
      const stored = (await stateOf(probe)) === 'fulfilled';
      if (!stored) {
        st.n.notifyOne();
        await probe;
      }
      assert.equal(st.wakeups + (stored ? 1 : 0), st.notifications, 'notifications lost or duplicated');
    },
  });
});

void test('Barrier: each generation is n arrivals with one leader, aborted arrivals withdrawn, every call settles', async () => {
  interface BarrierState {
    b: Barrier;
    n: number;
    waiting: number;
    waiterActors: number;
    leaders: number;
    followers: number;
  }
  await runActors({
    config: fc.integer({ min: 0, max: 4 }),
    setup: (n, actors): BarrierState => ({
      b: new Barrier(n),
      n: Math.max(n, 1),
      waiting: 0,
      waiterActors: actors - 1,
      leaders: 0,
      followers: 0,
    }),
    ops: fc.constant(null),
    drivers: 1,
    async actor(ctx, st) {
      const arrive = async (options: { signal?: AbortSignal }): Promise<void> => {
        st.waiting++;
        try {
          const r = await st.b.wait(options);
          if (r.isLeader) st.leaders++;
          else st.followers++;
        } finally {
          st.waiting--;
        }
      };
      if (ctx.id === 0) {
        // Fills the last generations so that nobody is left waiting.
        for (let i = 0; i < 100 && (st.waiterActors > 0 || st.waiting > 0); i++) {
          ctx.trace(`filler sees waiting=${st.waiting} actors=${st.waiterActors} L=${st.leaders} F=${st.followers}`);
          if (st.waiting > 0) arrive({}).catch((e: unknown) => ctx.trace(`filler failed: ${String(e)}`));
          await ctx.step('filler');
        }
        return;
      }
      try {
        for (const _ of ctx.ops) {
          await arrive(ctx.options);
          await ctx.step('passed');
        }
      } finally {
        st.waiterActors--;
      }
    },
    check(st) {
      assert.equal(st.waiting, 0);
      assert.equal(st.followers, st.leaders * (st.n - 1), 'a generation released with the wrong number of arrivals');
    },
  });
});

void test('OnceCell: one initializer at a time, the value never changes, failures pass the turn, every call settles', async () => {
  class InitError extends Error {
    constructor(readonly actor: number) {
      super(`initializer of actor ${actor} failed`);
    }
  }
  interface CellState {
    cell: OnceCell<string>;
    running: number;
    seen: string | undefined;
  }
  await runActors({
    setup: (): CellState => ({ cell: new OnceCell<string>(), running: 0, seen: undefined }),
    ops: fc.constantFrom('ok', 'fail', 'sync', 'set'),
    async actor(ctx, st) {
      const observe = (v: string): void => {
        if (st.seen === undefined) st.seen = v;
        ctx.assert(st.seen === v, `the value changed from ${st.seen} to ${v}`);
      };
      for (const op of ctx.ops) {
        if (op === 'set') {
          if (st.cell.set(`set by ${ctx.id}`)) observe(`set by ${ctx.id}`);
          continue;
        }
        try {
          const v = await st.cell.getOrInit(async () => {
            ctx.assert(++st.running === 1, 'two initializers at once');
            try {
              await ctx.step('initializing');
            } finally {
              st.running--;
            }
            if (op === 'fail') throw new InitError(ctx.id);
            return `init by ${ctx.id}`;
          }, ctx.options);
          observe(v);
        } catch (e) {
          if (e instanceof InitError) ctx.assert(e.actor === ctx.id, "a caller got another caller's init error");
          else throw e;
        }
      }
    },
    check(st) {
      if (st.cell.isInitialized) assert.equal(st.cell.get(), st.seen ?? st.cell.get());
      else assert.equal(st.seen, undefined);
    },
  });
});

// ---------------------------------------------------------------------------
// Planted bugs: the harness must catch them.

/** A broken semaphore front-end: an aborted acquire rejects but its wait stays queued, so the permits it later gets leak. */
class AbortedWaiterStaysQueued {
  constructor(readonly inner: Semaphore) {}
  get availablePermits(): number {
    return this.inner.availablePermits;
  }
  get isClosed(): boolean {
    return this.inner.isClosed;
  }
  acquire(n: number, options?: { signal?: AbortSignal }): Promise<SemaphorePermit> {
    const granted = this.inner.acquire(n); // the bug: the signal is not passed down
    const signal = options?.signal;
    if (signal === undefined) return granted;
    return new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      granted.then(resolve, reject);
    });
  }
  tryAcquire(n: number): SemaphorePermit | undefined {
    return this.inner.tryAcquire(n);
  }
  addPermits(n: number): void {
    this.inner.addPermits(n);
  }
  close(): void {
    this.inner.close();
  }
  withPermit<R>(fn: () => R | PromiseLike<R>, options?: { signal?: AbortSignal }): Promise<R> {
    return this.inner.withPermit(fn, options);
  }
}

void test('the harness catches a planted bug: an aborted semaphore waiter left in the queue', async () => {
  const made: Semaphore[] = [];
  const details = await checkActors({
    config: fc.integer({ min: 1, max: 3 }),
    setup: (permits): SemState => {
      const inner = new Semaphore(permits);
      made.push(inner);
      return {
        sem: new AbortedWaiterStaysQueued(inner) as unknown as Semaphore,
        total: permits,
        held: 0,
        ledger: new GrantLedger(),
      };
    },
    ops: fc.record({ kind: fc.constant('acquire' as const), n: fc.integer({ min: 1, max: 3 }) }),
    actor: semaphoreActor,
    check(st) {
      assert.equal(st.sem.availablePermits, st.total, 'every permit came back');
    },
    cancelVia: 'signal',
    abortProbability: 0.5,
    runs: Math.max(PROPERTY_RUNS, 200),
  });
  for (const sem of made) sem.close(); // let the leaked waits settle
  assert.equal(details.failed, true, 'the planted bug went unnoticed');
  assert.match(String(details.errorInstance), /never settled|every permit came back/);
});

void test('the harness catches a planted bug: a permit released twice breaks mutual exclusion', async () => {
  const details = await checkActors({
    setup: () => ({ sem: new Semaphore(1), inside: 0 }),
    ops: fc.constant(null),
    async actor(ctx, st) {
      for (const _ of ctx.ops) {
        const permit = await st.sem.acquire(1, ctx.options);
        ctx.assert(++st.inside === 1, 'two holders of a one-permit semaphore');
        await ctx.step('hold');
        st.inside--;
        permit.release();
        st.sem.addPermits(1); // the bug: a second, non-idempotent release
      }
    },
    runs: Math.max(PROPERTY_RUNS, 200),
  });
  assert.equal(details.failed, true, 'the planted bug went unnoticed');
  assert.match(String(details.errorInstance), /two holders/);
});
