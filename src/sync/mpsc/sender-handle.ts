import { ClosedError } from '../errors.js';
import { Chan, ClosedWaits } from './chan.js';
import { kMove, kRemote } from '../../core/move.js';
import { handleWatch } from '../../core/handle-watch.js';

const closedSite = { op: 'mpsc.closed' };

/** What both flavors' remote sender backends offer the handle's shared part (each flavor narrows `remote` to its own). */
export interface HandleBackend<H> {
  clone(): H;
  close(): void;
  closed(options: { signal?: AbortSignal } | undefined): Promise<void>;
  readonly isClosed: boolean;
}

/**
 * What the sending handles of both mpsc flavors (`Sender`, `UnboundedSender`)
 * share, written once: the handle's own open/closed state and the calls
 * that do not depend on capacity (clone, close, `closed()`, moving to
 * another thread). A handle is a front over its local channel (`chan`) or,
 * once it lives on another thread than its channel, over a remote backend
 * (`remote`); each flavor adds its `send`.
 */
export abstract class SenderHandle<T, H> implements Disposable {
  /** @internal The channel (unset, never read, on a front over a remote backend). */
  protected readonly chan!: Chan<T>;
  /** @internal The remote backend, when this end lives on another thread than its channel. */
  protected readonly remote: HandleBackend<H> | undefined = undefined;
  /** @internal This handle was closed (`close()`, or it moved to another thread). */
  protected handleClosed = false;

  /** @internal Handles come from `mpsc.channel()` / `mpsc.unboundedChannel()`. */
  constructor(chan: Chan<T> | HandleBackend<H>) {
    if (chan instanceof Chan) {
      this.chan = chan;
      handleWatch.made?.(this, chan, 'mpsc.sender');
    } else this.remote = chan;
  }

  /** @internal A new handle of this flavor on `chan` (one more sender already counted). */
  protected abstract fresh(chan: Chan<T>): H;

  /** @internal The class name, for error messages. */
  protected abstract get handleName(): string;

  /**
   * A new handle to the same channel; the channel stays open for the receiver
   * until every handle is closed.
   *
   * @throws ClosedError if this handle is closed
   *
   * @example
   * ```ts
   * import { mpsc } from 'weft/sync';
   * const [tx, rx] = mpsc.channel<number>(1);
   * const tx2 = tx.clone();
   * tx.close();
   * console.assert(!rx.isClosed);
   * tx2.close();
   * console.assert(rx.isClosed);
   * ```
   */
  clone(): H {
    if (this.remote !== undefined) return this.remote.clone();
    if (this.handleClosed) throw new ClosedError(`${this.handleName}.clone: this sender handle is closed`);
    this.chan.senders++;
    return this.fresh(this.chan);
  }

  /**
   * Closes this handle. When every handle is closed, the receiver drains
   * what is buffered and then receives `undefined`. Sends already waiting on
   * this handle (bounded channel) still complete (abort them through their
   * signal if needed). Idempotent.
   *
   * @example
   * ```ts
   * import { mpsc } from 'weft/sync';
   * const [tx, rx] = mpsc.channel<number>(2);
   * tx.trySend(1);
   * tx.close();
   * tx.close();
   * console.assert((await rx.recv()) === 1 && (await rx.recv()) === undefined);
   * ```
   */
  close(): void {
    if (this.remote !== undefined) return this.remote.close();
    if (this.handleClosed) return;
    this.handleClosed = true;
    this.chan.senderClosed(this);
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal Moves this handle's place among the senders to another thread (see `kMove`). */
  [kMove](probe: boolean): Chan<T> | undefined {
    if (this.remote !== undefined) return undefined; // a remote end does not move again
    if (this.handleClosed) return undefined;
    if (!probe) this.handleClosed = true;
    return this.chan;
  }

  /**
   * Resolves once sending is no longer possible: the receiver was closed (or
   * this handle was). Useful to stop producing when nobody listens.
   *
   * **Cancellation**: aborting leaves nothing registered on the channel.
   *
   * @example
   * ```ts
   * import { mpsc } from 'weft/sync';
   * const [tx, rx] = mpsc.channel<number>(1);
   * setTimeout(() => rx.close(), 1);
   * await tx.closed();
   * console.assert(tx.isClosed);
   * ```
   */
  closed(options?: { signal?: AbortSignal }): Promise<void> {
    if (this.remote !== undefined) return this.remote.closed(options);
    const chan = this.chan;
    return (chan.closedWaits ??= new ClosedWaits(chan.rid)).wait(
      this,
      this.handleClosed || chan.rxClosed,
      options,
      closedSite,
    );
  }

  /** True once the receiver was closed, or this handle was. */
  get isClosed(): boolean {
    if (this.remote !== undefined) return this.remote.isClosed;
    return this.handleClosed || this.chan.rxClosed;
  }

  /** @internal The remote backend, when this end lives on another thread than its channel. */
  get [kRemote](): HandleBackend<H> | undefined {
    return this.remote;
  }
}
