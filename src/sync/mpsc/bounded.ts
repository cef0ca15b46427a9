import { RESOLVED } from '../../core/promise.js';
import { signalOf, integer } from '../../core/validate.js';
import { SendError } from '../errors.js';
import { Chan, MAX_CAPACITY, SendWait, registerChan } from './chan.js';
import { resourceName } from '../../core/resources.js';
import { Receiver } from './receiver.js';
import { kRemote } from '../../core/move.js';
import type { PermitBackend, SenderBackend } from '../remote-end.js';
import { fastPath } from '../../core/fast-path.js';
import { SenderHandle } from './sender-handle.js';

const sendSite = { op: 'mpsc.send' };
const reserveSite = { op: 'mpsc.reserve' };

function noUndefined(value: unknown, fn: string): void {
  if (value === undefined)
    throw new TypeError(`${fn}: undefined is not a valid message (it means "closed" to the receiver)`);
}

/**
 * One slot of a bounded channel's capacity, held by `reserve()`: sending
 * through it cannot wait or fail. Send it or release it; until then the slot
 * counts against the channel's capacity.
 *
 * @example
 * ```ts
 * import { mpsc } from 'weft/sync';
 * const [tx, rx] = mpsc.channel<string>(1);
 * const permit = await tx.reserve();
 * console.assert(tx.capacity === 0);
 * permit.send('held slot');
 * console.assert((await rx.recv()) === 'held slot');
 * ```
 */
export class Permit<T> implements Disposable {
  #chan: Chan<T> | undefined;
  readonly #remote: PermitBackend<T> | undefined = undefined;

  /** @internal Obtained from `Sender.reserve()` / `tryReserve()`. */
  constructor(chan: Chan<T> | PermitBackend<T>) {
    if (chan instanceof Chan) this.#chan = chan;
    else this.#remote = chan; // a front over a remote backend: #chan is never read
  }

  /**
   * Sends `value` in the reserved slot. Never waits; succeeds even if the
   * receiver was closed after the permit was granted (the receiver can still
   * drain it).
   *
   * @throws TypeError if `value` is undefined, or if the permit was already
   *   sent or released
   */
  send(value: T): void {
    if (this.#remote !== undefined) return this.#remote.send(value);
    const chan = this.#chan;
    if (chan === undefined) throw new TypeError('Permit.send: this permit was already sent or released');
    noUndefined(value, 'Permit.send');
    chan.sink?.check(value);
    this.#chan = undefined;
    chan.permitDone(value, true);
  }

  /**
   * Gives the slot back unused. Idempotent (a no-op after `send`).
   *
   * @example
   * ```ts
   * import { mpsc } from 'weft/sync';
   * const [tx] = mpsc.channel<number>(1);
   * const permit = await tx.reserve();
   * permit.release();
   * console.assert(tx.capacity === 1);
   * ```
   */
  release(): void {
    if (this.#remote !== undefined) return this.#remote.release();
    const chan = this.#chan;
    if (chan === undefined) return;
    this.#chan = undefined;
    chan.permitDone(undefined, false);
  }

  /** Same as `release()`, for `using`. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** @internal The remote backend, when this end lives on another thread than its channel. */
  get [kRemote](): PermitBackend<T> | undefined {
    return this.#remote;
  }
}

function makePermit<T>(chan: Chan<T>): Permit<T> {
  return new Permit(chan);
}

/**
 * The sending half of a bounded mpsc channel. Clone it for each producer;
 * the channel closes for the receiver when every clone is closed.
 *
 * @example
 * ```ts
 * import { mpsc } from 'weft/sync';
 * const [tx, rx] = mpsc.channel<number>(2);
 * const tx2 = tx.clone();
 * await tx.send(1);
 * await tx2.send(2);
 * tx.close();
 * tx2.close();
 * console.assert((await rx.recv()) === 1 && (await rx.recv()) === 2 && (await rx.recv()) === undefined);
 * ```
 */
export class Sender<T> extends SenderHandle<T, Sender<T>> {
  /** @internal */
  declare protected readonly remote: SenderBackend<T> | undefined;

  /** @internal Use `mpsc.channel()`. */
  constructor(chan: Chan<T> | SenderBackend<T>) {
    super(chan);
  }

  /** @internal */
  protected override fresh(chan: Chan<T>): Sender<T> {
    return new Sender(chan);
  }

  /** @internal */
  protected override get handleName(): string {
    return 'Sender';
  }

  /**
   * Sends `value`, waiting for capacity while the channel is full. Waiting
   * sends are served strictly in arrival order: a freed slot goes to the
   * longest-waiting send (or reserve).
   *
   * @throws TypeError synchronously if `value` is undefined or options are
   *   bad, or if the receiver lives on another thread and `value` cannot be
   *   structured-cloned (then nothing was sent and no capacity taken)
   * @returns a promise that resolves once the value is in the channel, or
   *   rejects with `SendError` (holding the value in `.value`) if the receiver
   *   is closed or this handle was closed
   *
   * **Cancellation**: if `options.signal` or the calling task aborts while
   * waiting, the value was not sent, took no capacity, and the wait left the
   * queue (the next sender is served). The value is still the caller's.
   *
   * @example
   * ```ts
   * import { mpsc } from 'weft/sync';
   * const [tx, rx] = mpsc.channel<number>(1);
   * await tx.send(1);
   * const second = tx.send(2); // waits: the channel is full
   * console.assert((await rx.recv()) === 1);
   * await second;
   * console.assert((await rx.recv()) === 2);
   * ```
   */
  send(value: T, options?: { signal?: AbortSignal }): Promise<void> {
    if (this.remote !== undefined) return this.remote.send(value, options);
    noUndefined(value, 'Sender.send');
    const signal = options === undefined ? undefined : signalOf(options, 'Sender.send');
    const chan = this.chan;
    chan.sink?.check(value);
    if (this.handleClosed || chan.rxClosed) return Promise.reject(new SendError(value));
    if (chan.sendWaiters.head === undefined && chan.available > 0) {
      const later = fastPath(signal, this, this.send, value, options);
      if (later !== undefined) return later;
      if (chan.tryAcquire()) {
        chan.deliver(value);
        return RESOLVED;
      }
    }
    const w = new SendWait<T>(value, false, this);
    const promise = w.park(signal, sendSite, chan.rid) as Promise<void>;
    if (!w.settled) chan.sendWaiters.push(w);
    return promise;
  }

  /**
   * Sends `value` if capacity is free right now.
   *
   * @returns true if sent; false if the channel is full (or senders are
   *   already waiting for capacity: they come first)
   * @throws SendError (with `.value`) if the receiver or this handle is closed;
   *   closed wins over full. TypeError if `value` is undefined.
   *
   * @example
   * ```ts
   * import { mpsc } from 'weft/sync';
   * const [tx] = mpsc.channel<number>(1);
   * console.assert(tx.trySend(1) === true);
   * console.assert(tx.trySend(2) === false);
   * ```
   */
  trySend(value: T): boolean {
    if (this.remote !== undefined) return this.remote.trySend(value);
    noUndefined(value, 'Sender.trySend');
    const chan = this.chan;
    chan.sink?.check(value);
    if (this.handleClosed || chan.rxClosed) throw new SendError(value);
    if (chan.sendWaiters.head !== undefined || !chan.tryAcquire()) return false;
    chan.deliver(value);
    return true;
  }

  /**
   * Reserves one slot of capacity, waiting (in the same FIFO as `send`) while
   * the channel is full. Sending through the permit then cannot wait or fail.
   *
   * @returns a `Permit`; rejects with `SendError` if the receiver or this
   *   handle is closed
   *
   * **Cancellation**: if aborted while waiting, no capacity was taken and the
   * next waiting sender is served.
   *
   * @example
   * ```ts
   * import { mpsc } from 'weft/sync';
   * const [tx, rx] = mpsc.channel<number>(1);
   * using permit = await tx.reserve();
   * permit.send(42);
   * console.assert((await rx.recv()) === 42);
   * ```
   */
  reserve(options?: { signal?: AbortSignal }): Promise<Permit<T>> {
    if (this.remote !== undefined) return this.remote.reserve(options);
    const signal = options === undefined ? undefined : signalOf(options, 'Sender.reserve');
    const chan = this.chan;
    if (this.handleClosed || chan.rxClosed) return Promise.reject(new SendError(undefined));
    if (chan.sendWaiters.head === undefined && chan.available > 0) {
      const later = fastPath(signal, this, this.reserve, options);
      if (later !== undefined) return later;
      if (chan.tryAcquire()) {
        chan.permits++;
        return Promise.resolve(new Permit(chan));
      }
    }
    const w = new SendWait<T>(undefined, true, this);
    const promise = w.park(signal, reserveSite, chan.rid) as Promise<Permit<T>>;
    if (!w.settled) chan.sendWaiters.push(w);
    return promise;
  }

  /**
   * Reserves a slot if one is free right now.
   *
   * @returns a `Permit`, or undefined when the channel is full
   * @throws SendError if the receiver or this handle is closed (closed wins over full)
   *
   * @example
   * ```ts
   * import { mpsc } from 'weft/sync';
   * const [tx] = mpsc.channel<number>(1);
   * const p = tx.tryReserve();
   * console.assert(p !== undefined && tx.tryReserve() === undefined);
   * p?.release();
   * ```
   */
  tryReserve(): Permit<T> | undefined {
    if (this.remote !== undefined) return this.remote.tryReserve();
    const chan = this.chan;
    if (this.handleClosed || chan.rxClosed) throw new SendError(undefined);
    if (chan.sendWaiters.head !== undefined || !chan.tryAcquire()) return undefined;
    chan.permits++;
    return new Permit(chan);
  }

  /** Capacity free right now: `maxCapacity - buffered - outstanding permits`. */
  get capacity(): number {
    if (this.remote !== undefined) return this.remote.capacity;
    return this.chan.available;
  }

  /** The capacity the channel was created with. */
  get maxCapacity(): number {
    if (this.remote !== undefined) return this.remote.maxCapacity;
    return this.chan.max;
  }
}

/**
 * Creates a bounded multi-producer, single-consumer channel holding at most
 * `capacity` values. Senders wait (FIFO) while it is full: this is how a
 * pipeline applies backpressure.
 *
 * @param capacity an integer from 1 to `mpsc.MAX_CAPACITY` (2^30)
 * @param options `name`: shown by introspection (`runtime.resources()`)
 * @returns `[sender, receiver]`
 * @throws RangeError for 0, negative, NaN, fractional or too large a
 *   capacity; TypeError for a non-number
 *
 * @example
 * ```ts
 * import { spawn } from 'weft';
 * import { mpsc } from 'weft/sync';
 * const [tx, rx] = mpsc.channel<number>(16);
 * const producer = spawn(async () => {
 *   for (let i = 1; i <= 3; i++) await tx.send(i);
 *   tx.close();
 * });
 * let sum = 0;
 * for await (const v of rx) sum += v;
 * await producer;
 * console.assert(sum === 6);
 * ```
 */
export function channel<T>(capacity: number, options?: { name?: string }): [Sender<T>, Receiver<T>] {
  integer(capacity, 'mpsc.channel', 'capacity', 1, MAX_CAPACITY);
  const name = resourceName(options, 'mpsc.channel');
  const chan = new Chan<T>(capacity);
  chan.makePermit = makePermit;
  registerChan(chan, name);
  return [new Sender(chan), new Receiver(chan)];
}
