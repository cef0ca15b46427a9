/**
 * A supervised bank ledger: a `ledger` actor keeps account balances and
 * writes every change to a `storage` actor before it confirms it. Storage is
 * flaky (it crashes on every `failEvery`-th write); its supervisor restarts
 * it with exponential backoff, and because a restart keeps the mailbox the
 * writes queued behind the crash are not lost. The ledger retries the one
 * write that failed (its ask rejected), so every confirmed transaction is
 * stored exactly once.
 *
 *   node --conditions=weft-source --import tsx examples/actors.ts
 */
import { Runtime, now } from 'weft';
import { spawnActor, supervisor, type ActorRef, type Reply } from 'weft/actor';

/** A stored ledger entry. */
export interface Entry {
  seq: number;
  account: string;
  delta: number;
}

type StorageMsg = { type: 'write'; entry: Entry; reply: Reply<number> } | { type: 'dump'; reply: Reply<Entry[]> };

/** Survives storage restarts: what a real store would keep on disk. */
export class Disk {
  readonly entries: Entry[] = [];
  writes = 0;
}

/** The flaky storage actor: crashes on every `failEvery`-th write attempt. */
export function storage(disk: Disk, failEvery: number): ActorRef<StorageMsg> {
  return spawnActor(
    { name: 'storage' },
    {
      init: () => ({ connectedAt: now() }),
      receive(state, msg: StorageMsg) {
        if (msg.type === 'dump') {
          msg.reply.send([...disk.entries]);
          return state;
        }
        if (++disk.writes % failEvery === 0) throw new Error(`storage: disk write ${disk.writes} failed`);
        disk.entries.push(msg.entry);
        msg.reply.send(msg.entry.seq);
        return state;
      },
    },
  );
}

type LedgerMsg =
  | { type: 'deposit' | 'withdraw'; account: string; amount: number; reply: Reply<number> }
  | { type: 'balance'; account: string; reply: Reply<number> };

interface LedgerState {
  balances: Map<string, number>;
  seq: number;
}

/** The ledger: validates, persists (through `storageRef()`, retrying while storage restarts), then confirms. */
export function ledger(storageRef: () => ActorRef<StorageMsg> | undefined): ActorRef<LedgerMsg> {
  return spawnActor(
    { name: 'ledger' },
    {
      init: (): LedgerState => ({ balances: new Map(), seq: 0 }),
      async receive(state, msg: LedgerMsg) {
        const balance = state.balances.get(msg.account) ?? 0;
        if (msg.type === 'balance') {
          msg.reply.send(balance);
          return state;
        }
        const delta = msg.type === 'deposit' ? msg.amount : -msg.amount;
        if (balance + delta < 0) {
          msg.reply.send(Number.NaN); // refused: insufficient funds
          return state;
        }
        const entry = { seq: ++state.seq, account: msg.account, delta };
        for (let attempt = 1; ; attempt++) {
          const store = storageRef();
          try {
            if (store === undefined) throw new Error('storage is restarting');
            await store.ask<number>((reply) => ({ type: 'write', entry, reply }), { timeout: 10_000 });
            break;
          } catch (err) {
            if (attempt >= 10) throw err; // let the ledger's own supervisor deal with a dead store
          }
        }
        state.balances.set(msg.account, balance + delta);
        msg.reply.send(balance + delta);
        return state;
      },
    },
  );
}

/** Runs a day of transactions against the supervised tree; returns what happened. */
export async function runBank(options: { transactions?: number; failEvery?: number } = {}): Promise<{
  balances: Record<string, number>;
  stored: Entry[];
  storageRestarts: number;
  refused: number;
}> {
  const transactions = options.transactions ?? 40;
  const disk = new Disk();
  const bank = supervisor({
    name: 'bank',
    strategy: 'one-for-one',
    intensity: 3,
    period: 1_000,
    children: [
      {
        id: 'storage',
        start: () => storage(disk, options.failEvery ?? 7),
        backoff: { min: 50, max: 2_000, jitter: 0.2 },
      },
      { id: 'ledger', start: () => ledger(() => bank.ref('storage')) },
    ],
  });
  const teller = bank.ref('ledger') as ActorRef<LedgerMsg>;
  const accounts = ['alice', 'bob', 'carol'];
  let refused = 0;
  for (let i = 0; i < transactions; i++) {
    const account = accounts[i % accounts.length]!;
    const type = i % 4 === 3 ? 'withdraw' : 'deposit';
    const amount = 10 + (i % 5) * 5;
    const result = await teller.ask<number>((reply) => ({ type, account, amount, reply }), { timeout: 30_000 });
    if (Number.isNaN(result)) refused++;
  }
  const balances: Record<string, number> = {};
  for (const account of accounts)
    balances[account] = await teller.ask<number>((reply) => ({ type: 'balance', account, reply }));
  const stored = await bank.ref('storage')!.ask<Entry[]>((reply) => ({ type: 'dump', reply }));
  const storageRestarts = bank.restarts;
  await bank.stop();
  return { balances, stored, storageRestarts, refused };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // Restarts are reported through the runtime's error policy; here they are printed as one line each.
  const rt = Runtime.builder()
    .onTaskError((e) => console.log(`  (supervisor) ${e.message}`))
    .build();
  const result = await rt.run(() => runBank());
  await rt.shutdown();
  console.log('balances:', result.balances);
  console.log(
    `${result.stored.length} entries stored, ${result.storageRestarts} storage restarts, ${result.refused} refused`,
  );
}
