/**
 * Fan-out / fan-in: one producer feeds a bounded job queue; a dispatcher
 * hands each job to the next idle worker (idle workers announce themselves on
 * an `idle` channel, and each worker has its own `channel(1)` inbox), so a
 * slow job never holds up the others and each job goes to exactly one worker.
 * The workers' results fan back in over one channel to a collector. One job
 * also carries a oneshot reply for a caller waiting on that answer alone, in
 * the manner of a Tokio actor.
 *
 * An mpsc channel has one receiver; fanning out is done by the dispatcher
 * rather than by sharing the receiver.
 *
 *   node --conditions=weft-source --import tsx examples/fan-out-fan-in.ts
 */
import { scope, sleep } from 'weft';
import { mpsc, oneshot, type OneshotSender } from 'weft/sync';

interface Job {
  id: number;
  input: number;
  reply: OneshotSender<number> | undefined;
}
interface Result {
  id: number;
  worker: number;
  output: number;
}

const WORKERS = 4;
const JOBS = 20;

/** A job takes a while: the busier a worker, the fewer jobs it gets. */
async function work(input: number): Promise<number> {
  await sleep(1 + (input % 5));
  return input * input;
}

const results = await scope(async (s) => {
  const [jobs, jobsRx] = mpsc.channel<Job>(8);
  const [results, resultsRx] = mpsc.channel<Result>(8);
  // idle workers announce themselves here; the dispatcher pairs jobs with them
  const [idle, idleRx] = mpsc.channel<number>(WORKERS);
  const inboxes: mpsc.Sender<Job>[] = [];

  for (let w = 0; w < WORKERS; w++) {
    const [inbox, inboxRx] = mpsc.channel<Job>(1);
    inboxes.push(inbox);
    const out = results.clone();
    const ready = idle.clone();
    s.spawn(
      async () => {
        using _out = out;
        using _ready = ready;
        await ready.send(w);
        for await (const job of inboxRx) {
          const output = await work(job.input);
          job.reply?.send(output);
          await out.send({ id: job.id, worker: w, output });
          await ready.send(w);
        }
      },
      { name: `worker ${w}` },
    );
  }
  results.close();
  idle.close();

  // fan-out: each job to the next idle worker
  s.spawn(
    async () => {
      for await (const job of jobsRx) {
        const w = await idleRx.recv();
        if (w === undefined) break;
        await inboxes[w]!.send(job);
      }
      for (const inbox of inboxes) inbox.close();
    },
    { name: 'dispatcher' },
  );

  // the producer; job 7's caller waits for its own answer
  const [reply, answer] = oneshot<number>();
  s.spawn(
    async () => {
      using tx = jobs;
      for (let id = 0; id < JOBS; id++) await tx.send({ id, input: id, reply: id === 7 ? reply : undefined });
    },
    { name: 'producer' },
  );
  const seven = s.spawn(async () => answer, { name: 'caller of job 7' });

  // fan-in: collect every result
  const all: Result[] = [];
  for await (const r of resultsRx) all.push(r);
  console.log(`job 7 answered its caller directly: ${await seven}`);
  return all;
});

const perWorker = new Map<number, number>();
for (const r of results) perWorker.set(r.worker, (perWorker.get(r.worker) ?? 0) + 1);
console.log(`${results.length} results from ${perWorker.size} workers:`);
for (const [w, count] of [...perWorker].sort((a, b) => a[0] - b[0])) console.log(`  worker ${w}: ${count} jobs`);
const ok = results.length === JOBS && results.every((r) => r.output === r.id * r.id);
console.log(ok ? 'every job done exactly once, every answer right' : 'MISMATCH');
if (!ok) process.exitCode = 1;
