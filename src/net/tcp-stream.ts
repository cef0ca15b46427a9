import type { Socket } from 'node:net';
import { signalOf } from '../core/validate.js';
import { NetStream } from './net-stream.js';
import { parseAddr, socketAddr, type AddrInput, type SocketAddr } from './addr.js';
import { ioOptions, noDelayOption, type TcpStreamOptions } from './options.js';
import { connectSocket } from './connect.js';
import type { IoOptions } from './socket-io.js';

const connectSite = { op: 'tcp.connect' };

/** Options of `TcpStream.connect`. */
export interface TcpConnectOptions extends TcpStreamOptions {
  signal?: AbortSignal;
}

/**
 * A TCP connection (Tokio's `TcpStream`): pull-based reads into your buffer,
 * backpressured writes, half-close with `shutdown()`, and `split()` for
 * reading and writing from different tasks. Every call that waits is
 * cancellable by `options.signal` and by aborting the calling task; `read`
 * and `write` are cancel-safe, `readExact` and `writeAll` are not.
 *
 * Reading is bounded: at most `readHighWaterMark` (64 KiB) received bytes are
 * buffered before the socket is paused, so a fast peer cannot make the process
 * buffer without limit. Writing is bounded the same way (see `write`).
 *
 * @example
 * ```ts
 * import { TcpListener, TcpStream } from 'weft/net';
 * await using listener = await TcpListener.bind('127.0.0.1:0');
 * await using client = await TcpStream.connect(listener.localAddr());
 * await using server = await listener.accept();
 * await client.writeAll(new TextEncoder().encode('hello'));
 * await client.shutdown();
 * const buf = new Uint8Array(16);
 * let n = 0;
 * for (let k; (k = await server.read(buf.subarray(n))) > 0; ) n += k; // 0 = end of stream
 * console.assert(new TextDecoder().decode(buf.subarray(0, n)) === 'hello');
 * ```
 */
export class TcpStream extends NetStream {
  readonly #local: SocketAddr;
  readonly #peer: SocketAddr;
  readonly #socket: Socket;

  /** @internal Streams come from `TcpStream.connect` or `TcpListener.accept`. */
  constructor(socket: Socket, options: IoOptions, noDelay: boolean) {
    super(socket, options, 'tcp');
    this.#socket = socket;
    if (noDelay) socket.setNoDelay(true);
    this.#local = socketAddr(socket.localAddress, socket.localPort, socket.localFamily);
    this.#peer = socketAddr(socket.remoteAddress, socket.remotePort, socket.remoteFamily);
  }

  /**
   * Opens a TCP connection.
   *
   * @param addr a port (connects to `localhost`), `'host:port'`, `'[::1]:port'`, `{ host, port }`,
   *   or a `SocketAddr` such as `listener.localAddr()`
   * @param options `signal`; `noDelay` (default true); `readTimeout` (ms, default Infinity);
   *   `readHighWaterMark` (bytes, default 64 KiB)
   * @returns the connected stream
   * @throws AddrParseError (a TypeError) for a malformed address; RangeError for a port outside 0..65535
   *   or a bad option
   * @rejects IoError if the connection fails (`kind` e.g. `'ECONNREFUSED'`, `'ENOTFOUND'`)
   *
   * **Cancellation**: aborting destroys the half-open socket; no connection is left behind.
   */
  static connect(addr: AddrInput, options?: TcpConnectOptions): Promise<TcpStream> {
    const { host, port } = parseAddr(addr, 'TcpStream.connect');
    const signal = signalOf(options, 'TcpStream.connect');
    const io = ioOptions(options, 'TcpStream.connect');
    const noDelay = noDelayOption(options, 'TcpStream.connect');
    return connectSocket(
      { host: host ?? 'localhost', port, allowHalfOpen: true, noDelay },
      (socket) => new TcpStream(socket, io, noDelay),
      signal,
      connectSite,
      `connect to ${host ?? 'localhost'}:${port}`,
    );
  }

  /** Sets TCP_NODELAY: true sends small writes at once (Nagle's algorithm off), false lets the kernel coalesce them. */
  setNoDelay(on: boolean): void {
    if (typeof on !== 'boolean') throw new TypeError('TcpStream.setNoDelay: on must be a boolean');
    if (!this.#socket.destroyed) this.#socket.setNoDelay(on);
  }

  /** The local address of the connection. */
  localAddr(): SocketAddr {
    return this.#local;
  }

  /** The remote address of the connection. */
  peerAddr(): SocketAddr {
    return this.#peer;
  }
}
