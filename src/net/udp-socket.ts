import { closeResource, registerResource, resourceId, resourceName } from '../core/resources.js';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { Parked, WaitQueue } from '../core/wait-queue.js';
import { signalOf, integer } from '../core/validate.js';
import { RESOLVED } from '../core/promise.js';
import { scheduler } from '../core/scheduler.js';
import { parseAddr, socketAddr, type AddrInput, type SocketAddr } from './addr.js';
import { bytesArg } from '../io/traits.js';
import { RingBuffer } from '../core/ring-buffer.js';
import { IoError, SocketClosedError } from '../io/errors.js';

const recvSite = { op: 'udp.recv' };
const sendSite = { op: 'udp.send' };
const bindSite = { op: 'udp.bind' };

/** What `UdpSocket.recv` resolves with. */
export interface Datagram {
  /** Bytes copied into the buffer (a longer datagram is truncated to the buffer's length). */
  readonly bytes: number;
  /** Who sent it. */
  readonly addr: SocketAddr;
}

/** Options of `UdpSocket.bind`. */
export interface UdpBindOptions {
  signal?: AbortSignal;
  /** Datagrams buffered while nobody calls `recv()`; beyond it new ones are dropped (and counted). Default 1024. */
  recvQueue?: number;
  /** Shown by introspection (`runtime.resources()`, kind 'udp'). */
  name?: string;
}

interface Queued {
  msg: Buffer;
  rinfo: RemoteInfo;
}

class RecvWait extends Parked<Datagram> {
  constructor(readonly buf: Uint8Array) {
    super();
  }
}

class BindWait extends Parked<void> {
  constructor(readonly socket: Socket) {
    super();
    socket.once('listening', this.#onListening);
    socket.once('error', this.#onError);
  }

  #unlisten(): void {
    this.socket.off('listening', this.#onListening);
    this.socket.off('error', this.#onError);
  }

  #onListening = (): void => {
    this.#unlisten();
    this.complete(undefined);
  };

  #onError = (err: Error): void => {
    this.#unlisten();
    this.socket.close();
    this.fail(IoError.from(err, 'bind'));
  };

  protected override onCancel(): void {
    this.#unlisten();
    this.socket.close();
  }
}

function deliver(msg: Buffer, rinfo: RemoteInfo, buf: Uint8Array): Datagram {
  const n = Math.min(msg.length, buf.length);
  buf.set(n === msg.length ? msg : msg.subarray(0, n));
  return { bytes: n, addr: socketAddr(rinfo.address, rinfo.port, rinfo.family) };
}

/**
 * A UDP socket (Tokio's `UdpSocket`): `send(buf, addr)` and `recv(buf)`.
 * Received datagrams wait in a bounded queue (`recvQueue`, default 1024);
 * when it is full new datagrams are dropped (UDP may lose them anyway) and
 * counted in `dropped`.
 *
 * @example
 * ```ts
 * import { UdpSocket } from 'weft/net';
 * await using a = await UdpSocket.bind('127.0.0.1:0');
 * await using b = await UdpSocket.bind('127.0.0.1:0');
 * await a.send(new TextEncoder().encode('hi'), b.localAddr());
 * const buf = new Uint8Array(1500);
 * const { bytes, addr } = await b.recv(buf);
 * console.assert(new TextDecoder().decode(buf.subarray(0, bytes)) === 'hi');
 * console.assert(addr.port === a.localAddr().port);
 * ```
 */
export class UdpSocket implements AsyncDisposable {
  readonly #socket: Socket;
  readonly #v6: boolean;
  readonly #queue = new RingBuffer<Queued>();
  readonly #capacity: number;
  readonly #receivers = new WaitQueue<RecvWait>();
  readonly #sends = new WaitQueue<Parked<number>>();
  #local: SocketAddr;
  #closed = false;
  #closedPromise: Promise<void> | undefined = undefined;
  #error: Error | undefined = undefined;
  /** Datagrams dropped because the receive queue was full. */
  dropped = 0;
  readonly #rid = resourceId();

  private constructor(socket: Socket, v6: boolean, capacity: number, name: string | undefined) {
    this.#socket = socket;
    registerResource(this, this.#rid, 'udp', name, UdpSocket.#describe);
    this.#v6 = v6;
    this.#capacity = capacity;
    const a = socket.address();
    this.#local = socketAddr(a.address, a.port, a.family);
    socket.on('message', this.#onMessage);
    socket.on('error', this.#onError);
  }

  /**
   * Binds a UDP socket (IPv6 if the host is an IPv6 address, else IPv4).
   *
   * @param addr a port (all IPv4 interfaces), `'host:port'`, `'[::1]:port'` or `{ host, port }`
   * @param options `signal`; `recvQueue` (datagrams, default 1024); `name` (introspection)
   * @throws AddrParseError (a TypeError) for a malformed address; RangeError for a bad port or option
   * @rejects IoError if the address cannot be bound (e.g. `'EADDRINUSE'`)
   *
   * **Cancellation**: aborting closes the socket.
   */
  static bind(addr: AddrInput, options?: UdpBindOptions): Promise<UdpSocket> {
    const fn = 'UdpSocket.bind';
    const { host, port } = parseAddr(addr, fn);
    const signal = signalOf(options, fn);
    const capacity =
      options?.recvQueue === undefined ? 1024 : integer(options.recvQueue, fn, 'recvQueue', 1, 1_000_000);
    const name = options === undefined ? undefined : resourceName(options, fn);
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const v6 = host !== undefined && isIPv6(host);
    const socket = createSocket({ type: v6 ? 'udp6' : 'udp4' });
    const w = new BindWait(socket);
    const bound = w.park(signal, bindSite);
    if (!w.settled) socket.bind({ port, address: host ?? '0.0.0.0', exclusive: true });
    return bound.then(() => new UdpSocket(socket, v6, capacity, name));
  }

  /**
   * Sends one datagram to `addr`. `buf` is copied: it may be reused at once.
   *
   * @returns the number of bytes sent
   * @throws TypeError for a non-Uint8Array `buf`; AddrParseError / RangeError for a bad address
   * @rejects IoError if the OS refuses it (e.g. `'EMSGSIZE'` for more than 65,507 bytes over IPv4);
   *   SocketClosedError after `close()`
   *
   * **Cancellation**: if aborted, the datagram may or may not have been sent
   * (UDP gives no way to take it back); the buffer is not used afterwards.
   */
  send(buf: Uint8Array, addr: AddrInput, options?: { signal?: AbortSignal }): Promise<number> {
    bytesArg(buf, 'UdpSocket.send');
    const { host, port } = parseAddr(addr, 'UdpSocket.send');
    if (port === 0) throw new RangeError('UdpSocket.send: the destination port must be from 1 to 65535, got 0');
    const signal = signalOf(options, 'UdpSocket.send');
    if (this.#closed) {
      return Promise.reject(signal?.aborted ? (signal.reason as Error) : new SocketClosedError());
    }
    const w = new Parked<number>();
    const promise = w.park(signal, sendSite, this.#rid);
    if (w.settled) return promise;
    this.#sends.push(w);
    const target = host ?? (this.#v6 ? '::1' : '127.0.0.1');
    try {
      this.#socket.send(Buffer.from(buf), port, target, (err, bytes) => {
        if (w.queue !== undefined) this.#sends.remove(w);
        if (err) w.fail(IoError.from(err, 'send'));
        else w.complete(bytes);
      });
    } catch (err) {
      this.#sends.remove(w);
      w.fail(IoError.from(err, 'send'));
    }
    return promise;
  }

  /**
   * Receives one datagram into `buf`, waiting until one arrives.
   *
   * @returns `{ bytes, addr }`: bytes copied (a longer datagram is truncated) and the sender
   * @throws TypeError if `buf` is not a Uint8Array
   * @rejects SocketClosedError after `close()`; IoError on a socket error
   *
   * **Cancellation**: cancel-safe. An aborted `recv()` took no datagram.
   */
  recv(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<Datagram> {
    bytesArg(buf, 'UdpSocket.recv');
    const signal = signalOf(options, 'UdpSocket.recv');
    if (this.#queue.length > 0 || this.#closed || this.#error !== undefined) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      if (this.#closed) return Promise.reject(new SocketClosedError());
      if (this.#queue.length === 0) return Promise.reject(this.#error!);
      if (!scheduler.budget()) return scheduler.hop().then(() => this.recv(buf, options));
      const q = this.#queue.shift()!;
      return Promise.resolve(deliver(q.msg, q.rinfo, buf));
    }
    const w = new RecvWait(buf);
    const promise = w.park(signal, recvSite, this.#rid);
    if (!w.settled) this.#receivers.push(w);
    return promise;
  }

  static #describe(s: UdpSocket): Record<string, number | string | boolean> {
    return {
      local: `${s.#local.address}:${s.#local.port}`,
      queued: s.#queue.length,
      dropped: s.dropped,
      closed: s.#closed,
    };
  }

  /** The bound address (with the port the OS picked for port 0). */
  localAddr(): SocketAddr {
    return this.#local;
  }

  /** Closes the socket: waiting and later calls reject with `SocketClosedError`. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeResource(this.#rid);
    this.#queue.clear();
    const err = new SocketClosedError();
    this.#receivers.drain((w) => w.fail(err));
    this.#sends.drain((w) => w.fail(err));
    this.#closedPromise = new Promise((resolve) => this.#socket.close(() => resolve()));
  }

  /** Closes the socket and resolves once its handle is released. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return this.#closedPromise ?? RESOLVED;
  }

  #onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (this.#closed) return;
    const w = this.#receivers.shift();
    if (w !== undefined) {
      w.complete(deliver(msg, rinfo, w.buf));
      return;
    }
    if (this.#queue.length >= this.#capacity) {
      this.dropped++;
      return;
    }
    this.#queue.push({ msg, rinfo });
  };

  #onError = (err: Error): void => {
    if (this.#closed) return;
    this.#error = IoError.from(err, 'udp socket error');
    const e = this.#error;
    this.#receivers.drain((w) => w.fail(e));
  };
}
