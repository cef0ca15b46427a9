import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime } from 'weft';
import { spawnWorker } from 'weft/worker';
import { startPools, trivial } from './worker-pools.js';
const rt = Runtime.builder().multiThread().workerThreads(2).build();
const pools = await startPools(mkdtempSync(join(tmpdir(), 'x-')));
await rt.run(async () => {
  for (let r = 0; r < 8; r++) {
    const N = 3000;
    let t0 = performance.now();
    for (let i = 0; i < N; i++) await spawnWorker(trivial, i);
    const w = (performance.now() - t0) * 1000 / N;
    const others = [];
    for (const p of pools) { t0 = performance.now(); for (let i = 0; i < N; i++) await p.trivial(i); others.push(p.name + ' ' + ((performance.now() - t0) * 1000 / N).toFixed(1)); }
    console.log('weft', w.toFixed(1), others.join(' '));
  }
});
for (const p of pools) await p.close();
await rt.shutdown();
