import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Runtime, sleep, spawn, type JoinHandle } from 'weft';
import { broadcast, mpsc, Mutex, oneshot, RwLock, Semaphore, watch } from 'weft/sync';
import { spawnActor, type Reply } from 'weft/actor';
import { serveConsole } from '../../src/console/index.js';
import { stateUntil, warningsWith } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Runs a program under the console: `lost` spawns the tasks that must be
 * flagged WEFT_LOST_WAKER (their waits' other ends become garbage), `fine`
 * those that must not be (their ends are alive, or were closed or released).
 * Both make their channels and locks once the console runs: it watches only
 * the handles made while it does.
 * Asserts exactly the lost ones are flagged (collecting garbage between
 * looks), then ends every task: aborts the lost, and runs `finish` so the
 * fine ones complete.
 */
async function flagged(program: {
  lost: () => JoinHandle<unknown>[];
  fine: () => JoinHandle<unknown>[];
  finish: () => void | Promise<void>;
  message?: RegExp;
}): Promise<void> {
  const rt = new Runtime();
  await rt.run(async () => {
    await using server = await serveConsole(rt, { port: 0, publishInterval: 30 });
    const lost = program.lost();
    const fine = program.fine();
    const names = (state: any): string[] =>
      warningsWith(state, 'WEFT_LOST_WAKER')
        .map((w) => state.tasks.find((t: any) => t.id === w.taskId)?.name as string)
        .sort();
    const want = lost.map((t) => t.name!).sort();
    const state = await stateUntil(server.url, (s) => names(s).length >= want.length, 10_000, gc);
    // Collected again and published a few times more: the fine tasks stay unflagged.
    gc();
    await sleep(100);
    const again = await stateUntil(server.url, () => true);
    assert.deepEqual(names(state), want, JSON.stringify(state.warnings));
    assert.deepEqual(names(again), want, JSON.stringify(again.warnings));
    for (const w of warningsWith(state, 'WEFT_LOST_WAKER')) {
      assert.equal(typeof w.resourceId, 'number');
      if (program.message !== undefined) assert.match(w.message, program.message);
    }
    for (const t of lost) t.abort();
    await program.finish();
    await Promise.allSettled([...lost, ...fine]);
    for (const t of fine) assert.equal((await Promise.allSettled([t]))[0]!.status, 'fulfilled', t.name);
  });
  await rt.shutdown();
}

// Each maker returns only the end a task waits through: the other end is garbage from then on.

function senderOfDroppedReceiver(): mpsc.Sender<number> {
  const [tx, rx] = mpsc.channel<number>(1);
  void rx;
  tx.trySend(0); // full: the next send waits for a receive that can never come
  return tx;
}

test('mpsc: a send on a full channel whose receiver was dropped, and closed(); a live receiver is fine', async () => {
  let live!: ReturnType<typeof mpsc.channel<number>>;
  await flagged({
    lost: () => {
      const [tx, tx2] = [senderOfDroppedReceiver(), senderOfDroppedReceiver()];
      return [spawn(() => tx.send(1), { name: 'send-no-receiver' }), spawn(() => tx2.closed(), { name: 'closed' })];
    },
    fine: () => {
      live = mpsc.channel<number>(1);
      live[0].trySend(0);
      return [spawn(() => live[0].send(1), { name: 'send-live' })];
    },
    finish: async () => {
      await live[1].recv();
      await live[1].recv();
    },
    message: /its receiver was dropped without close\(\)/,
  });
});

function oneshotSenderOfDroppedReceiver(): ReturnType<typeof oneshot<number>>[0] {
  const [tx, rx] = oneshot<number>();
  void rx;
  return tx;
}

function broadcastReceiverOfDroppedSenders(): ReturnType<typeof broadcast<number>>[1] {
  const [tx, rx] = broadcast<number>(4);
  void tx.clone();
  return rx;
}

test('oneshot closed() with its receiver dropped; broadcast recv with every sender dropped; a closed broadcast is fine', async () => {
  let liveTx!: ReturnType<typeof broadcast<number>>[0];
  await flagged({
    lost: () => {
      const [tx, rx] = [oneshotSenderOfDroppedReceiver(), broadcastReceiverOfDroppedSenders()];
      return [spawn(() => tx.closed(), { name: 'oneshot-closed' }), spawn(() => rx.recv(), { name: 'broadcast-recv' })];
    },
    fine: () => {
      const [tx, rx] = broadcast<number>(4);
      const [closed, closedRx] = broadcast<number>(4);
      closed.close(); // closed, not lost: its receive ends with undefined
      liveTx = tx;
      return [
        spawn(() => rx.recv(), { name: 'broadcast-live' }),
        spawn(() => closedRx.recv(), { name: 'broadcast-closed' }),
      ];
    },
    finish: () => void liveTx.send(1),
  });
});

function watchReceiverOfDroppedSender(): ReturnType<typeof watch<number>>[1] {
  const [tx, rx] = watch(0);
  void tx;
  return rx;
}

function watchSenderOfDroppedReceivers(): ReturnType<typeof watch<number>>[0] {
  const [tx, rx] = watch(0);
  void rx.clone();
  return tx;
}

test('watch: changed() with the sender dropped, closed() with every receiver dropped; a live sender is fine', async () => {
  let liveTx!: ReturnType<typeof watch<number>>[0];
  await flagged({
    lost: () => {
      const [rx, tx] = [watchReceiverOfDroppedSender(), watchSenderOfDroppedReceivers()];
      return [spawn(() => rx.changed(), { name: 'watch-changed' }), spawn(() => tx.closed(), { name: 'watch-closed' })];
    },
    fine: () => {
      const [tx, rx] = watch(0);
      liveTx = tx;
      return [spawn(() => rx.changed(), { name: 'watch-live' })];
    },
    finish: () => liveTx.send(1),
    message: /(its sender|every receiver of that channel) was dropped without close\(\)/,
  });
});

/** Locks and forgets the guard: the lock stays held for good. */
async function lockAndDrop(m: Mutex): Promise<void> {
  await m.lock();
}

test('Mutex: a lock behind a guard dropped without release(); behind a held guard or runExclusive it is fine', async () => {
  let release!: () => void;
  await flagged({
    lost: () => {
      const m = new Mutex();
      return [
        spawn(
          async () => {
            await lockAndDrop(m);
            await m.lock();
          },
          { name: 'lock-dropped' },
        ),
      ];
    },
    fine: () => {
      const [held, busy] = [new Mutex(), new Mutex()];
      busy.tryLock()!.release(); // a released guard, garbage from now on: no loss
      const gate = new Promise<void>((resolve) => (release = resolve));
      const guard = held.lock();
      void gate.then(async () => (await guard).release());
      return [
        spawn(async () => (await held.lock()).release(), { name: 'lock-held' }),
        spawn(() => busy.runExclusive(() => gate), { name: 'exclusive' }),
        spawn(async () => (await busy.lock()).release(), { name: 'lock-busy' }),
      ];
    },
    finish: () => release(),
    message: /mutex\.lock, but the guard holding it was dropped without release\(\)/,
  });
});

async function readAndDrop(l: RwLock<number>): Promise<void> {
  await l.read();
}

async function writeAndDrop(l: RwLock<number>): Promise<void> {
  await l.write();
}

test('RwLock: a write behind a dropped read guard, a read behind a dropped write guard; behind a downgraded guard it is fine', async () => {
  let release!: () => void;
  await flagged({
    lost: () => {
      const [r, w] = [new RwLock(0), new RwLock(0)];
      return [
        spawn(
          async () => {
            await readAndDrop(r);
            await r.write();
          },
          { name: 'write-behind-read' },
        ),
        spawn(
          async () => {
            await writeAndDrop(w);
            await w.read();
          },
          { name: 'read-behind-write' },
        ),
      ];
    },
    fine: () => {
      const lock = new RwLock(0);
      const read = lock.write().then((g) => g.downgrade());
      release = () => void read.then((g) => g.release());
      return [spawn(async () => (await lock.write()).release(), { name: 'write-behind-downgraded' })];
    },
    finish: () => release(),
  });
});

async function acquireAndDrop(s: Semaphore): Promise<void> {
  await s.acquire(2);
}

test('Semaphore: an acquire after its permits were dropped unreleased; one waiting on a withPermit call is fine', async () => {
  let release!: () => void;
  await flagged({
    lost: () => {
      const s = new Semaphore(2);
      return [
        spawn(
          async () => {
            await acquireAndDrop(s);
            await s.acquire();
          },
          { name: 'acquire-leaked' },
        ),
      ];
    },
    fine: () => {
      const busy = new Semaphore(1);
      busy.tryAcquire()!.release(); // a released permit, garbage from now on: no loss
      const gate = new Promise<void>((resolve) => (release = resolve));
      return [
        spawn(() => busy.withPermit(() => gate), { name: 'with-permit' }),
        spawn(async () => (await busy.acquire()).release(), { name: 'acquire-busy' }),
      ];
    },
    finish: () => release(),
    message: /only addPermits\(\) could\): nothing can wake it/,
  });
});

test('actor ask: an ask whose reply the actor dropped without sending; an ask it answers later is fine', async () => {
  type Msg = { reply: Reply<number>; answer: boolean };
  let later: Reply<number> | undefined;
  let ref!: ReturnType<typeof spawnActor<Msg, number, []>>;
  const ask = (answer: boolean): Promise<number> =>
    ref.ask<number>((reply) => ({ reply, answer }), { timeout: Infinity });
  await flagged({
    lost: () => {
      ref = spawnActor({
        init: () => 0,
        receive: (s: number, m: Msg) => {
          if (m.answer) later = m.reply; // kept, to answer later
          return s; // the other reply is forgotten: nobody can ever answer it
        },
      });
      return [spawn(() => ask(false), { name: 'ask-dropped' })];
    },
    fine: () => [spawn(() => ask(true), { name: 'ask-kept' })],
    finish: async () => {
      later!.send(1);
      await ref.stop();
    },
    message: /actor\.ask, but the sending end of its oneshot/,
  });
});
