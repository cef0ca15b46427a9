import { readdirSync } from 'node:fs';
import { TcpListener, TcpStream, type TcpBindOptions, type TcpConnectOptions } from 'weft/net';

/** A listener on loopback and one connected client/server pair. Dispose closes all three. */
export async function tcpPair(
  bind?: TcpBindOptions,
  connect?: TcpConnectOptions,
): Promise<{ listener: TcpListener; client: TcpStream; server: TcpStream } & AsyncDisposable> {
  const listener = await TcpListener.bind('127.0.0.1:0', bind);
  const client = await TcpStream.connect(listener.localAddr(), connect);
  const server = await listener.accept();
  return {
    listener,
    client,
    server,
    async [Symbol.asyncDispose]() {
      await Promise.all([client[Symbol.asyncDispose](), server[Symbol.asyncDispose](), listener.close()]);
    },
  };
}

/** 'pending' if the promise has not settled after a macrotask turn, else 'resolved' / 'rejected'. */
export async function stateOf(p: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((r) => setImmediate(r));
  return state;
}

/** Open file descriptors of this process (Linux), or -1 where /proc is not available. */
export function fdCount(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

/** Polls `cond` every few ms until it holds or `ms` pass. */
export async function until(cond: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);
