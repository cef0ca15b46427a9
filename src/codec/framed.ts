import { Parked, WaitQueue } from '../core/wait-queue.js';
import { signalOf, duration, integer } from '../core/validate.js';
import { RESOLVED } from '../core/promise.js';
import { scheduler } from '../core/scheduler.js';
import { currentRuntime } from '../runtime/runtime.js';
import { timeout } from '../time/timeout.js';
import { TimeoutError } from '../time/errors.js';
import type { Clock } from '../core/clock.js';
import {
  NEED_MORE,
  hasReadSink,
  hasReadWithin,
  hasTryWrite,
  kReadSink,
  kReadWithin,
  kTryWrite,
  type AsyncRead,
  type AsyncWrite,
  type ReadSink,
} from '../io/traits.js';
import { ReadTimeoutError, UnexpectedEofError } from '../io/errors.js';
import { BytesBuffer } from './bytes-buffer.js';
import type { Codec } from './codec.js';

const flushSite = { op: 'framed.flush' };

// Framed's sink methods, reachable from FrameSink without being part of Framed's API.
let sinkSpare: (f: Framed<any, any>) => Uint8Array;
let sinkFilled: (f: Framed<any, any>, n: number) => unknown;
let sinkEnded: (f: Framed<any, any>) => void;

/** What `Framed` reads from and writes to: a stream, a half, or any object with `read` and/or `writeAll`. */
export type FramedIo = (AsyncRead | AsyncWrite) & {
  close?(): unknown;
  [Symbol.asyncDispose]?(): PromiseLike<void>;
};

/** Options of `Framed`. */
export interface FramedOptions {
  /**
   * Bytes requested from the reader per read, 1 B to 16 MiB (more while a frame
   * larger than this is arriving: up to what is already buffered). Default 8 KiB.
   */
  readSize?: number;
  /**
   * Once the first byte of a frame has arrived, the rest must arrive within
   * this many ms, or `next()` rejects with `ReadTimeoutError` and the stream
   * is closed: a peer that trickles a frame (slow loris) is cut off, while a
   * connection idle between frames is left alone. Default Infinity.
   */
  frameTimeout?: number;
  /**
   * Encoded bytes `feed()` buffers before it flushes (and waits for the
   * flush), 0 B to 16 MiB. Default 8 KiB (tokio-util's backpressure boundary).
   */
  writeHighWaterMark?: number;
}

/**
 * A stream of frames over a byte stream (tokio-util's `Framed`): `next()`
 * reads until `codec` decodes a frame, `send()` encodes a frame and writes it.
 * Iterate it with `for await` to receive every frame until end of stream.
 *
 * Writing has two steps, as tokio-util's `SinkExt::feed` + `flush`: `feed()`
 * encodes a frame into the write buffer (waiting only when that buffer is over
 * `writeHighWaterMark`), `flush()` writes what was fed; `send()` is both. A
 * server answering pipelined requests can `feed()` each reply and `flush()`
 * once no request is left buffered (`readBuffered === 0`), so a batch of
 * replies becomes one socket write. Frames always go out whole and in the
 * order they were fed or sent.
 *
 * Memory stays bounded by the codec's limit plus one read: bytes are read only
 * when no complete frame is buffered, and codecs check sizes as soon as they
 * are known.
 *
 * @example
 * ```ts
 * import { TcpListener, TcpStream } from 'weft/net';
 * import { Framed, LinesCodec } from 'weft/codec';
 * await using listener = await TcpListener.bind('127.0.0.1:0');
 * await using client = new Framed(await TcpStream.connect(listener.localAddr()), new LinesCodec());
 * await using server = new Framed(await listener.accept(), new LinesCodec());
 * await client.send('hello');
 * const line = await server.next();
 * await server.send(line!.toUpperCase());
 * console.assert((await client.next()) === 'HELLO');
 * ```
 */
export class Framed<In, Out = In> implements AsyncIterable<In>, AsyncDisposable {
  /** The codec in use. */
  readonly codec: Codec<In, Out>;
  readonly #io: FramedIo;
  readonly #rbuf: BytesBuffer;
  /** Frames fed and not written yet. */
  #wbuf = new BytesBuffer(0);
  /** The bytes a flush is writing while it waits (swapped with `#wbuf` so feeds can go on meanwhile). */
  #wbufOut = new BytesBuffer(0);
  readonly #readSize: number;
  readonly #frameTimeout: number;
  readonly #writeHwm: number;
  readonly #clock: Clock;
  /** Flushes waiting for the one in progress. */
  readonly #flushQueue = new WaitQueue();
  /** How a weft stream hands this its bytes (made on the first read that waits). */
  #sink: FrameSink | undefined = undefined;
  #partialSince = NaN;
  #eof = false;
  #reading = false;
  #flushing = false;
  #closed = false;

  /**
   * @param io what to read frames from and write frames to
   * @param codec how frames are encoded
   * @param options `readSize` (8 KiB), `frameTimeout` (ms, Infinity), `writeHighWaterMark` (8 KiB)
   * @throws TypeError if `io` has neither `read` nor `writeAll`, or `codec` has no `decode`/`encode`;
   *   RangeError for a bad option
   */
  constructor(io: FramedIo, codec: Codec<In, Out>, options?: FramedOptions) {
    const r = io as Partial<AsyncRead & AsyncWrite> | null;
    if (typeof r?.read !== 'function' && typeof r?.writeAll !== 'function') {
      throw new TypeError('Framed: io must have a read(buf) and/or a writeAll(buf) method');
    }
    if (typeof codec?.decode !== 'function' || typeof codec.encode !== 'function') {
      throw new TypeError('Framed: codec must have decode() and encode() methods');
    }
    this.#io = io;
    this.codec = codec;
    this.#readSize =
      options?.readSize === undefined ? 8192 : integer(options.readSize, 'Framed', 'readSize', 1, 2 ** 24);
    this.#frameTimeout =
      options?.frameTimeout === undefined ? Infinity : duration(options.frameTimeout, 'Framed', 'frameTimeout');
    this.#writeHwm =
      options?.writeHighWaterMark === undefined
        ? 8192
        : integer(options.writeHighWaterMark, 'Framed', 'writeHighWaterMark', 0, 2 ** 24);
    this.#rbuf = new BytesBuffer(this.#readSize);
    this.#clock = currentRuntime().clock;
  }

  /**
   * Bytes read and not decoded yet: the start of a frame still arriving, and
   * any number of complete frames when the peer pipelines (sends requests
   * without waiting for replies). 0 means the next `next()` has to read.
   */
  get readBuffered(): number {
    return this.#rbuf.length;
  }

  /** Bytes fed (encoded) and not written yet, including those a pending `flush()` is writing. */
  get writeBuffered(): number {
    return this.#wbuf.length + this.#wbufOut.length;
  }

  /**
   * The next frame, reading as needed.
   *
   * @returns the frame, or undefined at end of stream (and on every call after)
   * @throws TypeError if `io` cannot read
   * @rejects the codec's errors (e.g. `FrameTooLargeError`); `UnexpectedEofError` if the stream ends
   *   inside a frame; `ReadTimeoutError` when `frameTimeout` passes; the reader's errors; a TypeError if
   *   another `next()` is pending
   *
   * **Cancellation**: cancel-safe (with a cancel-safe reader such as a weft
   * stream). If aborted, no frame was lost: bytes of a partly received frame
   * stay buffered and the next `next()` continues it.
   */
  next(options?: { signal?: AbortSignal }): Promise<In | undefined> {
    const signal = signalOf(options, 'Framed.next');
    if (typeof (this.#io as Partial<AsyncRead>).read !== 'function') {
      throw new TypeError('Framed.next: io has no read(buf) method');
    }
    if (this.#reading) return Promise.reject(new TypeError('Framed.next: another next() is still pending'));
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    // A frame decoded from bytes already read spends no budget (as in tokio-util,
    // where only polling the reader does): what is buffered is bounded by one read,
    // and every read is budgeted, by the weft stream or in #nextSlow.
    if (this.#eof && !scheduler.budget()) return scheduler.hop().then(() => this.next(options));
    try {
      const frame = this.#eof ? this.#decodeEof() : this.#decode();
      if (frame !== undefined || this.#eof) return Promise.resolve(frame);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const io = this.#io;
    if (this.#frameTimeout === Infinity && hasReadSink(io)) {
      // A weft stream decodes where the bytes land (in its data callback): one promise per frame.
      this.#reading = true;
      return io[kReadSink]((this.#sink ??= new FrameSink(this)), signal) as Promise<In | undefined>;
    }
    return this.#nextSlow(signal);
  }

  static {
    sinkSpare = (f) => f.#spare();
    sinkFilled = (f, n) => f.#filled(n);
    sinkEnded = (f) => f.#ended();
  }

  /** The buffer the next read goes into. */
  #spare(): Uint8Array {
    // Read at most readSize, or as much as is buffered for a large frame in progress:
    // the buffer stays within twice the codec's limit plus one read.
    const buf = this.#rbuf;
    const want = Math.max(this.#readSize, buf.length);
    buf.reserve(want);
    const spare = buf.spare();
    return spare.length > want ? spare.subarray(0, want) : spare;
  }

  /** `n` bytes were read into the last spare (0: end of stream). */
  #filled(n: number): In | undefined | typeof NEED_MORE {
    if (n === 0) {
      this.#eof = true;
      this.#reading = false;
      return this.#decodeEof();
    }
    this.#rbuf.commit(n);
    const frame = this.#decode();
    if (frame === undefined) return NEED_MORE;
    this.#reading = false;
    return frame;
  }

  /** A sink read ended without a frame. */
  #ended(): void {
    this.#reading = false;
  }

  /**
   * Encodes `frame` into the write buffer. Resolves at once while the buffer
   * holds less than `writeHighWaterMark` bytes; over it, flushes and resolves
   * once the flush is done (backpressure). Nothing reaches the stream until a
   * `flush()` (or a `send()`, or a feed over the mark).
   *
   * @throws TypeError if `io` cannot write
   * @rejects the codec's encode errors (nothing of that frame is buffered then); over the mark, as `flush()`
   *
   * **Cancellation**: the frame is buffered before any wait; aborting a wait for
   * the flush over the mark leaves it buffered for the next flush.
   *
   * @example
   * ```ts
   * import { TcpListener, TcpStream } from 'weft/net';
   * import { Framed, LinesCodec } from 'weft/codec';
   * await using listener = await TcpListener.bind('127.0.0.1:0');
   * await using client = new Framed(await TcpStream.connect(listener.localAddr()), new LinesCodec());
   * await using server = new Framed(await listener.accept(), new LinesCodec());
   * await client.feed('one');
   * await client.feed('two'); // still buffered
   * await client.flush(); // both lines in one write
   * console.assert((await server.next()) === 'one' && (await server.next()) === 'two');
   * ```
   */
  feed(frame: Out, options?: { signal?: AbortSignal }): Promise<void> {
    const signal = signalOf(options, 'Framed.feed');
    this.#writable('Framed.feed');
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    try {
      this.#encode(frame);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (this.#wbuf.length < this.#writeHwm || this.#wbuf.length === 0) return RESOLVED;
    return this.#flush(signal);
  }

  /**
   * Writes every frame fed so far, honouring the stream's backpressure, and
   * resolves once the stream took them all. A flush called while another is
   * writing waits for it, then writes what was fed since. Resolves at once
   * when nothing is buffered.
   *
   * @throws TypeError if `io` cannot write
   * @rejects the writer's errors (e.g. `IoError`, `SocketClosedError`)
   *
   * **Cancellation**: not cancel-safe once writing started: part of the
   * buffered bytes may have been written, and the rest are dropped (a frame
   * may be cut). Aborted while waiting for an earlier flush, nothing was
   * written and the frames stay buffered.
   */
  flush(options?: { signal?: AbortSignal }): Promise<void> {
    const signal = signalOf(options, 'Framed.flush');
    this.#writable('Framed.flush');
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return this.#flush(signal);
  }

  /**
   * Encodes `frame` and writes it with everything fed before it: `feed(frame)`
   * then `flush()`. Concurrent sends are written one after another, in call
   * order.
   *
   * @throws TypeError if `io` cannot write
   * @rejects the codec's encode errors (nothing of that frame is buffered then); the writer's errors
   *
   * **Cancellation**: not cancel-safe once writing started: part of the frame
   * may have been written. Aborted while waiting for an earlier send, the
   * frame stays buffered and goes out, whole, with the next flush.
   */
  send(frame: Out, options?: { signal?: AbortSignal }): Promise<void> {
    const signal = signalOf(options, 'Framed.send');
    this.#writable('Framed.send');
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    try {
      this.#encode(frame);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.#flush(signal);
  }

  /** Closes the underlying stream (its `[Symbol.asyncDispose]`, else `close()`). Idempotent. */
  close(): Promise<void> {
    if (this.#closed) return RESOLVED;
    this.#closed = true;
    const io = this.#io;
    if (typeof io[Symbol.asyncDispose] === 'function') return Promise.resolve(io[Symbol.asyncDispose]!());
    if (typeof io.close === 'function') return Promise.resolve(io.close()).then(noop);
    return RESOLVED;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Frames until end of stream; a decode or read error ends the iteration with that error. */
  async *[Symbol.asyncIterator](): AsyncIterator<In> {
    for (let frame = await this.next(); frame !== undefined; frame = await this.next()) yield frame;
  }

  async #nextSlow(signal: AbortSignal | undefined): Promise<In | undefined> {
    this.#reading = true;
    try {
      const buf = this.#rbuf;
      for (;;) {
        if (!scheduler.budget()) await scheduler.hop();
        const n = await this.#read(this.#spare(), signal);
        if (n === 0) {
          this.#eof = true;
          return this.#decodeEof();
        }
        if (buf.length === 0 && this.#frameTimeout !== Infinity) this.#partialSince = this.#clock.now();
        buf.commit(n);
        const frame = this.#decode();
        if (frame !== undefined) return frame;
      }
    } finally {
      this.#reading = false;
    }
  }

  #decode(): In | undefined {
    const buf = this.#rbuf;
    const frame = this.codec.decode(buf);
    if (this.#frameTimeout !== Infinity) {
      if (buf.length === 0) this.#partialSince = NaN;
      else if (frame !== undefined) this.#partialSince = this.#clock.now();
    }
    return frame;
  }

  #decodeEof(): In | undefined {
    const buf = this.#rbuf;
    if (buf.length === 0) return undefined;
    try {
      if (this.codec.decodeEof !== undefined) return this.codec.decodeEof(buf);
      const frame = this.codec.decode(buf);
      if (frame !== undefined || buf.length === 0) return frame;
      throw new UnexpectedEofError(
        buf.length + 1,
        buf.length,
        `the stream ended inside a frame (${buf.length} bytes left over)`,
      );
    } catch (err) {
      buf.clear();
      throw err;
    }
  }

  #read(into: Uint8Array, signal: AbortSignal | undefined): Promise<number> {
    const io = this.#io as AsyncRead;
    const ms = this.#frameTimeout;
    const deadline = Number.isNaN(this.#partialSince) ? Infinity : this.#partialSince + ms;
    if (hasReadWithin(io)) return io[kReadWithin](into, signal, deadline, ms);
    if (deadline === Infinity) return io.read(into, signal === undefined ? undefined : { signal });
    // Any other reader: bound the read with timeout() and close the stream when it passes.
    const left = Math.max(0, deadline - this.#clock.now());
    return timeout(left, (s) =>
      io.read(into, { signal: signal === undefined ? s : AbortSignal.any([signal, s]) }),
    ).catch((err: unknown) => {
      if (!(err instanceof TimeoutError)) throw err;
      void this.close();
      throw new ReadTimeoutError(ms, 'frame');
    });
  }

  #writable(fn: string): void {
    if (typeof (this.#io as Partial<AsyncWrite>).writeAll !== 'function') {
      throw new TypeError(`${fn}: io has no writeAll(buf) method`);
    }
  }

  /** Encodes into the write buffer; a frame the codec rejects leaves nothing behind. */
  #encode(frame: Out): void {
    const wbuf = this.#wbuf;
    const before = wbuf.length;
    try {
      this.codec.encode(frame, wbuf);
    } catch (err) {
      wbuf.truncate(before);
      throw err;
    }
  }

  #flush(signal: AbortSignal | undefined): Promise<void> {
    if (this.#flushing) {
      const turn = new Parked<void>();
      const promise = turn.park(signal, flushSite);
      if (!turn.settled) this.#flushQueue.push(turn);
      return promise.then(() => this.#flush(signal));
    }
    const wbuf = this.#wbuf;
    if (wbuf.length === 0) return RESOLVED;
    const io = this.#io;
    // A weft stream with room takes the bytes at once (copied): no promise, no wait.
    if (hasTryWrite(io) && scheduler.budget() && io[kTryWrite](wbuf.view())) {
      wbuf.clear();
      return RESOLVED;
    }
    return this.#flushSlow(signal);
  }

  async #flushSlow(signal: AbortSignal | undefined): Promise<void> {
    this.#flushing = true;
    // Write from the other buffer, so feed() can go on encoding meanwhile.
    const out = this.#wbuf;
    this.#wbuf = this.#wbufOut;
    this.#wbufOut = out;
    try {
      await (this.#io as AsyncWrite).writeAll(out.view(), signal === undefined ? undefined : { signal });
    } finally {
      out.clear();
      this.#flushing = false;
      // Every waiter retries: the first writes what was fed since, the others then find it done or wait again.
      this.#flushQueue.drain((w) => w.complete(undefined));
    }
  }
}

/** The `ReadSink` of a `Framed`. */
class FrameSink implements ReadSink {
  readonly #framed: Framed<any, any>;
  constructor(framed: Framed<any, any>) {
    this.#framed = framed;
  }
  spare(): Uint8Array {
    return sinkSpare(this.#framed);
  }
  filled(n: number): unknown {
    return sinkFilled(this.#framed, n);
  }
  ended(): void {
    sinkEnded(this.#framed);
  }
}

function noop(): void {}
