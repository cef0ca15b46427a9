import type { Server, Socket } from 'node:net';
import { Parked, WaitQueue, type WaitSite } from '../core/wait-queue.js';
import { closeResource, registerResource, resourceId } from '../core/resources.js';
import { noop } from '../core/promise.js';
import { scheduler } from '../core/scheduler.js';
import { RingBuffer } from '../core/ring-buffer.js';
import { integer } from '../core/validate.js';
import { IoError, SocketClosedError } from '../io/errors.js';

/** How many connections the kernel accepted that may wait for `accept()` before new ones are closed. */
export const DEFAULT_MAX_PENDING = 1024;

const listenSite = { op: 'listen' };

class AcceptWait<S> extends Parked<S> {}

class ListenWait extends Parked<void> {
  constructor(readonly server: Server) {
    super();
    server.once('listening', this.#onListening);
    server.once('error', this.#onError);
  }

  #unlisten(): void {
    this.server.off('listening', this.#onListening);
    this.server.off('error', this.#onError);
  }

  #onListening = (): void => {
    this.#unlisten();
    this.complete(undefined);
  };

  #onError = (err: Error): void => {
    this.#unlisten();
    this.fail(IoError.from(err, 'bind'));
  };

  protected override onCancel(): void {
    this.#unlisten();
    this.server.close();
  }
}

/** Starts `server` listening (`listen` is called by the caller's function); cancellable. */
export function listening(server: Server, listen: () => void, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  const w = new ListenWait(server);
  const promise = w.park(signal, listenSite);
  if (!w.settled) listen();
  return promise;
}

/**
 * The accept machinery shared by TCP and Unix listeners. Connections the
 * kernel accepted wait (paused, reading nothing) in a bounded queue until
 * `accept()` takes them; a parked `accept()` receives the next one directly.
 * A connection that failed while queued is skipped, so one bad connection
 * never stops the listener.
 */
export class ListenerCore<S> {
  readonly server: Server;
  readonly #wrap: (socket: Socket) => S;
  readonly #site: WaitSite;
  readonly #maxPending: number;
  readonly #pending = new RingBuffer<Socket>();
  readonly #acceptors = new WaitQueue<AcceptWait<S>>();
  #closed = false;
  #closing: Promise<void> | undefined = undefined;
  /** Listener-level errors (e.g. EMFILE on accept) survived so far. */
  acceptErrors = 0;
  /** Connections closed at once because `maxPending` were already waiting. */
  dropped = 0;

  /** Its resource id (introspection). */
  readonly rid = resourceId();

  constructor(
    server: Server,
    wrap: (socket: Socket) => S,
    site: WaitSite,
    maxPending: number,
    kind: string,
    name: string | undefined,
  ) {
    this.server = server;
    registerResource(this, this.rid, kind, name, describeListener);
    this.#wrap = wrap;
    this.#site = site;
    this.#maxPending = maxPending;
    server.on('connection', this.#onConnection);
    server.on('error', this.#onError);
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Accepted connections waiting for `accept()`. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  accept(signal: AbortSignal | undefined): Promise<S> {
    if (this.#closed) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      return Promise.reject(new SocketClosedError('the listener is closed'));
    }
    if (this.#skipDead() > 0) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      if (!scheduler.budget()) return scheduler.hop().then(() => this.accept(signal));
      return Promise.resolve(this.#adopt(this.#pending.shift()!));
    }
    const w = new AcceptWait<S>();
    const promise = w.park(signal, this.#site, this.rid);
    if (!w.settled) this.#acceptors.push(w);
    return promise;
  }

  /** Stops accepting: the listening socket is closed, queued connections are closed, waiting accepts reject. */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    closeResource(this.rid);
    const err = new SocketClosedError('the listener is closed');
    this.#acceptors.drain((w) => w.fail(err));
    for (let s = this.#pending.shift(); s !== undefined; s = this.#pending.shift()) s.destroy();
    if (this.server.listening) this.server.close();
    this.server.off('connection', this.#onConnection);
    // The listening handle is released in the close phase of this loop turn: resolve after it.
    this.#closing = new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
    return this.#closing;
  }

  #skipDead(): number {
    const pending = this.#pending;
    for (let s = pending.peek(); s !== undefined && s.destroyed; s = pending.peek()) pending.shift();
    return pending.length;
  }

  #adopt(socket: Socket): S {
    socket.off('error', noop);
    return this.#wrap(socket);
  }

  #onConnection = (socket: Socket): void => {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    const w = this.#acceptors.shift();
    if (w !== undefined) {
      w.complete(this.#wrap(socket));
      return;
    }
    if (this.#pending.length >= this.#maxPending && this.#skipDead() >= this.#maxPending) {
      this.dropped++;
      socket.destroy();
      return;
    }
    socket.on('error', noop); // a reset while queued must not crash; accept() skips it
    this.#pending.push(socket);
  };

  #onError = (): void => {
    // After listening, Node reports accept failures (EMFILE, ENFILE...) here; the
    // listening socket keeps working, so keep serving.
    this.acceptErrors++;
  };
}

/** Listener options shared by TCP and Unix listeners. */
export interface ListenOptions {
  /** The kernel's listen backlog, 1..65535. Default 511. */
  backlog?: number;
  /** Connections accepted by the kernel that may wait for `accept()`; beyond it new ones are closed at once. Default 1024. */
  maxPending?: number;
}

/** Validated `ListenOptions`. */
export interface ListenSettings {
  backlog: number;
  maxPending: number;
}

export function listenSettings(options: ListenOptions | undefined, fn: string): ListenSettings {
  return {
    backlog: options?.backlog === undefined ? 511 : integer(options.backlog, fn, 'backlog', 1, 65535),
    maxPending:
      options?.maxPending === undefined
        ? DEFAULT_MAX_PENDING
        : integer(options.maxPending, fn, 'maxPending', 1, 1_000_000),
  };
}

/** The accept loop behind a listener's async iterator: ends when the listener closes. */
export async function* acceptLoop<S>(core: ListenerCore<S>): AsyncGenerator<S, void, undefined> {
  for (;;) {
    let stream: S;
    try {
      stream = await core.accept(undefined);
    } catch (err) {
      if (err instanceof SocketClosedError && core.isClosed) return;
      throw err;
    }
    yield stream;
  }
}

function describeListener(core: ListenerCore<any>): Record<string, number | string | boolean> {
  const address = core.server.address();
  const attributes: Record<string, number | string | boolean> = {
    pending: core.pendingCount,
    acceptErrors: core.acceptErrors,
    dropped: core.dropped,
    closed: core.isClosed,
  };
  if (typeof address === 'string') attributes['path'] = address;
  else if (address !== null) attributes['local'] = `${address.address}:${address.port}`;
  return attributes;
}
