/**
 * A client for examples/echo-server.ts: sends each argument as a line and
 * prints what comes back, with the round-trip time.
 *
 *   node --conditions=weft-source --import tsx examples/echo-client.ts [port] hello world
 */
import { TcpStream } from 'weft/net';
import { Framed, LinesCodec } from 'weft/codec';

/** Sends each message as a line over one connection; returns the echoes and their round-trip times in ms. */
export async function echoRoundTrips(
  addr: { host: string; port: number },
  messages: readonly string[],
): Promise<{ echo: string; ms: number }[]> {
  await using framed = new Framed(await TcpStream.connect(addr), new LinesCodec());
  const out: { echo: string; ms: number }[] = [];
  for (const message of messages) {
    const t0 = performance.now();
    await framed.send(message);
    const echo = await framed.next();
    if (echo === undefined) throw new Error('the server closed the connection');
    out.push({ echo, ms: performance.now() - t0 });
  }
  return out;
}

/** What `runEchoLoad` measured. */
export interface EchoLoadResult {
  /** Round-trip times in µs, one per message, all connections together. */
  rtts: Float64Array;
  /** Bytes echoed back (payload received by clients). */
  bytes: number;
  /** Wall time of the run in ms. */
  ms: number;
  /** Connections that failed. */
  errors: number;
}

/**
 * `connections` clients each send a `size`-byte message and read the echo
 * back, over and over, for `durationMs` (raw-bytes echo, e.g. `runEchoServer`
 * without `lines`). Every loop is bounded by the duration and by `maxMessages`.
 */
export async function runEchoLoad(
  addr: { host: string; port: number },
  options: { connections: number; size: number; durationMs: number; maxMessages?: number },
): Promise<EchoLoadResult> {
  const { connections, size, durationMs } = options;
  const cap = options.maxMessages ?? 20_000_000;
  const rtts: number[] = [];
  let count = 0;
  let bytes = 0;
  let errors = 0;
  const streams = await Promise.all(Array.from({ length: connections }, () => TcpStream.connect(addr)));
  const t0 = performance.now();
  const end = t0 + durationMs;
  await Promise.all(
    streams.map(async (s) => {
      const msg = new Uint8Array(size).fill(120);
      const back = new Uint8Array(size);
      try {
        while (count < cap) {
          const t = performance.now();
          if (t >= end) break;
          await s.writeAll(msg);
          await s.readExact(back);
          const now = performance.now();
          rtts.push((now - t) * 1000);
          count++;
          bytes += size;
        }
        await s.shutdown();
      } catch {
        errors++;
      } finally {
        await s[Symbol.asyncDispose]();
      }
    }),
  );
  return { rtts: Float64Array.from(rtts), bytes, ms: performance.now() - t0, errors };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const port = /^\d+$/.test(args[0] ?? '') ? Number(args.shift()) : 7007;
  const messages = args.length > 0 ? args : ['hello', 'weft'];
  for (const { echo, ms } of await echoRoundTrips({ host: '127.0.0.1', port }, messages)) {
    console.log(`${echo}  (${(ms * 1000).toFixed(0)} µs)`);
  }
}
