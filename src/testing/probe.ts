import { now } from '../time/sleep.js';
import { timeout } from '../time/timeout.js';
import { TimeoutError } from '../time/errors.js';
import { duration, func } from '../core/validate.js';
import { unboundedChannel } from '../sync/mpsc/unbounded.js';
import type { Receiver } from '../sync/mpsc/receiver.js';
import type { ActorRef } from '../actor/actor-ref.js';
import { spawnActor } from '../actor/spawn-actor.js';
import { ExpectMessageError } from './errors.js';

/** The default `expectMessage` timeout, ms. */
export const EXPECT_TIMEOUT = 3_000;

/**
 * A test actor that records every message it receives, for assertions:
 * hand `probe.ref` to the code under test (as a reply target, a watcher's
 * subject, a child's collaborator), then `await probe.expectMessage(pred)`.
 * Timeouts run on the runtime clock, so under a paused clock an expectation
 * of a message an hour away completes at once.
 *
 * @example
 * ```ts
 * import { spawnActor, type ActorRef } from 'weft/actor';
 * import { probe } from 'weft/testing';
 * const p = probe<string>();
 * const greeter = spawnActor({ init: () => 0, receive: (n: number, to: ActorRef<string>) => (to.tell(`hello ${n}`), n + 1) });
 * greeter.tell(p.ref);
 * console.assert((await p.expectMessage((m) => m.startsWith('hello'))) === 'hello 0');
 * await greeter.stop();
 * await p.stop();
 * ```
 */
export class Probe<M> implements AsyncDisposable {
  /** The probe's own ref: messages sent to it are recorded. */
  readonly ref: ActorRef<M>;
  /** Every message received so far, in order (also those already expected). */
  readonly received: M[] = [];
  readonly #rx: Receiver<M>;

  /** @internal use `probe()`. */
  constructor(options: { name?: string; mailbox?: number }) {
    const [tx, rx] = unboundedChannel<M>();
    this.#rx = rx;
    const received = this.received;
    this.ref = spawnActor(
      { name: options.name ?? 'probe', mailbox: options.mailbox ?? 1024 },
      {
        init: () => undefined,
        receive(_s: undefined, msg: M) {
          received.push(msg);
          tx.send(msg);
        },
        terminate() {
          tx.close();
        },
      },
    );
  }

  /**
   * Waits for the next message that satisfies `pred`; messages before it
   * that do not are skipped (consumed). Default `pred`: any message.
   *
   * @param options.timeout ms on the runtime clock, default 3,000
   * @returns the matching message
   * @throws ExpectMessageError (code 'ERR_EXPECT_MESSAGE') when none matched
   *   in time, listing what was received
   *
   * **Cancellation**: if the calling task is aborted, no message that was
   * not looked at is consumed.
   */
  async expectMessage(pred: (msg: M) => boolean = () => true, options?: { timeout?: number }): Promise<M> {
    func(pred, 'Probe.expectMessage', 'pred');
    const ms =
      options?.timeout === undefined ? EXPECT_TIMEOUT : duration(options.timeout, 'Probe.expectMessage', 'timeout');
    const deadline = now() + ms;
    for (;;) {
      const msg = await this.#next(deadline);
      if (msg === undefined) {
        throw new ExpectMessageError(`Probe.expectMessage: no matching message within ${ms} ms`, [...this.received]);
      }
      if (pred(msg)) return msg;
    }
  }

  /**
   * Waits `ms` and fails if a message arrives meanwhile.
   *
   * @throws ExpectMessageError with the unexpected message
   *
   * **Cancellation**: aborting the calling task ends the wait; nothing is consumed.
   */
  async expectNoMessage(ms: number): Promise<void> {
    duration(ms, 'Probe.expectNoMessage', 'ms');
    const msg = await this.#next(now() + ms);
    if (msg !== undefined) throw new ExpectMessageError(`Probe.expectNoMessage: got a message within ${ms} ms`, [msg]);
  }

  /** The next message, or undefined once `deadline` passed (cancel-safe: a timed-out receive takes nothing). */
  async #next(deadline: number): Promise<M | undefined> {
    const left = Math.max(0, deadline - now());
    try {
      return await timeout(left, (signal) => this.#rx.recv({ signal }));
    } catch (err) {
      if (err instanceof TimeoutError) return undefined;
      throw err;
    }
  }

  /** Stops the probe actor. */
  stop(): Promise<void> {
    return this.ref.stop();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * Makes a probe actor (see `Probe`).
 *
 * @param options.name a label, default 'probe'; options.mailbox its mailbox capacity, default 1,024
 * @returns the probe; stop it (or `await using`) at the end of the test
 *
 * @example
 * ```ts
 * import { supervisor, spawnActor } from 'weft/actor';
 * import { probe, pause, resume } from 'weft/testing';
 * pause();
 * const events = probe<string>();
 * const sup = supervisor({ strategy: 'one-for-one', children: [{
 *   id: 'flaky', backoff: { min: 60_000, max: 3_600_000 },
 *   start: () => spawnActor({ init: () => (events.ref.tell('up'), 0), receive: (): number => { throw new Error('down'); } }),
 * }] });
 * await events.expectMessage((m) => m === 'up');
 * sup.ref('flaky')!.tell(1);
 * await events.expectMessage((m) => m === 'up', { timeout: 120_000 }); // a minute of backoff, instantly
 * await sup.stop();
 * await events.stop();
 * resume();
 * ```
 */
export function probe<M>(options: { name?: string; mailbox?: number } = {}): Probe<M> {
  return new Probe<M>(options);
}
