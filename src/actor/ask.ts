import { Parked } from '../core/wait-queue.js';
import { kSelect } from '../core/selectable.js';
import type { TimerEntry } from '../core/timer-heap.js';
import type { Clock } from '../core/clock.js';
import type { OneshotReceiver } from '../sync/oneshot.js';
import { RecvError } from '../sync/errors.js';
import type { ActorBackend } from './backend.js';
import { ActorStoppedError, AskTimeoutError, MailboxFullError } from './errors.js';

/**
 * The ask's branch in the reply oneshot's receiver queue (the `select`
 * protocol: `OneshotReceiver[kSelect]`): never parked itself, it forwards the
 * reply, or the reply end's closing, to its ask.
 */
class ReplyArm<R> extends Parked<R> {
  constructor(readonly ask: AskWait<R>) {
    super();
  }

  override complete(value: R): void {
    this.settled = true;
    this.ask.replied(true, value);
  }

  override fail(reason: unknown): void {
    this.settled = true;
    this.ask.replied(false, reason);
  }
}

/** The `ActorRef.ask` wait site (introspection shows an asking task parked here). */
export const askSite = { op: 'actor.ask' } as const;

/**
 * One pending `ask`: the caller's wait, and the timer of its deadline on the
 * runtime clock (so the paused clock moves it). The reply arrives through the
 * oneshot receiver; whichever of reply, deadline and abort comes first
 * settles it, and the receiver is closed on every other path so a late reply
 * is refused (`Reply.send` returns false) instead of kept.
 */
export class AskWait<R> extends Parked<R> implements TimerEntry {
  heapIndex = -1;
  readonly deadline: number;

  constructor(
    readonly clock: Clock,
    readonly timeout: number,
    readonly rx: OneshotReceiver<R>,
    readonly backend: ActorBackend<any>,
  ) {
    super();
    this.deadline = clock.now() + timeout;
  }

  /** Aborts a `send` still waiting for room in a full mailbox once the ask is settled. */
  #sending: AbortController | undefined = undefined;

  /**
   * Delivers the request and listens for the reply (after `park`, when not
   * settled at once). A full mailbox makes the request wait for room, within
   * the same timeout.
   */
  start(msg: unknown): void {
    if (this.timeout !== Infinity) this.clock.add(this);
    // Listen the way select does: an arm in the receiver's queue, no second promise.
    this.rx[kSelect](new ReplyArm(this));
    const backend = this.backend;
    try {
      backend.tell(msg);
      return;
    } catch (err) {
      if (!(err instanceof MailboxFullError)) {
        this.#settle(false, err);
        return;
      }
    }
    const sending = (this.#sending = new AbortController());
    backend.send(msg, sending.signal).then(
      () => (this.#sending = undefined),
      (err: unknown) => {
        if (!sending.signal.aborted) this.#settle(false, err);
      },
    );
  }

  fire(): void {
    if (this.settled) return;
    this.fail(new AskTimeoutError(this.backend.id, this.timeout));
    this.#sending?.abort();
    this.rx.close();
  }

  protected override detach(): void {
    if (this.heapIndex >= 0) this.clock.remove(this);
  }

  protected override onCancel(): void {
    this.#sending?.abort();
    this.rx.close();
  }

  /** @internal The reply arrived, or the reply end closed unsent (from `ReplyArm`). */
  replied(ok: boolean, value: unknown): void {
    this.#settle(ok, value);
  }

  #settle(ok: boolean, value: unknown): void {
    if (this.settled) return;
    if (this.heapIndex >= 0) this.clock.remove(this);
    if (ok) {
      this.complete(value as R);
      return;
    }
    this.#sending?.abort();
    this.rx.close();
    const backend = this.backend;
    if (value instanceof RecvError) {
      value = backend.isAlive
        ? new RecvError(
            `actor ${backend.id} dropped the request without replying (it failed handling it, or closed the reply)`,
          )
        : new ActorStoppedError(backend.id, undefined, `actor ${backend.id} stopped before replying`);
    }
    this.fail(value);
  }
}
