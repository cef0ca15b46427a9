import { spawn } from 'weft';
import { mpsc } from 'weft/sync';
import { rawPingPong } from './bench/pingpong.js';
const n = 100_000;
async function trySendPP(n: number) {
  const [pingTx, pingRx] = mpsc.channel<number>(1);
  const [pongTx, pongRx] = mpsc.channel<number>(1);
  const ponger = spawn(async () => { for (let i = 0; i < n; i++) pongTx.trySend((await pingRx.recv())! + 1); });
  await spawn(async () => { for (let i = 0; i < n; i++) { pingTx.trySend(i); await pongRx.recv(); } });
  await ponger;
}
async function sendPP(n: number) {
  const [pingTx, pingRx] = mpsc.channel<number>(1);
  const [pongTx, pongRx] = mpsc.channel<number>(1);
  const ponger = spawn(async () => { for (let i = 0; i < n; i++) await pongTx.send((await pingRx.recv())! + 1); });
  await spawn(async () => { for (let i = 0; i < n; i++) { await pingTx.send(i); await pongRx.recv(); } });
  await ponger;
}
const res: Record<string, number[]> = {};
const add = (k: string, v: number) => (res[k] ??= []).push(v);
for (let r = 0; r < 10; r++) {
  let t = performance.now(); await spawn(() => rawPingPong(n)); add('raw', performance.now() - t);
  t = performance.now(); await trySendPP(n); add('weft trySend', performance.now() - t);
  t = performance.now(); await sendPP(n); add('weft send', performance.now() - t);
}
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(16), 'min', Math.min(...v).toFixed(1), 'median', v.sort((a,b)=>a-b)[5]!.toFixed(1));
import { scheduler } from './src/runtime/scheduler.js';
scheduler.budget = () => true;
const res2: Record<string, number[]> = {};
for (let r = 0; r < 10; r++) {
  let t = performance.now(); await spawn(() => rawPingPong(n)); (res2['raw'] ??= []).push(performance.now() - t);
  t = performance.now(); await sendPP(n); (res2['weft send, no budget'] ??= []).push(performance.now() - t);
}
for (const [k, v] of Object.entries(res2)) console.log(k.padEnd(22), 'min', Math.min(...v).toFixed(1), 'median', v.sort((a,b)=>a-b)[5]!.toFixed(1));
