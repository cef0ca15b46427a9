import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { TcpListener } from 'weft/net';
import { runEchoServer, echoBytes } from '../examples/echo-server.js';
import { BufferPool } from 'weft/net';
const io = () => Object.fromEntries(readFileSync('/proc/self/io', 'utf8').trim().split('\n').map((l) => { const [k, v] = l.split(': '); return [k, Number(v)]; }));
const impl = process.argv[2];
let port: number;
if (impl === 'notask') { const l = await TcpListener.bind('127.0.0.1:0'); port = l.localAddr().port; const pool = new BufferPool(); void (async () => { for (;;) { const st = await l.accept(); void echoBytes(st, pool).catch(() => {}); } })(); }
else if (impl === 'weft') { const l = await TcpListener.bind('127.0.0.1:0'); port = l.localAddr().port; void runEchoServer(l); }
else { const s = createServer({ noDelay: true }, (c) => { c.on('data', (d: Buffer) => c.write(d)); c.on('error', () => c.destroy()); }); await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r())); port = (s.address() as { port: number }).port; }
const c = fork('bench/echo.ts', ['--client=raw', `--port=${port}`, '--ms=2000'], { execArgv: ['--conditions=weft-source', '--import', 'tsx'] });
let a: Record<string, number> = {}; let cpu0 = 0;
c.on('message', (m: any) => { if (m === 'measuring') { a = io(); const u = process.cpuUsage(); cpu0 = u.user + u.system; } else { const b = io(); const u = process.cpuUsage(); const trips = m.rtts.length; console.log(impl, 'trips', trips, 'reads/trip', ((b.syscr - a.syscr) / trips).toFixed(2), 'writes/trip', ((b.syscw - a.syscw) / trips).toFixed(2), 'cpu µs/trip', ((u.user + u.system - cpu0) / trips).toFixed(2)); } });
await new Promise((r) => c.on('exit', r));
process.exit(0);
