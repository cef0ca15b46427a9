/**
 * About a second of echo load for the showcase: a weft echo server and 50
 * weft clients in this process, each sending 4 KiB messages and reading the
 * echo back. `bench/echo.ts` runs the full comparison against raw node:net.
 *
 *   node --conditions=weft-source --import tsx examples/echo-showcase.ts
 */
import { spawn } from 'weft';
import { TcpListener } from 'weft/net';
import { runEchoServer } from './echo-server.js';
import { runEchoLoad } from './echo-client.js';

function quantile(sorted: Float64Array, q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Runs the echo load (`durationMs`, default 1,000) and returns the lines to print. */
export async function runEchoShowcase(durationMs = 1000): Promise<string[]> {
  const connections = 50;
  const size = 4096;
  const listener = await TcpListener.bind('127.0.0.1:0');
  const server = spawn(() => runEchoServer(listener));
  try {
    const r = await runEchoLoad(
      { host: '127.0.0.1', port: listener.localAddr().port },
      { connections, size, durationMs },
    );
    const sorted = r.rtts.sort();
    const mbps = r.bytes / (r.ms / 1000) / 1e6;
    return [
      `echo: ${connections} connections × ${size / 1024} KiB messages for ${(r.ms / 1000).toFixed(1)} s over loopback (server and clients in this process)`,
      `  ${(r.rtts.length / (r.ms / 1000)).toLocaleString('en-US', { maximumFractionDigits: 0 })} round trips/s, ${mbps.toFixed(0)} MB/s echoed`,
      `  round trip p50 ${(quantile(sorted, 0.5) / 1000).toFixed(2)} ms, p99 ${(quantile(sorted, 0.99) / 1000).toFixed(2)} ms, errors ${r.errors}`,
    ];
  } finally {
    await listener.close();
    await server;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await runEchoShowcase()) console.log(line);
}
