import { Runtime } from 'weft';
import { spawnWorker, workerMetrics } from 'weft/worker';
import { nothing } from '../test/fixtures/worker-tasks.js';
const rt = Runtime.builder().multiThread().workerThreads(2).build();
await rt.run(async () => {
  await Promise.all(Array.from({ length: 20000 }, () => spawnWorker(nothing)));
  for (let r = 0; r < 6; r++) {
    const t0 = performance.now();
    const hs = []; for (let i = 0; i < 10000; i++) hs.push(spawnWorker(nothing));
    const t1 = performance.now();
    await Promise.all(hs);
    const t2 = performance.now();
    console.log('10k burst ms', (t2 - t0).toFixed(1), 'submit', (t1 - t0).toFixed(1));
  }
});
console.log(workerMetrics(rt).workers.map(w => [w.tasksRun, w.tasksStolen, Math.round(w.busyTime)]));
await rt.shutdown();
