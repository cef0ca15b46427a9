/**
 * Actors (issue 14): weft/actor beside XState and nact, and beside raw weft
 * channels, all measured in the same run, contenders interleaved.
 *
 *   node --expose-gc --conditions=weft-source --import tsx bench/actors.ts [--quick]
 *   npx -y node@24 --expose-gc --conditions=weft-source --import tsx bench/actors.ts
 *
 * - tell throughput: 1,000,000 `tell`s into one actor whose `receive` adds the
 *   number to its state, until the actor has handled the last one. weft with a
 *   mailbox of 2^20 (so `tell` never finds it full), and with the default
 *   1,024 mailbox fed by `await send()`; XState 5 (`createActor(fromTransition)`,
 *   `actor.send`), nact 7 (`dispatch`, a stateful actor; done when it has
 *   counted them all). Target: ≥ 5 M msg/s on Node 24 and ≥ 10x both peers.
 * - ask round trip: 100,000 sequential `ref.ask` against the same
 *   request/response written by hand on weft's parts (a task reading an
 *   mpsc.channel(1024), replying through a oneshot). Target: ≤ 2x.
 * - restart: a supervised child throws; the time from the throw to its new
 *   `init` running, averaged over 2,000 restarts (one-for-one, no backoff).
 *   Baseline: spawning a fresh actor and waiting for its init. Target ≤ 50 µs.
 * - memory per idle actor: heapUsed after a full gc with 20,000 actors
 *   waiting on an empty mailbox, minus before, per actor (default mailbox,
 *   refs kept). Baseline: a weft task parked on a weft wait. Target ≤ 2 KB.
 */
import { spawn } from 'weft';
import { mpsc, oneshot, type OneshotSender } from 'weft/sync';
import { spawnActor, supervisor, type ActorRef, type Reply } from 'weft/actor';
import { createActor, fromTransition } from 'xstate';
import * as nact from 'nact';
import {
  NODE_MAJOR,
  fmt,
  fmtBytes,
  fullGc,
  header,
  heapUsed,
  isMain,
  measureInterleaved,
  pick,
  printTable,
  ratioRow,
  requireGc,
  tick,
  type Row,
} from './lib.js';

const N = pick(1_000_000, 200_000);

function expectSum(sum: number, n: number): void {
  if (sum !== (n * (n - 1)) / 2) throw new Error(`sum ${sum}, expected ${(n * (n - 1)) / 2}`);
}

// --- tell throughput -------------------------------------------------------------

async function weftTell(n: number): Promise<void> {
  let done!: (sum: number) => void;
  const finished = new Promise<number>((resolve) => (done = resolve));
  const ref = spawnActor(
    { mailbox: 2 ** 20 },
    {
      init: () => ({ sum: 0, count: 0 }),
      receive(s: { sum: number; count: number }, m: number) {
        s.sum += m;
        if (++s.count === n) done(s.sum);
        return s;
      },
    },
  );
  for (let i = 0; i < n; i++) ref.tell(i);
  expectSum(await finished, n);
  await ref.stop();
}

async function weftSend(n: number): Promise<void> {
  let done!: (sum: number) => void;
  const finished = new Promise<number>((resolve) => (done = resolve));
  const ref = spawnActor({
    init: () => ({ sum: 0, count: 0 }),
    receive(s: { sum: number; count: number }, m: number) {
      s.sum += m;
      if (++s.count === n) done(s.sum);
      return s;
    },
  });
  for (let i = 0; i < n; i++) await ref.send(i);
  expectSum(await finished, n);
  await ref.stop();
}

function xstateTell(n: number): void {
  const actor = createActor(
    fromTransition((s: { sum: number }, e: { type: 'add'; n: number }) => ({ sum: s.sum + e.n }), { sum: 0 }),
  );
  actor.start();
  for (let i = 0; i < n; i++) actor.send({ type: 'add', n: i });
  expectSum(actor.getSnapshot().context.sum, n);
  actor.stop();
}

let nactSystem: ReturnType<typeof nact.start> | undefined;

async function nactTell(n: number): Promise<void> {
  nactSystem ??= nact.start();
  let done!: (sum: number) => void;
  const finished = new Promise<number>((resolve) => (done = resolve));
  const actor = nact.spawn(nactSystem, (state: { sum: number; count: number } = { sum: 0, count: 0 }, msg: number) => {
    const next = { sum: state.sum + msg, count: state.count + 1 };
    if (next.count === n) done(next.sum);
    return next;
  });
  for (let i = 0; i < n; i++) nact.dispatch(actor, i);
  expectSum(await finished, n);
  nact.stop(actor);
}

async function tellRows(): Promise<Row[]> {
  const nactN = pick(200_000, 50_000);
  const [tell, send, xs, nc] = await measureInterleaved(
    [
      { name: 'weft tell', fn: () => weftTell(N) },
      { name: 'weft send', fn: () => weftSend(N) },
      { name: 'xstate', fn: () => xstateTell(N) },
      { name: 'nact', fn: () => nactTell(nactN) },
    ],
    { warmup: 2, samples: pick(7, 3), unit: 'ms' },
  );
  const rate = (ms: number, n = N): number => n / (ms / 1000);
  const target = NODE_MAJOR >= 24 ? { min: 5_000_000, on: 'value' as const, label: '≥5M msg/s (Node 24)' } : undefined;
  return [
    ratioRow(
      `tell, one actor, ${fmt(N)} msgs (msg/s) vs XState`,
      rate(tell!.median),
      rate(xs!.median),
      { min: 10, label: '≥10x XState' },
      { unit: 'msg/s' },
    ),
    ratioRow(
      `tell vs nact (nact: ${fmt(nactN)} msgs)`,
      rate(tell!.median),
      rate(nc!.median, nactN),
      { min: 10, label: '≥10x nact' },
      { unit: 'msg/s' },
    ),
    ratioRow(`tell, absolute`, rate(tell!.median), undefined, target, { unit: 'msg/s' }),
    ratioRow(`await send, mailbox 1024 vs XState`, rate(send!.median), rate(xs!.median), undefined, { unit: 'msg/s' }),
  ];
}

// --- ask round trip ---------------------------------------------------------------

type AskMsg = { n: number; reply: Reply<number> };

async function weftAsk(n: number, ref: ActorRef<AskMsg>): Promise<void> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await ref.ask<number>((reply) => ({ n: i, reply }));
  expectSum(sum, n);
}

async function rawAsk(n: number, tx: mpsc.Sender<{ n: number; reply: OneshotSender<number> }>): Promise<void> {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const [rtx, rrx] = oneshot<number>();
    await tx.send({ n: i, reply: rtx });
    sum += await rrx;
  }
  expectSum(sum, n);
}

async function askRows(): Promise<Row[]> {
  const n = pick(100_000, 20_000);
  const ref = spawnActor({ init: () => 0, receive: (s: number, m: AskMsg) => (m.reply.send(m.n), s) });
  const [tx, rx] = mpsc.channel<{ n: number; reply: OneshotSender<number> }>(1024);
  const server = spawn(async () => {
    for await (const m of rx) m.reply.send(m.n);
  });
  const [ask, raw] = await measureInterleaved(
    [
      { name: 'weft ask', fn: () => weftAsk(n, ref) },
      { name: 'raw mpsc+oneshot', fn: () => rawAsk(n, tx) },
    ],
    { warmup: 2, samples: pick(9, 3), per: n, unit: 'µs' },
  );
  tx.close();
  await server;
  await ref.stop();
  return [ratioRow(`ask round trip (µs) vs raw mpsc + oneshot`, ask!, raw!, { max: 2, label: '≤2x' })];
}

// --- restart ----------------------------------------------------------------------

async function restartRows(): Promise<Row[]> {
  const n = pick(2_000, 500);
  let thrownAt = 0;
  let total = 0;
  let count = 0;
  const each: number[] = [];
  let restarted!: () => void;
  const sup = supervisor({
    strategy: 'one-for-one',
    intensity: Number.MAX_SAFE_INTEGER,
    children: [
      {
        id: 'c',
        start: () =>
          spawnActor({
            init: () => {
              if (thrownAt !== 0) {
                const dt = performance.now() - thrownAt;
                total += dt;
                each.push(dt);
                count++;
                thrownAt = 0;
                restarted();
              }
              return 0;
            },
            receive: (): number => {
              thrownAt = performance.now();
              throw new Error('planned');
            },
          }),
      },
    ],
  });
  const child = sup.ref('c')!;
  const once = (): Promise<void> => {
    const p = new Promise<void>((resolve) => (restarted = resolve));
    child.tell(1);
    return p;
  };
  // quiet: restarts are reported through onTaskError ('warn' prints a line each)
  const warn = console.warn;
  console.warn = () => {};
  try {
    for (let i = 0; i < 200; i++) await once();
    total = 0;
    count = 0;
    each.length = 0;
    for (let i = 0; i < n; i++) await once();
  } finally {
    console.warn = warn;
  }
  const restartUs = (total / count) * 1000;
  await sup.stop();

  // baseline: a fresh spawn until its init runs
  let spawnTotal = 0;
  const spawnEach: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    let ran!: () => void;
    const p = new Promise<void>((resolve) => (ran = resolve));
    const ref = spawnActor({ init: () => (ran(), 0), receive: (s: number) => s });
    await p;
    const dt = performance.now() - t0;
    spawnTotal += dt;
    spawnEach.push(dt);
    await ref.stop();
  }
  const spawnUs = (spawnTotal / n) * 1000;
  // The mean is what the target is about; the median shows how much of it is the tail (gc, a loaded machine).
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]! * 1000;
  return [
    ratioRow(
      `restart, throw → new init (µs) vs spawn → init`,
      restartUs,
      spawnUs,
      { max: 50, on: 'value', label: '≤50 µs' },
      { unit: 'µs' },
    ),
    ratioRow(`restart median (µs) vs spawn → init median`, median(each), median(spawnEach), undefined, { unit: 'µs' }),
  ];
}

// --- memory -----------------------------------------------------------------------

async function memoryRows(): Promise<Row[]> {
  requireGc('bench/actors.ts');
  const n = pick(20_000, 5_000);
  await fullGc();
  const before = heapUsed();
  const refs: ActorRef<number>[] = new Array(n);
  const behavior = { init: () => 0, receive: (s: number) => s };
  for (let i = 0; i < n; i++) refs[i] = spawnActor(behavior);
  await tick();
  await tick();
  await fullGc();
  const perActor = (heapUsed() - before) / n;
  await Promise.all(refs.map((r) => r.stop()));
  refs.length = 0;

  // baseline: weft tasks parked on a weft wait (a mailbox receive)
  await fullGc();
  const before2 = heapUsed();
  const chans = new Array<[mpsc.Sender<number>, mpsc.Receiver<number>]>(n);
  const tasks = new Array<ReturnType<typeof spawn<void>>>(n);
  for (let i = 0; i < n; i++) {
    const c = (chans[i] = mpsc.channel<number>(1024));
    tasks[i] = spawn(async () => {
      await c[1].recv();
    });
  }
  await tick();
  await fullGc();
  const perTask = (heapUsed() - before2) / n;
  for (const [tx] of chans) tx.close();
  await Promise.all(tasks);
  return [
    ratioRow(
      `memory per idle actor vs a task parked on an mpsc recv`,
      perActor,
      perTask,
      { max: 2048, on: 'value', label: '≤2 KB' },
      { unit: 'B' },
    ),
  ].map((r) => ({
    ...r,
    weft: fmtBytes(perActor),
    baseline: fmtBytes(perTask),
  }));
}

if (isMain(import.meta.url)) {
  header(
    'actors: weft/actor beside XState 5, nact 7 and raw weft channels',
    'the machine is shared with other engineers: figures are noisy',
  );
  const rows = [...(await tellRows()), ...(await askRows()), ...(await restartRows()), ...(await memoryRows())];
  printTable(rows);
  if (nactSystem !== undefined) nact.stop(nactSystem);
}
