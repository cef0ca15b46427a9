import { ClosedError, SendError } from '../errors.js';
import { Chan, ClosedWaits, registerChan } from './chan.js';
import { resourceName } from '../../core/resources.js';
import { Receiver } from './receiver.js';
import { kMove, kRemote } from '../../core/move.js';
import type { UnboundedSenderBackend } from '../remote-end.js';
import { handleWatch } from '../../core/handle-watch.js';

const closedSite = { op: 'mpsc.closed' };

/**
 * The sending half of an unbounded mpsc channel: `send` never waits, so
 * nothing pushes back on a fast producer. Prefer `mpsc.channel(capacity)`
 * unless the producer is bounded some other way.
 *
 * @example
 * ```ts
 * import { mpsc } from 'weft/sync';
 * const [tx, rx] = mpsc.unboundedChannel<string>();
 * tx.send('no waiting');
 * console.assert((await rx.recv()) === 'no waiting');
 * ```
 */
export class UnboundedSender<T> implements Disposable {
  readonly #chan!: Chan<T>;
  readonly #remote: UnboundedSenderBackend<T> | undefined = undefined;
  #closed = false;

  /** @internal Use `mpsc.unboundedChannel()`. */
  constructor(chan: Chan<T> | UnboundedSenderBackend<T>) {
    if (chan instanceof Chan) {
      this.#chan = chan;
      handleWatch.made?.(this, chan, 'mpsc.sender');
    } else this.#remote = chan; // a front over a remote backend: #chan is never read
  }

  /**
   * Sends `value` at once (never waits).
   *
   * @throws SendError (with `.value`) if the receiver or this handle is
   *   closed; TypeError if `value` is undefined
   *
   * @example
   * ```ts
   * import { mpsc, SendError } from 'weft/sync';
   * const [tx, rx] = mpsc.unboundedChannel<number>();
   * rx.close();
   * try { tx.send(1); } catch (e) { console.assert(e instanceof SendError && e.value === 1); }
   * ```
   */
  send(value: T): void {
    if (this.#remote !== undefined) return this.#remote.send(value);
    if (value === undefined)
      throw new TypeError('UnboundedSender.send: undefined is not a valid message (it means "closed" to the receiver)');
    if (this.#closed || this.#chan.rxClosed) throw new SendError(value);
    this.#chan.sink?.check(value);
    this.#chan.deliver(value);
  }

  /**
   * A new handle to the same channel; the channel stays open for the
   * receiver until every handle is closed.
   *
   * @throws ClosedError if this handle is closed
   *
   * @example
   * ```ts
   * import { mpsc } from 'weft/sync';
   * const [tx, rx] = mpsc.unboundedChannel<number>();
   * const tx2 = tx.clone();
   * tx.close();
   * tx2.send(2);
   * tx2.close();
   * console.assert((await rx.recv()) === 2 && (await rx.recv()) === undefined);
   * ```
   */
  clone(): UnboundedSender<T> {
    if (this.#remote !== undefined) return this.#remote.clone();
    if (this.#closed) throw new ClosedError('UnboundedSender.clone: this sender handle is closed');
    this.#chan.senders++;
    return new UnboundedSender(this.#chan);
  }

  /** Closes this handle; when every handle is closed the receiver drains, then gets `undefined`. Idempotent. */
  close(): void {
    if (this.#remote !== undefined) return this.#remote.close();
    if (this.#closed) return;
    this.#closed = true;
    this.#chan.senderClosed(this);
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal Moves this handle's place among the senders to another thread (see `kMove`). */
  [kMove](probe: boolean): Chan<T> | undefined {
    if (this.#remote !== undefined) return undefined; // a remote end does not move again
    if (this.#closed) return undefined;
    if (!probe) this.#closed = true;
    return this.#chan;
  }

  /**
   * Resolves once sending is no longer possible: the receiver was closed (or
   * this handle was).
   *
   * **Cancellation**: aborting leaves nothing registered on the channel.
   *
   * @example
   * ```ts
   * import { mpsc } from 'weft/sync';
   * const [tx, rx] = mpsc.unboundedChannel<number>();
   * rx.close();
   * await tx.closed();
   * console.assert(tx.isClosed);
   * ```
   */
  closed(options?: { signal?: AbortSignal }): Promise<void> {
    if (this.#remote !== undefined) return this.#remote.closed(options);
    const chan = this.#chan;
    return (chan.closedWaits ??= new ClosedWaits(chan.rid)).wait(
      this,
      this.#closed || chan.rxClosed,
      options,
      closedSite,
    );
  }

  /** True once the receiver was closed, or this handle was. */
  get isClosed(): boolean {
    if (this.#remote !== undefined) return this.#remote.isClosed;
    return this.#closed || this.#chan.rxClosed;
  }

  /** @internal The remote backend, when this end lives on another thread than its channel. */
  get [kRemote](): UnboundedSenderBackend<T> | undefined {
    return this.#remote;
  }
}

/**
 * Creates an unbounded multi-producer, single-consumer channel. `send` never
 * waits; memory is the only limit, so use it only where the producer is
 * bounded some other way.
 *
 * @param options `name`: shown by introspection (`runtime.resources()`)
 * @returns `[sender, receiver]`
 *
 * @example
 * ```ts
 * import { mpsc } from 'weft/sync';
 * const [tx, rx] = mpsc.unboundedChannel<number>();
 * for (let i = 0; i < 1000; i++) tx.send(i);
 * tx.close();
 * const all: number[] = [];
 * while ((await rx.recvMany(all, 256)) > 0);
 * console.assert(all.length === 1000);
 * ```
 */
export function unboundedChannel<T>(options?: { name?: string }): [UnboundedSender<T>, Receiver<T>] {
  const name = resourceName(options, 'mpsc.unboundedChannel');
  const chan = new Chan<T>(Infinity);
  registerChan(chan, name);
  return [new UnboundedSender(chan), new Receiver(chan)];
}
