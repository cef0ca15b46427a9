import { signalOf, duration, func } from '../core/validate.js';
import { currentRuntime } from '../runtime/runtime.js';
import { oneshot } from '../sync/oneshot.js';
import type { ActorBackend } from './backend.js';
import type { Reply } from './behavior.js';
import { AskWait, askSite } from './ask.js';
import { kWire } from '../core/move.js';

/** The default `ask` timeout, in ms. */
export const ASK_TIMEOUT = 5_000;

/**
 * A handle to an actor: the only way to reach it. Refs are cheap, can be
 * stored and passed in messages (also to an actor or a task on another
 * thread: see `spawnActor({ thread: 'worker' })`), and stay valid across
 * restarts by a supervisor (the mailbox survives a restart).
 *
 * A ref is a front over a backend (a local mailbox, a proxy of an actor on
 * another thread, a cluster ref): the methods below behave the same whichever
 * it is.
 *
 * @example
 * ```ts
 * import { spawnActor, type Reply } from 'weft/actor';
 * type Msg = { type: 'add'; n: number } | { type: 'get'; reply: Reply<number> };
 * const counter = spawnActor({
 *   init: () => 0,
 *   receive: (sum: number, msg: Msg) => {
 *     if (msg.type === 'add') return sum + msg.n;
 *     msg.reply.send(sum);
 *     return sum;
 *   },
 * });
 * counter.tell({ type: 'add', n: 2 });
 * counter.tell({ type: 'add', n: 3 });
 * console.assert((await counter.ask<number>((reply) => ({ type: 'get', reply }))) === 5);
 * await counter.stop();
 * ```
 */
export class ActorRef<M> {
  readonly #backend: ActorBackend<M>;

  /** @internal Made by `spawnActor` (or a remote/cluster backend). */
  constructor(backend: ActorBackend<M>) {
    this.#backend = backend;
  }

  /**
   * @internal How a ref crosses to another thread: makes a port to an agent
   * serving it here (set by `ref-home.ts`, which imports this module).
   */
  static wire: ((backend: ActorBackend<any>) => object) | undefined = undefined;

  /** @internal Crossing to another thread (`spawnWorker` arguments, messages): see `ActorRef.wire`. */
  [kWire](): object {
    return ActorRef.wire!(this.#backend);
  }

  /** @internal The backend behind a ref. */
  static backendOf<M>(ref: ActorRef<M>): ActorBackend<M> {
    return ref.#backend;
  }

  /** A unique id (unique across the threads of a process). */
  get id(): string {
    return this.#backend.id;
  }

  /** The name given at spawn, if any. */
  get name(): string | undefined {
    return this.#backend.name;
  }

  /** True until the actor has stopped for good (false while it is stopping). */
  get isAlive(): boolean {
    return this.#backend.isAlive;
  }

  /**
   * Puts `msg` in the mailbox without waiting. Never allocates a promise.
   *
   * @throws MailboxFullError (message in `.value`) when the mailbox is full;
   *   ActorStoppedError once the actor is stopping or stopped; TypeError for
   *   an `undefined` message, or one that cannot cross to the actor's thread
   *
   * @example
   * ```ts
   * import { spawnActor } from 'weft/actor';
   * const seen: string[] = [];
   * const log = spawnActor({ init: () => undefined, receive: (_s: undefined, m: string) => { seen.push(m); } });
   * log.tell('hello');
   * await log.ask<void>((reply) => { reply.send(); return 'ping'; }); // 'hello' was handled before this
   * console.assert(seen[0] === 'hello');
   * await log.stop();
   * ```
   */
  tell(msg: M): void {
    this.#backend.tell(msg);
  }

  /**
   * Puts `msg` in the mailbox, waiting for room while it is full
   * (backpressure; waiting senders are served in order).
   *
   * @returns resolves once the message is in the mailbox
   * @throws TypeError synchronously for bad options or an `undefined` message
   * @rejects ActorStoppedError if the actor stops before room was found
   *
   * **Cancellation**: if `options.signal` or the calling task aborts while
   * waiting, the message was not delivered and took no room.
   *
   * @example
   * ```ts
   * import { spawnActor } from 'weft/actor';
   * let total = 0;
   * const acc = spawnActor({ mailbox: 1 }, { init: () => 0, receive: (s: number, n: number) => (total = s + n) });
   * for (let i = 1; i <= 4; i++) await acc.send(i); // waits whenever the one-slot mailbox is full
   * await acc.stop();
   * console.assert(total === 10);
   * ```
   */
  send(msg: M, options?: { signal?: AbortSignal }): Promise<void> {
    const signal = options === undefined ? undefined : signalOf(options, 'ActorRef.send');
    return this.#backend.send(msg, signal);
  }

  /**
   * Request/response: `make(reply)` builds the message carrying the reply
   * end; the actor answers with `reply.send(value)`.
   *
   * @param make builds the message from the reply end (called synchronously, once)
   * @param options.timeout ms to wait for the reply, default 5,000 (Infinity: no limit)
   * @returns the reply
   * @throws TypeError / RangeError synchronously for a bad `make` or options
   * @rejects AskTimeoutError when no reply came in time (a full mailbox makes
   *   the request wait for room within the same time); ActorStoppedError if
   *   the actor is stopped or stopped before replying; RecvError if it
   *   dropped the request (it failed handling it: the request went to dead
   *   letters); whatever `make` threw
   *
   * **Cancellation**: on abort of `options.signal` or of the calling task,
   * the promise rejects and the reply end is closed: a late `reply.send`
   * returns false. The request itself may already have been handled.
   *
   * @example
   * ```ts
   * import { spawnActor, type Reply } from 'weft/actor';
   * const echo = spawnActor({ init: () => 0, receive: (s: number, m: { text: string; reply: Reply<string> }) => {
   *   m.reply.send(m.text.toUpperCase());
   *   return s;
   * } });
   * console.assert((await echo.ask<string>((reply) => ({ text: 'hi', reply }), { timeout: 1_000 })) === 'HI');
   * await echo.stop();
   * ```
   */
  ask<R>(make: (reply: Reply<R>) => M, options?: { timeout?: number; signal?: AbortSignal }): Promise<R> {
    func(make, 'ActorRef.ask', 'make');
    const signal = options === undefined ? undefined : signalOf(options, 'ActorRef.ask');
    const timeout = options?.timeout === undefined ? ASK_TIMEOUT : duration(options.timeout, 'ActorRef.ask', 'timeout');
    const backend = this.#backend;
    const [tx, rx] = oneshot<R>();
    let msg: M;
    try {
      msg = make(tx);
    } catch (err) {
      rx.close();
      return Promise.reject(err);
    }
    const w = new AskWait<R>(currentRuntime().clock, timeout, rx, backend);
    const promise = w.park(signal, askSite, backend.rid);
    if (w.settled) rx.close();
    else w.start(msg);
    return promise;
  }

  /**
   * Stops the actor: the message in hand finishes, `terminate` runs, the
   * rest of the mailbox goes to dead letters. Idempotent: the first reason
   * wins. A supervised child stopped this way is not a failure: a
   * `permanent` child is started again (a new ref), others are not.
   *
   * @param reason the stop reason `stopped()` resolves with, default `'normal'`
   * @returns resolves once the actor has stopped
   *
   * **Cancellation**: the returned promise is not cancellable; the stop
   * happens whether or not it is awaited.
   *
   * @example
   * ```ts
   * import { spawnActor } from 'weft/actor';
   * const ref = spawnActor({ init: () => 0, receive: (s: number) => s });
   * await ref.stop('done');
   * console.assert(!ref.isAlive && (await ref.stopped()) === 'done');
   * ```
   */
  stop(reason: unknown = 'normal'): Promise<void> {
    return this.#backend.stop(reason);
  }

  /**
   * Resolves (never rejects) with the reason once the actor has stopped for
   * good: the stop reason, the error it failed with (unsupervised, or its
   * supervisor did not restart it), or `'killed'`.
   *
   * **Cancellation**: nothing is registered that outlives the promise.
   *
   * @example
   * ```ts
   * import { spawnActor } from 'weft/actor';
   * const ref = spawnActor({ init: () => 0, receive: (): number => { throw new Error('bad message'); } });
   * ref.tell(1);
   * const reason = await ref.stopped();
   * console.assert(reason instanceof Error && reason.message === 'bad message');
   * ```
   */
  stopped(): Promise<unknown> {
    return this.#backend.stopped();
  }
}
