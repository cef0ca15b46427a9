import { spawn } from 'weft';
import { Parked } from './src/internal/wait-queue.js';
import { newPromise } from './src/internal/promise.js';
import { currentTaskRecord } from './src/internal/context.js';
const n = 300_000;
const sink: unknown[] = new Array(16);
async function run() {
  const out: Record<string, number> = {};
  const b = (name: string, fn: (i: number) => void) => { const t = performance.now(); for (let i = 0; i < n; i++) fn(i); out[name] = Math.min(out[name] ?? 1e9, (performance.now() - t) * 1e6 / n); };
  for (let k = 0; k < 5; k++) {
    b('new Parked', (i) => { sink[i & 15] = new Parked(); });
    b('new Parked+newPromise', (i) => { const w = new Parked(); sink[i & 15] = newPromise(w); });
    b('closure promise', (i) => { let r; sink[i & 15] = new Promise((res) => (r = res)); sink[(i + 1) & 15] = r; });
    b('getStore', (i) => { sink[i & 15] = currentTaskRecord(); });
    b('park+complete', (i) => { const w = new Parked<number>(); sink[i & 15] = w.park(undefined); w.complete(1); });
  }
  console.log(Object.entries(out).map(([k, v]) => `${k}: ${v.toFixed(1)}ns`).join('  |  '));
}
await run();
await spawn(run);
