import type { Socket } from 'node:net';
import { Parked, WaitQueue } from '../core/wait-queue.js';
import { RESOLVED } from '../core/promise.js';
import type { TimerEntry } from '../core/timer-heap.js';
import { scheduler } from '../core/scheduler.js';
import { currentRuntime } from '../runtime/runtime.js';
import type { Clock } from '../core/clock.js';
import { ChunkQueue } from './ring.js';
import { closeResource, registerResource, resourceId } from '../core/resources.js';
import { NEED_MORE, type ReadSink } from '../io/traits.js';
import {
  IoError,
  ReadTimeoutError,
  SocketClosedError,
  UnexpectedEofError,
  WriteAfterShutdownError,
} from '../io/errors.js';

/** The wait sites of each kind of stream socket (introspection ops 'tcp.read', 'unix.write', ...). */
const SITES = {
  tcp: { read: { op: 'tcp.read' }, write: { op: 'tcp.write' }, shutdown: { op: 'tcp.shutdown' } },
  unix: { read: { op: 'unix.read' }, write: { op: 'unix.write' }, shutdown: { op: 'unix.shutdown' } },
};

function describeSocket(io: SocketIo): Record<string, number | string | boolean> {
  const s = io.socket;
  const attributes: Record<string, number | string | boolean> = {
    readBuffered: io.readBuffered,
    writeBuffered: io.writeBuffered,
    closed: io.isClosed,
  };
  if (s.remoteAddress !== undefined) attributes['peer'] = `${s.remoteAddress}:${s.remotePort}`;
  if (s.localAddress !== undefined) attributes['local'] = `${s.localAddress}:${s.localPort}`;
  return attributes;
}

/** The most one `write()` call takes: with the socket's high-water mark, the bound on unsent bytes per stream. */
export const MAX_WRITE = 64 * 1024;
/** Size of a stream's write staging buffer for writes up to this size (larger ones use MAX_WRITE). */
const STAGE_SMALL = 16 * 1024;
/** How long `close()` lets Node flush bytes already accepted by `write()` before it drops them. */
const LINGER_MS = 5_000;

/** Options that shape a stream's buffering and timeouts. */
export interface IoOptions {
  readTimeout: number;
  readHighWaterMark: number;
  /** The stream's name for introspection. */
  name: string | undefined;
}

/**
 * One parked read. A `read()` completes with the first bytes (`min` 1); a
 * `readExact()` is one wait that fills its buffer chunk by chunk (`min` =
 * its length) and completes once full.
 */
class ReadWait extends Parked<unknown> {
  filled = 0;
  /** Set for a `readSink` wait: deliveries go to it, and it decides when the wait completes. */
  sink: ReadSink | undefined = undefined;
  constructor(
    readonly io: SocketIo,
    public buf: Uint8Array,
    public deadline: number,
    readonly ms: number,
    readonly what: string,
    readonly min: number,
  ) {
    super();
  }

  protected override onCancel(): void {
    this.sink?.ended();
    this.io.rearm();
  }

  override fail(reason: unknown): void {
    if (!this.settled) this.sink?.ended();
    super.fail(reason);
  }
}

class WriteWait extends Parked<number> {
  constructor(readonly buf: Uint8Array) {
    super();
  }
}

/**
 * The engine under every weft stream socket (TCP, Unix): pull-based reading
 * with bounded buffering, backpressured writes, and teardown.
 *
 * Reading: Node delivers chunks ('data'); a chunk goes straight into the buffer
 * of a parked `read()` when there is one, else into a queue. Once the queue
 * holds `readHighWaterMark` bytes the socket is paused (Node then stops reading
 * from the kernel after its own small buffer fills, and TCP flow control slows
 * the peer), and it is resumed when reads drain the queue below the mark.
 *
 * Writing: `write()` hands Node a copy of at most `MAX_WRITE` bytes while Node
 * holds less than its high-water mark, and otherwise parks until 'drain'.
 * Copying is what lets `write()` resolve at once with the caller's buffer free
 * for reuse (Node keeps a reference to what it could not write yet); bytes
 * pending in the process stay below the high-water mark plus one write.
 */
export class SocketIo implements TimerEntry {
  readonly socket: Socket;
  // TimerEntry: the read deadline of the oldest parked read.
  deadline = Infinity;
  seq = 0;
  heapIndex = -1;

  readonly #clock: Clock;
  readonly #readTimeout: number;
  readonly #hwm: number;
  readonly #chunks = new ChunkQueue();
  readonly #readers = new WaitQueue<ReadWait>();
  readonly #writers = new WaitQueue<WriteWait>();
  #shutdowns: WaitQueue | undefined = undefined;
  #eof = false;
  #error: Error | undefined = undefined;
  #closed = false;
  #shutdown = false;
  #finished = false;
  #paused = false;
  /** Where write() copies go (see #copy); allocated on the first write. */
  #stage: Buffer | undefined = undefined;
  #staged = 0;
  /** Start of the staged bytes not handed to Node yet (`#stage[#pendingFrom, #staged)`), written at the end of the turn. */
  #pendingFrom = 0;
  #flushQueued = false;
  /** Its resource id (introspection). */
  readonly rid = resourceId();
  readonly #sites: (typeof SITES)['tcp'];

  constructor(socket: Socket, options: IoOptions, kind: 'tcp' | 'unix' = 'tcp') {
    this.socket = socket;
    this.#sites = SITES[kind];
    registerResource(this, this.rid, kind, options.name, describeSocket);
    this.#clock = currentRuntime().clock;
    this.#readTimeout = options.readTimeout;
    this.#hwm = options.readHighWaterMark;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('drain', this.#onDrain);
    socket.on('finish', this.#onFinish);
    socket.resume();
  }

  /** Bytes received and not read yet. */
  get readBuffered(): number {
    return this.#chunks.bytes;
  }

  /** Bytes accepted by `write()` that Node has not handed to the kernel yet. */
  get writeBuffered(): number {
    return this.socket.writableLength + (this.#staged - this.#pendingFrom);
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  read(buf: Uint8Array, signal: AbortSignal | undefined, deadline: number, ms: number): Promise<number> {
    if (this.#chunks.bytes > 0 || buf.length === 0 || this.#eof || this.#error !== undefined || this.#closed) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      if (!scheduler.budget()) return scheduler.hop().then(() => this.read(buf, signal, deadline, ms));
      if (this.#closed) return Promise.reject(new SocketClosedError());
      if (this.#chunks.bytes > 0) return Promise.resolve(this.#take(buf, 0));
      if (buf.length === 0) return Promise.resolve(0);
      if (this.#error !== undefined) return Promise.reject(this.#error);
      return Promise.resolve(0);
    }
    let what = 'frame';
    const timeout = this.#readTimeout;
    if (timeout !== Infinity) {
      const idle = this.#clock.now() + timeout;
      if (idle <= deadline) {
        deadline = idle;
        ms = timeout;
        what = 'read';
      }
    }
    const w = new ReadWait(this, buf, deadline, ms, what, 1);
    const promise = w.park(signal, this.#sites.read, this.rid) as Promise<number>;
    if (!w.settled) {
      this.#readers.push(w);
      if (deadline !== Infinity && this.#readers.head === w) this.rearm();
    }
    return promise;
  }

  /**
   * Reads into `sink` (see `ReadSink`): bytes already buffered are handed over
   * at once, later ones in the data callback, until `sink.filled` returns a
   * value; one wait (and one promise) however many deliveries that takes.
   * Cancel-safe as `read()`: what was delivered stays delivered.
   */
  readSink(sink: ReadSink, signal: AbortSignal | undefined): Promise<unknown> {
    if (this.#chunks.bytes > 0 || this.#eof || this.#error !== undefined || this.#closed) {
      if (signal?.aborted) {
        sink.ended();
        return Promise.reject(signal.reason as Error);
      }
      if (!scheduler.budget()) {
        return scheduler.hop().then(
          () => this.readSink(sink, signal),
          (err: unknown) => {
            sink.ended();
            throw err;
          },
        );
      }
      if (this.#closed) {
        sink.ended();
        return Promise.reject(new SocketClosedError());
      }
      try {
        while (this.#chunks.bytes > 0) {
          const r = sink.filled(this.#take(sink.spare(), 0));
          if (r !== NEED_MORE) return Promise.resolve(r);
        }
        if (this.#error !== undefined) {
          sink.ended();
          return Promise.reject(this.#error);
        }
        if (this.#eof) return Promise.resolve(sink.filled(0));
      } catch (err) {
        sink.ended();
        return Promise.reject(err as Error);
      }
    }
    let deadline = Infinity;
    let ms = Infinity;
    const timeout = this.#readTimeout;
    if (timeout !== Infinity) {
      deadline = this.#clock.now() + timeout;
      ms = timeout;
    }
    const w = new ReadWait(this, sink.spare(), deadline, ms, 'read', 1);
    w.sink = sink;
    const promise = w.park(signal, this.#sites.read, this.rid);
    if (!w.settled) {
      this.#readers.push(w);
      if (deadline !== Infinity && this.#readers.head === w) this.rearm();
    }
    return promise;
  }

  /** Fills `buf` completely: one wait for the whole buffer (not cancel-safe: bytes taken stay taken). */
  readExact(buf: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    const len = buf.length;
    if (this.#chunks.bytes >= len || this.#eof || this.#error !== undefined || this.#closed) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      if (!scheduler.budget()) return scheduler.hop().then(() => this.readExact(buf, signal));
      if (this.#closed) return Promise.reject(new SocketClosedError());
      if (this.#chunks.bytes >= len) {
        this.#take(buf, 0);
        return RESOLVED;
      }
      if (this.#error !== undefined) return Promise.reject(this.#error);
      return Promise.reject(new UnexpectedEofError(len, this.#take(buf, 0)));
    }
    const timeout = this.#readTimeout;
    const deadline = timeout === Infinity ? Infinity : this.#clock.now() + timeout;
    const w = new ReadWait(this, buf, deadline, timeout, 'read', len);
    const promise = w.park(signal, this.#sites.read, this.rid) as Promise<unknown> as Promise<void>;
    if (!w.settled) {
      if (this.#chunks.bytes > 0) w.filled = this.#take(buf, 0);
      this.#readers.push(w);
      if (deadline !== Infinity && this.#readers.head === w) this.rearm();
    }
    return promise;
  }

  /** Writes all of `buf`: at once when it fits in one write and the socket has room. */
  writeAll(buf: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    if (buf.length <= MAX_WRITE && this.#writers.isEmpty && !this.socket.writableNeedDrain) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      const err = this.#writeError();
      if (err !== undefined) return Promise.reject(err);
      if (!scheduler.budget()) return scheduler.hop().then(() => this.writeAll(buf, signal));
      this.#send(buf);
      return RESOLVED;
    }
    return writeFully(this, buf, signal);
  }

  /**
   * Takes all of `buf` at once when `writeAll` would (it fits in one write, the
   * socket has room, no error) and returns true; otherwise takes nothing and
   * returns false. Lets `Framed.flush` skip a promise per flush.
   */
  tryWrite(buf: Uint8Array): boolean {
    if (buf.length > MAX_WRITE || !this.#writers.isEmpty || this.socket.writableNeedDrain) return false;
    if (this.#closed || this.#shutdown || this.#error !== undefined || this.socket.destroyed || !this.socket.writable)
      return false;
    this.#send(buf);
    return true;
  }

  write(buf: Uint8Array, signal: AbortSignal | undefined): Promise<number> {
    if (this.#writers.isEmpty && !this.socket.writableNeedDrain) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      const err = this.#writeError();
      if (err !== undefined) return Promise.reject(err);
      if (!scheduler.budget()) return scheduler.hop().then(() => this.write(buf, signal));
      return Promise.resolve(this.#send(buf));
    }
    const err = this.#writeError();
    if (err !== undefined) return signal?.aborted ? Promise.reject(signal.reason as Error) : Promise.reject(err);
    const w = new WriteWait(buf);
    const promise = w.park(signal, this.#sites.write, this.rid);
    if (!w.settled) this.#writers.push(w);
    return promise;
  }

  shutdown(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.#closed) return Promise.reject(new SocketClosedError());
    if (this.#finished) return RESOLVED;
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (!this.#shutdown) {
      this.#shutdown = true;
      const err = new WriteAfterShutdownError('shutdown() was called while this write waited for the socket to drain');
      this.#writers.drain((w) => w.fail(err));
      this.#flushStaged();
      this.socket.end();
      if (this.#finished) return RESOLVED;
    }
    const w = new Parked<void>();
    const promise = w.park(signal, this.#sites.shutdown, this.rid);
    if (!w.settled) (this.#shutdowns ??= new WaitQueue()).push(w);
    return promise;
  }

  /**
   * Closes at once: pending waits reject with `SocketClosedError`, unread
   * bytes are dropped. Bytes already accepted by `write()` are still flushed
   * (for at most 5 s) before the socket is destroyed. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeResource(this.rid);
    this.#chunks.clear();
    this.#clock.remove(this);
    const err = new SocketClosedError();
    this.#readers.drain((w) => w.fail(err));
    this.#writers.drain((w) => w.fail(err));
    this.#shutdowns?.drain((w) => w.fail(err));
    const socket = this.socket;
    if (socket.destroyed) return;
    this.#flushStaged();
    if (this.#error !== undefined || socket.writableLength === 0 || this.#finished) {
      socket.destroy();
      return;
    }
    // Let Node flush what write() already accepted, then close; never linger unbounded.
    const timer = setTimeout(destroy, LINGER_MS, socket);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    socket.once('finish', () => socket.destroy());
    if (!this.#shutdown) socket.end();
  }

  /** Resolves once the socket's handle is closed. */
  whenClosed(): Promise<void> {
    if (this.socket.closed) return RESOLVED;
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  /** Arms the read timer for the oldest parked read (or disarms it). */
  rearm(): void {
    const head = this.#readers.head;
    const deadline = head === undefined ? Infinity : head.deadline;
    if (deadline === this.deadline && (this.heapIndex >= 0 || deadline === Infinity)) return;
    this.#clock.remove(this);
    this.deadline = deadline;
    if (deadline !== Infinity) this.#clock.add(this);
  }

  /** TimerEntry: the oldest parked read waited too long. The stream is closed. */
  fire(): void {
    this.deadline = Infinity;
    const head = this.#readers.head;
    if (head === undefined || this.#closed) return;
    this.#fail(new ReadTimeoutError(head.ms, head.what));
    this.socket.destroy();
  }

  #take(buf: Uint8Array, offset: number): number {
    const n = this.#chunks.copyInto(buf, offset);
    if (this.#paused && this.#chunks.bytes < this.#hwm) {
      this.#paused = false;
      this.socket.resume();
    }
    return n;
  }

  #send(buf: Uint8Array): number {
    const n = buf.length < MAX_WRITE ? buf.length : MAX_WRITE;
    if (n === 0) return 0;
    this.#stageCopy(buf, n);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      process.nextTick(this.#flushLater);
    }
    return n;
  }

  /**
   * Copies `n` bytes of `src` into the staging buffer, after the bytes staged
   * earlier in this turn: they all reach Node as one `socket.write` when the
   * turn ends (a server answering 16 pipelined requests makes one write, not
   * 16). While Node holds unsent bytes they may still be read, so new copies
   * go after them (or into a fresh buffer); once Node holds none
   * (`writableLength` 0: every earlier write completed) and nothing is
   * pending, the whole staging buffer is free again. An echo-style stream thus
   * copies into the same memory over and over, allocating nothing per write.
   */
  #stageCopy(src: Uint8Array, n: number): void {
    if (this.#staged === this.#pendingFrom && this.socket.writableLength === 0) this.#staged = this.#pendingFrom = 0;
    let stage = this.#stage;
    if (stage === undefined || stage.length - this.#staged < n) {
      this.#flushStaged(); // what is pending stays in order ahead of this copy
      stage = this.#stage = Buffer.allocUnsafeSlow(n <= STAGE_SMALL ? STAGE_SMALL : MAX_WRITE);
      this.#staged = this.#pendingFrom = 0;
    }
    stage.set(n === src.length ? src : src.subarray(0, n), this.#staged);
    this.#staged += n;
  }

  /** Hands the pending staged bytes to Node (one `socket.write`). */
  #flushStaged(): void {
    const from = this.#pendingFrom;
    const to = this.#staged;
    if (from === to) return;
    this.#pendingFrom = to;
    if (this.socket.destroyed) return;
    this.socket.write(this.#stage!.subarray(from, to));
  }

  #flushLater = (): void => {
    this.#flushQueued = false;
    this.#flushStaged();
  };

  #writeError(): Error | undefined {
    if (this.#closed) return new SocketClosedError();
    if (this.#shutdown) return new WriteAfterShutdownError();
    if (this.#error !== undefined) return this.#error;
    if (this.socket.destroyed || !this.socket.writable)
      return new IoError('write: the connection was closed by its peer', 'EPIPE', 'write');
    return undefined;
  }

  #fail(err: Error): void {
    if (this.#error === undefined) this.#error = err;
    this.#chunks.clear();
    this.#clock.remove(this);
    this.deadline = Infinity;
    this.#readers.drain((w) => w.fail(err));
    this.#writers.drain((w) => w.fail(err));
    this.#shutdowns?.drain((w) => w.fail(err));
  }

  #onData = (chunk: Buffer): void => {
    if (this.#closed || this.#error !== undefined) return;
    // An I/O callback begins a macrotask: the event loop had its turn.
    scheduler.refill();
    const len = chunk.length;
    let off = 0;
    let w = this.#readers.head;
    if (w !== undefined) {
      do {
        const n = Math.min(w.buf.length - w.filled, len - off);
        w.buf.set(off === 0 && n === len ? chunk : chunk.subarray(off, off + n), w.filled);
        off += n;
        w.filled += n;
        const sink = w.sink;
        if (sink !== undefined) {
          let r: unknown;
          try {
            r = sink.filled(w.filled);
          } catch (err) {
            this.#readers.remove(w);
            w.fail(err);
            w = this.#readers.head;
            continue;
          }
          if (r === NEED_MORE) {
            // The same wait goes on with the sink's next buffer; it received something, so its idle deadline starts over.
            w.buf = sink.spare();
            w.filled = 0;
            if (w.deadline !== Infinity) w.deadline = this.#clock.now() + w.ms;
            continue;
          }
          this.#readers.remove(w);
          w.complete(r);
          w = this.#readers.head;
          continue;
        }
        if (w.filled < w.min) {
          // A readExact still filling: it received something, so its idle deadline starts over.
          if (w.deadline !== Infinity) w.deadline = this.#clock.now() + w.ms;
          break;
        }
        this.#readers.remove(w);
        w.complete(w.min === 1 ? w.filled : undefined);
        w = this.#readers.head;
      } while (w !== undefined && off < len);
      this.rearm();
    }
    if (off < len) {
      this.#chunks.push(off === 0 ? chunk : chunk.subarray(off));
      if (!this.#paused && this.#chunks.bytes >= this.#hwm) {
        this.#paused = true;
        this.socket.pause();
      }
    }
  };

  #onEnd = (): void => {
    this.#eof = true;
    this.#readers.drain((w) => {
      if (w.sink !== undefined) {
        let r: unknown;
        try {
          r = w.sink.filled(0);
        } catch (err) {
          w.fail(err);
          return;
        }
        w.complete(r);
      } else if (w.min === 1) w.complete(0);
      else w.fail(new UnexpectedEofError(w.buf.length, w.filled));
    });
    this.rearm();
  };

  #onError = (err: Error): void => {
    if (this.#closed) return;
    this.#fail(IoError.from(err, 'socket error'));
  };

  #onClose = (): void => {
    closeResource(this.rid); // the socket is gone: no longer a live resource
    if (this.#closed) return;
    if (!this.#eof && this.#error === undefined)
      this.#fail(new IoError('the connection was closed without an end of stream', 'ECONNRESET', undefined));
    else {
      const err = this.#error ?? new IoError('the connection was closed by its peer', 'EPIPE', 'write');
      this.#writers.drain((w) => w.fail(err));
      this.#shutdowns?.drain((w) => (this.#finished ? w.complete(undefined) : w.fail(err)));
    }
  };

  #onDrain = (): void => {
    const writers = this.#writers;
    while (!writers.isEmpty && !this.socket.writableNeedDrain) {
      const w = writers.shift()!;
      w.complete(this.#send(w.buf));
      this.#flushStaged(); // so writableNeedDrain counts it before the next writer
    }
  };

  #onFinish = (): void => {
    this.#finished = true;
    this.#shutdowns?.drain((w) => w.complete(undefined));
  };
}

/** Writes all of `buf`, one bounded `write()` at a time. */
export async function writeFully(io: SocketIo, buf: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
  let off = 0;
  do {
    off += await io.write(off === 0 ? buf : buf.subarray(off), signal);
  } while (off < buf.length);
}

function destroy(socket: Socket): void {
  socket.destroy();
}
