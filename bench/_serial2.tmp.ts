import { Runtime } from 'weft';
import { spawnWorker } from 'weft/worker';
import { trivial } from './worker-pools.js';
const rt = Runtime.builder().multiThread().workerThreads(Number(process.env.W ?? 2)).build();
await rt.run(async () => {
  for (let r = 0; r < 6; r++) {
    const N = 3000;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await spawnWorker(trivial, i);
    console.log('weft', ((performance.now() - t0) * 1000 / N).toFixed(1));
  }
});
await rt.shutdown();
const { workerMetrics } = await import('weft/worker');
console.log(JSON.stringify(workerMetrics(rt).workers.map((w) => [w.tasksRun, w.tasksStolen, Math.round(w.busyTime)])));
