import { Runtime } from 'weft';
import { spawnWorker } from 'weft/worker';
import { nothing, threadId } from '../test/fixtures/worker-tasks.js';
const W = Number(process.env['W'] ?? 1);
const rt = Runtime.builder().multiThread().workerThreads(W).build();
await rt.run(async () => {
  await spawnWorker(threadId);
  for (let r = 0; r < 4; r++) {
    const N = 5000; const t0 = performance.now();
    for (let i = 0; i < N; i++) await spawnWorker(nothing);
    console.log('serial rt us', ((performance.now() - t0) * 1000 / N).toFixed(1));
  }
});
await rt.shutdown();
