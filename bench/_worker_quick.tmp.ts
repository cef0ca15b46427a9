import { Runtime } from 'weft';
import { spawnWorker, workerMetrics } from 'weft/worker';
import { nothing } from '../test/fixtures/worker-tasks.js';
const rt = Runtime.builder().multiThread().workerThreads(2).build();
await rt.run(async () => {
  await Promise.all(Array.from({ length: 1000 }, () => spawnWorker(nothing)));
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    const hs = []; for (let i = 0; i < 10000; i++) hs.push(spawnWorker(nothing));
    await Promise.all(hs);
    console.log('10k burst ms', (performance.now() - t0).toFixed(1));
  }
  for (let r = 0; r < 3; r++) {
    const N = 5000; const t0 = performance.now();
    for (let i = 0; i < N; i++) await spawnWorker(nothing);
    console.log('serial rt us', ((performance.now() - t0) * 1000 / N).toFixed(1));
  }
});
console.log(workerMetrics(rt).workers.map(w => [w.tasksRun, w.tasksStolen]));
await rt.shutdown();
