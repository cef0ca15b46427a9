import { Runtime, spawn } from 'weft';
const mode = process.argv[2]!;
const b = Runtime.builder();
if (mode === 'obs') b.observe();
if (mode === 'times') b.observe({ taskTimes: true });
const rt = b.build();
async function work() {
  const hs = new Array(1000);
  for (let i = 0; i < 1000; i++) hs[i] = spawn(async () => i);
  let s = 0;
  for (let i = 0; i < 1000; i++) s += await hs[i];
  return s;
}
for (let i = 0; i < 3000; i++) await rt.run(work);
