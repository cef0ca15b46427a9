import { createServer, type Socket } from 'node:net';
import { signalOf } from '../core/validate.js';
import { parseAddr, socketAddr, type AddrInput, type SocketAddr } from './addr.js';
import { ioOptions, noDelayOption, type TcpStreamOptions } from './options.js';
import { ListenerCore, listening, listenSettings, acceptLoop, type ListenOptions } from './listener-core.js';
import { TcpStream } from './tcp-stream.js';

const acceptSite = { op: 'accept' };

/** Options of `TcpListener.bind`. The stream options apply to every accepted stream. */
export interface TcpBindOptions extends TcpStreamOptions, ListenOptions {
  signal?: AbortSignal;
}

/**
 * A TCP listening socket (Tokio's `TcpListener`). `accept()` waits for the
 * next connection; iterating the listener accepts forever, and keeps serving
 * when individual connections fail (a connection reset before it was accepted
 * is skipped; listener-level errors such as running out of file descriptors
 * are counted and survived). `close()` stops accepting and leaves streams
 * already accepted open.
 *
 * @example
 * ```ts
 * import { spawn } from 'weft';
 * import { TcpListener, TcpStream } from 'weft/net';
 * const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0 });
 * const server = spawn(async () => {
 *   for await (const stream of listener) {
 *     spawn(async () => {
 *       await using s = stream;
 *       const buf = new Uint8Array(1024);
 *       for (let n; (n = await s.read(buf)) > 0; ) await s.writeAll(buf.subarray(0, n));
 *     });
 *   }
 * });
 * await using client = await TcpStream.connect(listener.localAddr());
 * await client.writeAll(new Uint8Array([1, 2, 3]));
 * const echo = new Uint8Array(3);
 * await client.readExact(echo);
 * console.assert(echo[2] === 3);
 * await listener.close(); // the accept loop ends; the connection stays open
 * await server;
 * ```
 */
export class TcpListener implements AsyncIterable<TcpStream>, AsyncDisposable {
  readonly #core: ListenerCore<TcpStream>;
  readonly #local: SocketAddr;

  private constructor(core: ListenerCore<TcpStream>) {
    this.#core = core;
    const a = core.server.address();
    this.#local =
      a !== null && typeof a === 'object' ? socketAddr(a.address, a.port, a.family) : socketAddr(undefined, 0, '');
  }

  /**
   * Opens a listening socket.
   *
   * @param addr a port (all interfaces), `'host:port'`, `'[::]:port'`, or `{ host, port }`; port 0 picks a free port
   * @param options `signal`; `backlog` (511); `maxPending` (1024); for accepted streams: `noDelay` (true),
   *   `readTimeout` (ms, Infinity), `readHighWaterMark` (64 KiB)
   * @returns the listener, already listening
   * @throws AddrParseError (a TypeError) for a malformed address; RangeError for a port outside 0..65535
   *   or a bad option
   * @rejects IoError if the address cannot be bound (`kind` e.g. `'EADDRINUSE'`, `'EADDRNOTAVAIL'`, `'EACCES'`)
   *
   * **Cancellation**: aborting closes the socket; nothing is left listening.
   */
  static bind(addr: AddrInput, options?: TcpBindOptions): Promise<TcpListener> {
    const fn = 'TcpListener.bind';
    const { host, port } = parseAddr(addr, fn);
    const signal = signalOf(options, fn);
    const io = ioOptions(options, fn);
    const noDelay = noDelayOption(options, fn);
    const { backlog, maxPending } = listenSettings(options, fn);
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay });
    const streams = { ...io, name: undefined };
    const wrap = (socket: Socket): TcpStream => new TcpStream(socket, streams, noDelay);
    const core = new ListenerCore(server, wrap, acceptSite, maxPending, 'listener', io.name);
    return listening(server, () => server.listen({ host, port, backlog }), signal).then(() => new TcpListener(core));
  }

  /**
   * Waits for the next connection.
   *
   * @returns the accepted stream
   * @rejects SocketClosedError once the listener is closed (also for an `accept()` waiting when it closes)
   *
   * **Cancellation**: cancel-safe. If aborted, no connection was taken: the
   * next one goes to the next `accept()`.
   */
  accept(options?: { signal?: AbortSignal }): Promise<TcpStream> {
    return this.#core.accept(signalOf(options, 'TcpListener.accept'));
  }

  /** The address the listener is bound to (with the port the OS picked for port 0). */
  localAddr(): SocketAddr {
    return this.#local;
  }

  /** Listener-level errors survived (e.g. `EMFILE` when the process ran out of file descriptors). */
  get acceptErrors(): number {
    return this.#core.acceptErrors;
  }

  /** Connections closed on arrival because `maxPending` connections were already waiting for `accept()`. */
  get dropped(): number {
    return this.#core.dropped;
  }

  /**
   * Stops accepting: the listening socket is closed (resolves once it is
   * released), connections not yet accepted are closed, and a waiting
   * `accept()` rejects with `SocketClosedError`. Streams already accepted stay
   * open. Idempotent.
   */
  close(): Promise<void> {
    return this.#core.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#core.close();
  }

  /**
   * Accepts connections until the listener is closed (the loop then ends
   * normally). A task abort rejects the pending accept, ending the loop with
   * `CancelledError`.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<TcpStream> {
    yield* acceptLoop(this.#core);
  }
}
