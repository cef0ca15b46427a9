import { SendError } from '../errors.js';
import { Chan, registerChan } from './chan.js';
import { resourceName } from '../../core/resources.js';
import { Receiver } from './receiver.js';
import type { UnboundedSenderBackend } from '../remote-end.js';
import { SenderHandle } from './sender-handle.js';

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
export class UnboundedSender<T> extends SenderHandle<T, UnboundedSender<T>> {
  /** @internal */
  declare protected readonly remote: UnboundedSenderBackend<T> | undefined;

  /** @internal Use `mpsc.unboundedChannel()`. */
  constructor(chan: Chan<T> | UnboundedSenderBackend<T>) {
    super(chan);
  }

  /** @internal */
  protected override fresh(chan: Chan<T>): UnboundedSender<T> {
    return new UnboundedSender(chan);
  }

  /** @internal */
  protected override get handleName(): string {
    return 'UnboundedSender';
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
    if (this.remote !== undefined) return this.remote.send(value);
    if (value === undefined)
      throw new TypeError('UnboundedSender.send: undefined is not a valid message (it means "closed" to the receiver)');
    if (this.handleClosed || this.chan.rxClosed) throw new SendError(value);
    this.chan.sink?.check(value);
    this.chan.deliver(value);
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
