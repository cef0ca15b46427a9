import type { Socket } from 'node:net';
import { signalOf } from '../core/validate.js';
import { NetStream } from './net-stream.js';
import { unixPath } from './addr.js';
import { ioOptions, type StreamOptions } from './options.js';
import { connectSocket } from './connect.js';
import type { IoOptions } from './socket-io.js';

const connectSite = { op: 'unix.connect' };

/** Options of `UnixStream.connect`. */
export interface UnixConnectOptions extends StreamOptions {
  signal?: AbortSignal;
}

/**
 * A Unix domain socket connection: the same reads, writes, shutdown, split and
 * cancellation rules as `TcpStream`, addressed by a filesystem path.
 *
 * @example
 * ```ts
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { UnixListener, UnixStream } from 'weft/net';
 * const path = join(tmpdir(), `weft-doc-${process.pid}.sock`);
 * await using listener = await UnixListener.bind(path);
 * await using client = await UnixStream.connect(path);
 * await using server = await listener.accept();
 * await client.writeAll(new Uint8Array([42]));
 * const buf = new Uint8Array(1);
 * await server.readExact(buf);
 * console.assert(buf[0] === 42);
 * ```
 */
export class UnixStream extends NetStream {
  readonly #path: string;

  /** @internal Streams come from `UnixStream.connect` or `UnixListener.accept`. */
  constructor(socket: Socket, options: IoOptions, path: string) {
    super(socket, options, 'unix');
    this.#path = path;
  }

  /**
   * Connects to the Unix socket at `path`.
   *
   * @param options `signal`; `readTimeout` (ms, default Infinity); `readHighWaterMark` (default 64 KiB)
   * @throws TypeError for a path that is not a string, empty or contains NUL; RangeError if it is too long
   *   for a socket address (107 bytes on Linux)
   * @rejects IoError if nothing listens there (`kind` `'ENOENT'` or `'ECONNREFUSED'`)
   *
   * **Cancellation**: aborting destroys the half-open socket.
   */
  static connect(path: string, options?: UnixConnectOptions): Promise<UnixStream> {
    const fn = 'UnixStream.connect';
    unixPath(path, fn);
    const signal = signalOf(options, fn);
    const io = ioOptions(options, fn);
    return connectSocket(
      { path, allowHalfOpen: true },
      (socket) => new UnixStream(socket, io, path),
      signal,
      connectSite,
      `connect to ${path}`,
    );
  }

  /** The socket path this stream is connected to (or accepted on). */
  get path(): string {
    return this.#path;
  }
}
