import { Piscina } from 'piscina';
const p = new Piscina({ filename: '/tmp/pisc-task.mjs', minThreads: 2, maxThreads: 2 });
await Promise.all(Array.from({ length: 1000 }, () => p.run(0)));
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 10000 }, () => p.run(0)));
  console.log('piscina 10k burst ms', (performance.now() - t0).toFixed(1));
}
for (let r = 0; r < 2; r++) {
  const N = 5000; const t0 = performance.now();
  for (let i = 0; i < N; i++) await p.run(0);
  console.log('piscina serial rt us', ((performance.now() - t0) * 1000 / N).toFixed(1));
}
await p.destroy();
