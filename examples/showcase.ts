/**
 * `npm start`: a short tour of weft. Each section prints what it did; the last
 * one measures weft against raw promises on this machine.
 */
import { Runtime, spawn, sleep, select, timeout, JoinSet, scope, CancellationToken, TimeoutError, now } from 'weft';

const line = (s = ''): void => console.log(s);
const section = (title: string): void => line(`\n== ${title}`);

async function tasks(): Promise<void> {
  section('tasks: spawn, await, abort');
  const set = new JoinSet<string>();
  for (const [name, ms] of [
    ['fast', 5],
    ['medium', 15],
    ['slow', 10_000],
  ] as const) {
    set.spawn(
      async () => {
        await sleep(ms);
        return `${name} finished after ${ms} ms`;
      },
      { name },
    );
  }
  line(`  ${await set.joinNext()}`);
  line(`  ${await set.joinNext()}`);
  set.abortAll();
  const err = await set.joinNext().catch((e: Error) => e);
  line(`  the slow one was aborted: ${(err as Error).message}`);

  const sum = await scope(async (s) => {
    const parts = [1, 2, 3].map((n) => s.spawn(async () => n * n));
    let total = 0;
    for (const p of parts) total += await p;
    return total;
  });
  line(`  scope(): 1² + 2² + 3² = ${sum}, and no child outlived it`);
}

async function selectAndTimeout(): Promise<void> {
  section('select and timeout');
  const shutdown = new CancellationToken();
  setTimeout(() => shutdown.cancel(), 20);
  const t0 = now();
  const winner = await select({
    shutdown,
    work: (signal) => sleep(5_000, { signal }).then(() => 'work'),
  });
  line(`  select picked '${String(winner.key)}' after ${(now() - t0).toFixed(0)} ms; the losing branch was aborted`);
  const err = await timeout(25, (signal) => sleep(5_000, { signal })).catch((e: unknown) => e);
  line(`  timeout(25 ms, a 5 s sleep) -> ${err instanceof TimeoutError ? `${err.name} (${err.code})` : String(err)}`);
}

async function gracefulShutdown(): Promise<void> {
  section('graceful shutdown');
  const rt = Runtime.builder().build();
  let cleaned = 0;
  await rt.run(async () => {
    for (let i = 0; i < 3; i++) {
      spawn(async () => {
        try {
          await sleep(60_000);
        } finally {
          cleaned++;
        }
      });
    }
    await sleep(5);
  });
  await rt.shutdown({ timeout: 1_000 });
  const m = rt.metrics();
  line(`  run() returned; ${cleaned} background tasks were aborted and ran their cleanup`);
  line(`  metrics: spawned ${m.spawnedTasks}, completed ${m.completedTasks}, cancelled ${m.cancelledTasks}`);
}

await tasks();
await selectAndTimeout();
await gracefulShutdown();
