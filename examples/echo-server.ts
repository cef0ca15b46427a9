/**
 * The classic TCP echo server on weft: one task per connection, read buffers
 * from a shared pool, backpressure end to end (a client that stops reading
 * makes its own task wait, nobody else's).
 *
 *   node --conditions=weft-source --import tsx examples/echo-server.ts [port] [--lines] [--frame-timeout=ms]
 *
 * `--lines` echoes line by line through `Framed` + `LinesCodec` instead of raw
 * bytes; `--frame-timeout` then closes a client that takes longer than that to
 * send a line it has started (slow loris) while leaving idle clients alone.
 * Ctrl-C stops it gracefully (weft's `main`).
 */
import { main, spawn } from 'weft';
import { BufferPool, TcpListener, type NetStream } from 'weft/net';
import { Framed, LinesCodec } from 'weft/codec';

/** How connections are served. */
export interface EchoOptions {
  /** Echo line by line (Framed + LinesCodec) instead of raw bytes. */
  lines?: boolean;
  /** With `lines`: ms a started line may take to arrive completely. Default Infinity. */
  frameTimeout?: number;
  /** Read buffers for raw echo (shared by all connections). */
  pool?: BufferPool;
  /** Called with each connection's failure (reset, timeout...); it only ends that connection. */
  onError?: (err: unknown) => void;
}

/** Echoes raw bytes until the client shuts down its side. */
export async function echoBytes(stream: NetStream, pool: BufferPool): Promise<void> {
  const buf = pool.acquire();
  try {
    for (let n; (n = await stream.read(buf)) > 0;) await stream.writeAll(buf.subarray(0, n));
  } finally {
    pool.release(buf);
  }
}

/** Echoes each line back (with its newline) until the client shuts down its side. */
export async function echoLines(stream: NetStream, frameTimeout = Infinity): Promise<void> {
  const framed = new Framed(stream, new LinesCodec(), { frameTimeout });
  for await (const line of framed) await framed.send(line);
}

/**
 * Accepts connections until the listener closes (or the calling task is
 * aborted), serving each in its own task.
 */
export async function runEchoServer(listener: TcpListener, options: EchoOptions = {}): Promise<void> {
  const pool = options.pool ?? new BufferPool({ bufferSize: 16 * 1024 });
  for await (const stream of listener) {
    spawn(async () => {
      try {
        if (options.lines === true) await echoLines(stream, options.frameTimeout);
        else await echoBytes(stream, pool);
      } catch (err) {
        options.onError?.(err);
      } finally {
        stream.close();
      }
    });
  }
}

async function cli(): Promise<void> {
  const args = process.argv.slice(2);
  const port = Number(args.find((a) => /^\d+$/.test(a)) ?? 7007);
  const lines = args.includes('--lines');
  const ft = args.find((a) => a.startsWith('--frame-timeout='));
  await main(async () => {
    await using listener = await TcpListener.bind({ host: '127.0.0.1', port });
    const { address, port: bound } = listener.localAddr();
    console.log(`echo server on ${address}:${bound}${lines ? ' (lines)' : ''}; Ctrl-C to stop`);
    await runEchoServer(listener, {
      lines,
      frameTimeout: ft === undefined ? Infinity : Number(ft.split('=')[1]),
      onError: (err) => console.error(`connection ended: ${String(err)}`),
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await cli();
