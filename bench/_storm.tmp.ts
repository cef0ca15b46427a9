import { Runtime, type JoinHandle } from 'weft';
import { spawnWorker, workerMetrics } from 'weft/worker';
import { existingHub } from '../src/worker/hub.js';
import * as tasks from '../test/fixtures/worker-tasks.js';
const sleepReal = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const rt = Runtime.builder().multiThread().workerThreads(2).build();
const t0 = Date.now();
const log = (...a: unknown[]) => console.log(((Date.now() - t0) / 1000).toFixed(2), ...a);
await rt.run(async () => {
  const handles: JoinHandle<unknown>[] = [];
  for (let i = 0; i < 2000; i++) {
    const r = Math.random();
    const h = r < 0.3 ? spawnWorker(tasks.slowAdd, i, 0, Math.random() * 20) : r < 0.4 ? spawnWorker(tasks.cooperativeLoop, Math.random() * 5) : r < 0.45 ? spawnWorker(tasks.waitForAbort) : spawnWorker(tasks.add, i, 0);
    handles.push(h);
    if (Math.random() < 0.5) {
      const victim = handles[Math.floor(Math.random() * handles.length)]!;
      if (Math.random() < 0.5) victim.abort(); else setTimeout(() => victim.abort(), Math.random() * 30);
    }
    if (i % 200 === 0) await sleepReal(2);
  }
  log('spawned');
  setTimeout(() => handles.forEach((h) => h.abort()), 200);
  let left = handles.length;
  handles.forEach(h => h.then(() => left--, () => left--));
  while (left > 0) { await sleepReal(500); log('left', left, JSON.stringify(workerMetrics(rt).workers.map(w => [w.queueDepth, w.running, w.tasksRun])), existingHub(rt)!.workerPool!.outstanding); if (Date.now() - t0 > 15000) break; }
});
log('run done', JSON.stringify(workerMetrics(rt).workers.map(w => [w.queueDepth, w.running, w.tasksRun])));
for (let k = 0; k < 10; k++) { const a = Date.now(); await sleepReal(200); log('tick lag', Date.now() - a - 200, JSON.stringify(workerMetrics(rt).workers.map(w => [w.queueDepth, w.running, w.tasksRun, Math.round(w.busyTime)]))); }
await rt.shutdown();
log('shutdown');
