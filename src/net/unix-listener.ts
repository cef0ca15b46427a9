import { createServer, type Socket } from 'node:net';
import { signalOf } from '../core/validate.js';
import { unixPath } from './addr.js';
import { ioOptions, type StreamOptions } from './options.js';
import { ListenerCore, listening, listenSettings, acceptLoop, type ListenOptions } from './listener-core.js';
import { UnixStream } from './unix-stream.js';

const acceptSite = { op: 'accept' };

/** Options of `UnixListener.bind`. The stream options apply to every accepted stream. */
export interface UnixBindOptions extends StreamOptions, ListenOptions {
  signal?: AbortSignal;
}

/**
 * A Unix domain socket listener: the same accept, iteration and close rules as
 * `TcpListener`, bound to a filesystem path. The socket file is removed when
 * the listener closes. Binding over an existing file fails with `EADDRINUSE`
 * (remove a stale socket file first).
 *
 * @example
 * ```ts
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { UnixListener, UnixStream } from 'weft/net';
 * const path = join(tmpdir(), `weft-doc-listener-${process.pid}.sock`);
 * await using listener = await UnixListener.bind(path);
 * await using client = await UnixStream.connect(path);
 * await using server = await listener.accept();
 * console.assert(server.path === path);
 * ```
 */
export class UnixListener implements AsyncIterable<UnixStream>, AsyncDisposable {
  readonly #core: ListenerCore<UnixStream>;
  readonly #path: string;

  private constructor(core: ListenerCore<UnixStream>, path: string) {
    this.#core = core;
    this.#path = path;
  }

  /**
   * Listens on a Unix socket at `path`.
   *
   * @param options `signal`; `backlog` (511); `maxPending` (1024); for accepted streams: `readTimeout`,
   *   `readHighWaterMark`
   * @throws TypeError for a bad path; RangeError for a path too long for a socket address
   * @rejects IoError if the path cannot be bound (`kind` e.g. `'EADDRINUSE'`, `'EACCES'`, `'ENOENT'`)
   *
   * **Cancellation**: aborting closes the socket.
   */
  static bind(path: string, options?: UnixBindOptions): Promise<UnixListener> {
    const fn = 'UnixListener.bind';
    unixPath(path, fn);
    const signal = signalOf(options, fn);
    const io = ioOptions(options, fn);
    const { backlog, maxPending } = listenSettings(options, fn);
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true });
    const streams = { ...io, name: undefined };
    const wrap = (socket: Socket): UnixStream => new UnixStream(socket, streams, path);
    const core = new ListenerCore(server, wrap, acceptSite, maxPending, 'listener', io.name);
    return listening(server, () => server.listen({ path, backlog }), signal).then(() => new UnixListener(core, path));
  }

  /**
   * Waits for the next connection.
   *
   * @rejects SocketClosedError once the listener is closed
   *
   * **Cancellation**: cancel-safe; an aborted accept took no connection.
   */
  accept(options?: { signal?: AbortSignal }): Promise<UnixStream> {
    return this.#core.accept(signalOf(options, 'UnixListener.accept'));
  }

  /** The socket path. */
  get path(): string {
    return this.#path;
  }

  /** Stops accepting and removes the socket file; accepted streams stay open. Idempotent. */
  close(): Promise<void> {
    return this.#core.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#core.close();
  }

  /** Accepts connections until the listener is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<UnixStream> {
    yield* acceptLoop(this.#core);
  }
}
