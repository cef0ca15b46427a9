import { sleep } from 'weft';
const N = 5000;
for (let round = 0; round < 3; round++) {
  const late: number[] = [];
  const ps = [];
  for (let i = 0; i < N; i++) { const ms = Math.random() * 50; const t = performance.now(); ps.push(sleep(ms).then(() => late.push(performance.now() - t - ms))); }
  await Promise.all(ps);
  late.sort((a, b) => a - b);
  const rl: number[] = []; const rp = [];
  for (let i = 0; i < N; i++) { const ms = Math.random() * 50; const t = performance.now(); rp.push(new Promise<void>(r => setTimeout(() => { rl.push(performance.now() - t - ms); r(); }, ms))); }
  await Promise.all(rp); rl.sort((a, b) => a - b);
  console.log('weft p50', late[N/2]!.toFixed(2), 'p99', late[Math.floor(N*0.99)]!.toFixed(2), 'max', late[N-1]!.toFixed(2), '| raw p50', rl[N/2]!.toFixed(2), 'p99', rl[Math.floor(N*0.99)]!.toFixed(2));
}
