import { signalOf } from '../core/validate.js';
import { silence } from '../core/promise.js';
import {
  bytesArg,
  kReadSink,
  kReadWithin,
  kTryWrite,
  type AsyncRead,
  type AsyncWrite,
  type ReadSink,
} from '../io/traits.js';
import type { SocketIo } from './socket-io.js';
import { SocketClosedError } from '../io/errors.js';

/** @internal What a half tells when it is closed. */
export interface HalfOwner {
  halfClosed(): void;
}

/**
 * The reading half of a split stream (`stream.split()`). Reads behave exactly
 * as on the stream.
 *
 * @example
 * ```ts
 * import { TcpListener, TcpStream } from 'weft/net';
 * await using listener = await TcpListener.bind('127.0.0.1:0');
 * await using client = await TcpStream.connect(listener.localAddr());
 * await using server = await listener.accept();
 * const [reader, writer] = server.split();
 * await client.writeAll(new TextEncoder().encode('ping'));
 * const buf = new Uint8Array(4);
 * await reader.readExact(buf);
 * await writer.writeAll(buf); // echo it back
 * await client.readExact(buf);
 * console.assert(new TextDecoder().decode(buf) === 'ping');
 * reader.close();
 * writer.close();
 * ```
 */
export class ReadHalf implements AsyncRead, Disposable {
  readonly #io: SocketIo;
  #owner: HalfOwner | undefined;

  /** @internal */
  constructor(io: SocketIo, owner: HalfOwner) {
    this.#io = io;
    this.#owner = owner;
  }

  /**
   * As `TcpStream.read()`: reads at least one byte, 0 at end of stream.
   *
   * **Cancellation**: cancel-safe; an aborted read consumed no bytes.
   */
  read(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<number> {
    bytesArg(buf, 'ReadHalf.read');
    const signal = signalOf(options, 'ReadHalf.read');
    if (this.#owner === undefined) return Promise.reject(new SocketClosedError('this read half is closed'));
    return this.#io.read(buf, signal, Infinity, 0);
  }

  /**
   * As `TcpStream.readExact()`: fills `buf` or rejects with `UnexpectedEofError`.
   *
   * **Cancellation**: not cancel-safe; bytes read before the abort are lost.
   */
  readExact(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<void> {
    bytesArg(buf, 'ReadHalf.readExact');
    const signal = signalOf(options, 'ReadHalf.readExact');
    if (this.#owner === undefined) return Promise.reject(new SocketClosedError('this read half is closed'));
    return this.#io.readExact(buf, signal);
  }

  /** Releases this half; the stream closes once both halves are closed. Idempotent. */
  close(): void {
    const owner = this.#owner;
    if (owner === undefined) return;
    this.#owner = undefined;
    owner.halfClosed();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal */
  [kReadWithin](buf: Uint8Array, signal: AbortSignal | undefined, deadline: number, ms: number): Promise<number> {
    if (this.#owner === undefined) return Promise.reject(new SocketClosedError('this read half is closed'));
    return this.#io.read(buf, signal, deadline, ms);
  }

  /** @internal */
  [kReadSink](sink: ReadSink, signal: AbortSignal | undefined): Promise<unknown> {
    if (this.#owner === undefined) {
      sink.ended();
      return Promise.reject(new SocketClosedError('this read half is closed'));
    }
    return this.#io.readSink(sink, signal);
  }
}

/**
 * The writing half of a split stream (`stream.split()`). Writes behave exactly
 * as on the stream; closing it shuts down the writing side (the peer reads
 * end of stream).
 *
 * @example
 * ```ts
 * import { TcpListener, TcpStream } from 'weft/net';
 * await using listener = await TcpListener.bind('127.0.0.1:0');
 * await using client = await TcpStream.connect(listener.localAddr());
 * await using server = await listener.accept();
 * const [reader, writer] = client.split();
 * await writer.writeAll(new Uint8Array([1, 2, 3]));
 * writer.close(); // FIN: the server reads 3 bytes, then 0
 * const buf = new Uint8Array(8);
 * let total = 0;
 * for (let n; (n = await server.read(buf.subarray(total))) > 0; ) total += n;
 * console.assert(total === 3);
 * reader.close();
 * ```
 */
export class WriteHalf implements AsyncWrite, Disposable {
  readonly #io: SocketIo;
  #owner: HalfOwner | undefined;

  /** @internal */
  constructor(io: SocketIo, owner: HalfOwner) {
    this.#io = io;
    this.#owner = owner;
  }

  /**
   * As `TcpStream.write()`: writes up to 64 KiB, waiting for the socket to drain first if needed.
   *
   * **Cancellation**: cancel-safe; if aborted, nothing of `buf` was written.
   */
  write(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<number> {
    bytesArg(buf, 'WriteHalf.write');
    const signal = signalOf(options, 'WriteHalf.write');
    if (this.#owner === undefined) return Promise.reject(new SocketClosedError('this write half is closed'));
    return this.#io.write(buf, signal);
  }

  /**
   * As `TcpStream.writeAll()`.
   *
   * **Cancellation**: not cancel-safe; a prefix of `buf` may have been written.
   */
  writeAll(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<void> {
    bytesArg(buf, 'WriteHalf.writeAll');
    const signal = signalOf(options, 'WriteHalf.writeAll');
    if (this.#owner === undefined) return Promise.reject(new SocketClosedError('this write half is closed'));
    return this.#io.writeAll(buf, signal);
  }

  /**
   * As `TcpStream.shutdown()`: flush, then FIN.
   *
   * **Cancellation**: aborting abandons the wait; the shutdown still completes.
   */
  shutdown(options?: { signal?: AbortSignal }): Promise<void> {
    return this.#io.shutdown(signalOf(options, 'WriteHalf.shutdown'));
  }

  /** @internal */
  [kTryWrite](buf: Uint8Array): boolean {
    return this.#owner !== undefined && this.#io.tryWrite(buf);
  }

  /** Shuts down the writing side (in the background) and releases this half. Idempotent. */
  close(): void {
    const owner = this.#owner;
    if (owner === undefined) return;
    this.#owner = undefined;
    if (!this.#io.isClosed) silence(this.#io.shutdown(undefined));
    owner.halfClosed();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
