import type { Socket } from 'node:net';
import { signalOf } from '../core/validate.js';
import {
  bytesArg,
  kReadSink,
  kReadWithin,
  kTryWrite,
  type AsyncRead,
  type AsyncWrite,
  type ReadSink,
} from '../io/traits.js';
import { SocketIo, type IoOptions } from './socket-io.js';
import { ReadHalf, WriteHalf } from './halves.js';

/**
 * What TCP and Unix streams have in common: reading, writing, shutdown, close
 * and split. Use `TcpStream` or `UnixStream`; write code against `NetStream`
 * to accept either.
 *
 * @example
 * ```ts
 * import { TcpListener, TcpStream, type NetStream } from 'weft/net';
 * async function greet(stream: NetStream): Promise<void> {
 *   await stream.writeAll(new TextEncoder().encode('hi\n'));
 *   await stream.shutdown();
 * }
 * await using listener = await TcpListener.bind('127.0.0.1:0');
 * await using client = await TcpStream.connect(listener.localAddr());
 * await using server = await listener.accept();
 * await greet(server);
 * const buf = new Uint8Array(3);
 * await client.readExact(buf);
 * console.assert(buf[2] === 10 && (await client.read(buf)) === 0);
 * ```
 */
export abstract class NetStream implements AsyncRead, AsyncWrite, AsyncDisposable {
  /** @internal */
  protected readonly io: SocketIo;
  #halves = 0;

  /** @internal */
  protected constructor(socket: Socket, options: IoOptions, kind: 'tcp' | 'unix') {
    this.io = new SocketIo(socket, options, kind);
  }

  /** Bytes received and not read yet (at most about `readHighWaterMark` plus one chunk). */
  get readBuffered(): number {
    return this.io.readBuffered;
  }

  /** Bytes accepted by `write()` that have not reached the kernel yet (at most the high-water mark plus one write). */
  get writeBuffered(): number {
    return this.io.writeBuffered;
  }

  /** Unsent bytes at which `write()` starts waiting for the socket to drain (Node's `writableHighWaterMark`). */
  get writeHighWaterMark(): number {
    return this.io.socket.writableHighWaterMark;
  }

  /**
   * Reads at least one byte into `buf`, waiting until some arrive, and returns
   * how many were read. Returns 0 at the end of the stream (the peer shut
   * down its side) or when `buf` is empty.
   *
   * @param buf where to put the bytes; up to `buf.length` are read
   * @returns the number of bytes read, 0 at end of stream
   * @throws TypeError if `buf` is not a Uint8Array
   * @rejects IoError on a socket error (e.g. kind `'ECONNRESET'`); SocketClosedError after `close()`;
   *   ReadTimeoutError if the stream's `readTimeout` passed with nothing received (the stream is then closed)
   *
   * **Cancellation**: cancel-safe. If `options.signal` (or the calling task)
   * aborts the wait, no bytes were consumed: they stay buffered for the next read.
   */
  read(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<number> {
    bytesArg(buf, 'read');
    return this.io.read(buf, signalOf(options, 'read'), Infinity, 0);
  }

  /**
   * Reads exactly `buf.length` bytes.
   *
   * @throws TypeError if `buf` is not a Uint8Array
   * @rejects UnexpectedEofError (`bytesRead` says how many arrived) if the stream ends first;
   *   otherwise as `read()`
   *
   * **Cancellation**: not cancel-safe. If aborted, some bytes may already have
   * been consumed into `buf` and are lost to later reads.
   */
  readExact(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<void> {
    bytesArg(buf, 'readExact');
    return this.io.readExact(buf, signalOf(options, 'readExact'));
  }

  /**
   * Writes up to 64 KiB of `buf` and returns how many bytes were taken. Waits
   * first while the socket already holds its high-water mark of unsent bytes
   * (backpressure: a peer that does not read makes writers wait, never
   * makes the process buffer without limit). The bytes are copied: `buf` may
   * be reused as soon as the promise resolves.
   *
   * @returns the number of bytes written (less than `buf.length` only for buffers over 64 KiB)
   * @throws TypeError if `buf` is not a Uint8Array
   * @rejects WriteAfterShutdownError after `shutdown()`; SocketClosedError after `close()`; IoError on a socket error
   *
   * **Cancellation**: cancel-safe. If aborted while waiting for the socket to
   * drain, nothing of `buf` was written.
   */
  write(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<number> {
    bytesArg(buf, 'write');
    return this.io.write(buf, signalOf(options, 'write'));
  }

  /**
   * Writes all of `buf`, waiting for the socket to drain as often as needed.
   *
   * @throws TypeError if `buf` is not a Uint8Array
   * @rejects as `write()`
   *
   * **Cancellation**: not cancel-safe. If aborted, a prefix of `buf` may
   * already have been written.
   */
  writeAll(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<void> {
    bytesArg(buf, 'writeAll');
    const signal = signalOf(options, 'writeAll');
    return this.io.writeAll(buf, signal);
  }

  /**
   * Shuts down the writing side: flushes what was written, then sends FIN.
   * The peer's reads then return 0; reading from this stream continues to
   * work. Later writes reject with `WriteAfterShutdownError`. Idempotent.
   *
   * @rejects IoError if the socket fails before the flush completes; SocketClosedError after `close()`
   *
   * **Cancellation**: aborting abandons the wait for the flush; the shutdown
   * itself has started and still completes.
   */
  shutdown(options?: { signal?: AbortSignal }): Promise<void> {
    return this.io.shutdown(signalOf(options, 'shutdown'));
  }

  /**
   * Closes the stream at once. Pending and later reads and writes reject with
   * `SocketClosedError`; bytes received and not read are dropped. Bytes
   * already accepted by `write()` are still flushed (for at most 5 s) before
   * the socket is destroyed. Idempotent.
   */
  close(): void {
    this.io.close();
  }

  /** Closes the stream and resolves once its socket handle is released. */
  [Symbol.asyncDispose](): Promise<void> {
    this.io.close();
    return this.io.whenClosed();
  }

  /**
   * Splits the stream into a read half and a write half that can be used from
   * different tasks (e.g. one task reading while another writes). The stream
   * closes once both halves are closed; closing the write half shuts down the
   * writing side. The stream itself stays usable, and `close()` on it closes
   * both halves.
   *
   * @returns `[ReadHalf, WriteHalf]`
   */
  split(): [ReadHalf, WriteHalf] {
    this.#halves = 2;
    return [new ReadHalf(this.io, this), new WriteHalf(this.io, this)];
  }

  /** @internal Called by a half's close(). */
  halfClosed(): void {
    if (--this.#halves === 0) this.io.close();
  }

  /** @internal */
  [kTryWrite](buf: Uint8Array): boolean {
    return this.io.tryWrite(buf);
  }

  /** @internal */
  [kReadWithin](buf: Uint8Array, signal: AbortSignal | undefined, deadline: number, ms: number): Promise<number> {
    return this.io.read(buf, signal, deadline, ms);
  }

  /** @internal */
  [kReadSink](sink: ReadSink, signal: AbortSignal | undefined): Promise<unknown> {
    return this.io.readSink(sink, signal);
  }
}
