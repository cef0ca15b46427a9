import { Runtime } from 'weft';
import { spawnWorker } from 'weft/worker';
import { nothing, threadId } from '../test/fixtures/worker-tasks.js';
import { TRACE } from '../src/worker/pool.js';
const W = Number(process.env['W'] ?? 2);
const rt = Runtime.builder().multiThread().workerThreads(W).build();
await rt.run(async () => {
  await spawnWorker(threadId);
  for (let r = 0; r < 4; r++) {
    TRACE.fill(0);
    const N = 5000; const t0 = performance.now();
    for (let i = 0; i < N; i++) await spawnWorker(nothing);
    const n = TRACE[7]!;
    console.log('serial rt us', ((performance.now() - t0) * 1000 / N).toFixed(1), 'push->claim', (TRACE[4]! * 1000 / n).toFixed(1), 'claim->flush', (TRACE[5]! * 1000 / n).toFixed(1), 'flush->main', (TRACE[6]! * 1000 / n).toFixed(1), 'main', (TRACE[10]! * 1000 / TRACE[11]!).toFixed(1), 'parked%', (100 * TRACE[9]! / n).toFixed(0));
  }
});
await rt.shutdown();
