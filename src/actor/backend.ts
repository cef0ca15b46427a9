/**
 * The backend of an `ActorRef` (CONVENTIONS.md: a handle that can live on
 * another thread or machine is a front over a backend, not a subclass). The
 * front (`ActorRef`) validates arguments and builds `ask` on `tell` plus a
 * oneshot; everything that touches where the actor lives is here. The local
 * cell (`local-actor.ts`), the proxy of an actor on another thread
 * (`remote-actor.ts`) and the cluster's refs implement it.
 *
 * Rules every backend keeps (the front relies on them):
 * - `tell` never waits and never allocates a promise when it succeeds; it
 *   throws `MailboxFullError` (full) or `ActorStoppedError` (stopped or
 *   stopping), synchronously.
 * - `send` resolves once the message is in the mailbox, waiting for room;
 *   rejects `ActorStoppedError` if the actor stops first; on abort of `signal`
 *   it rejects with `signal.reason` and the message was not delivered.
 * - `stop(reason)` is idempotent; the first reason wins; it resolves once the
 *   actor has stopped (terminate ran, the rest of the mailbox went to dead
 *   letters). `stopped()` resolves (never rejects) with the final reason.
 * - `monitor(fn)` calls `fn(reason)` exactly once when the actor stops for
 *   good (on a later microtask if it already has); `demonitor(token)` cancels.
 *   A restart by a supervisor is not a stop.
 * - `exit(reason)` is a failure arriving through a link: the actor fails as
 *   if `receive` had threw `reason` (after its current message), so its
 *   supervisor, if any, decides what happens next.
 * @internal
 */
export interface ActorBackend<M> {
  readonly id: string;
  readonly name: string | undefined;
  readonly isAlive: boolean;
  tell(msg: M): void;
  send(msg: M, signal: AbortSignal | undefined): Promise<void>;
  stop(reason: unknown): Promise<void>;
  stopped(): Promise<unknown>;
  monitor(fn: (reason: unknown) => void): object;
  demonitor(token: object): void;
  exit(reason: unknown): void;
}
