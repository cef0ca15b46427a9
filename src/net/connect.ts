import { connect as netConnect, type NetConnectOpts, type Socket } from 'node:net';
import { Parked, type WaitSite } from '../core/wait-queue.js';
import { IoError } from '../io/errors.js';

/** One pending connect: settles on 'connect' or 'error'; an abort destroys the half-open socket. */
class ConnectWait<T> extends Parked<T> {
  readonly socket: Socket;
  readonly #wrap: (socket: Socket) => T;
  readonly #what: string;

  constructor(opts: NetConnectOpts, wrap: (socket: Socket) => T, what: string) {
    super();
    this.#wrap = wrap;
    this.#what = what;
    this.socket = netConnect(opts);
    this.socket.once('connect', this.#onConnect);
    this.socket.once('error', this.#onError);
  }

  #unlisten(): void {
    this.socket.off('connect', this.#onConnect);
    this.socket.off('error', this.#onError);
  }

  #onConnect = (): void => {
    this.#unlisten();
    if (this.settled) return;
    this.complete(this.#wrap(this.socket));
  };

  #onError = (err: Error): void => {
    this.#unlisten();
    this.socket.destroy();
    this.fail(IoError.from(err, this.#what));
  };

  protected override onCancel(): void {
    this.#unlisten();
    this.socket.destroy();
  }
}

/**
 * Connects a socket and wraps it once connected. The wait is cancellable:
 * aborting destroys the socket (no connection is left behind).
 */
export function connectSocket<T>(
  opts: NetConnectOpts,
  wrap: (socket: Socket) => T,
  signal: AbortSignal | undefined,
  site: WaitSite,
  what: string,
): Promise<T> {
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  const w = new ConnectWait(opts, wrap, what);
  return w.park(signal, site);
}
