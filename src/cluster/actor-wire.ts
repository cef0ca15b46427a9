/**
 * The remote actor protocol (`Cluster.publish` / `Cluster.ref`).
 *
 * Subjects under the cluster prefix `P`:
 * - `P.a.find.<name>` (queue group `P.a.find`): a ref looks up who hosts
 *   `name` (`F`, request/reply). The host answers with its node and
 *   registers the ref's session, so it can tell it when the actor stops.
 * - `P.a.<node>.<name>`: a session's messages to the actor on `node`:
 *   `B` (a batch of messages, in order: the messages a ref sends in one
 *   event-loop turn travel in one NATS message; an ask is a message
 *   carrying a reply handle),
 *   `S` (stop, request/reply), `E` (exit through a link).
 * - `P.in.<node>.<incarnation>`: each node's inbox: credits (`C`),
 *   the actor stopped (`D`), ask replies (`R`).
 * - A local actor whose ref crosses in a message is published under
 *   `_r.<node>.<incarnation>.<n>` (see actors.ts); only that process ever
 *   hosts such a name, so a lookup nobody answers means the actor stopped.
 *
 * Backpressure: a session starts with {@link INITIAL_CREDIT} credits; each
 * message spends one; the host returns a credit once the message is in the
 * actor's mailbox (it waits with `send` while the mailbox is full). So a
 * remote sender has at most INITIAL_CREDIT messages in flight beyond the
 * mailbox, and `tell` throws `MailboxFullError` when it has no credit left,
 * `send` waits for one. Credits go back in batches: as soon as a session is
 * owed {@link CREDIT_BATCH}, else {@link CREDIT_DELAY} ms after the first.
 *
 * Hand-over: every message carries a sequence number in its session (the
 * batch says the first), and the host's credit and stop notices say how far
 * it has put messages in the mailbox. An entity ref keeps each message until
 * the host says it is in; when the activation stops (passivated, or stopped
 * for any other reason), the ref sends the messages that did not get in,
 * with their asks, to the next activation, ahead of anything sent after.
 *
 * Replies: the reply end of an `ask` crosses as `{ node inbox, reply id }`;
 * the host hands the actor a reply handle that publishes the answer to that
 * inbox; the asking node completes its local oneshot. Delivery is NATS core
 * (at most once): a message lost in a NATS outage is not re-sent, its ask
 * times out (`AskTimeoutError`). After a reconnect each session asks its
 * host again (`F`) how many of its messages arrived and how many credits it
 * returned in all; the credits of the messages that never arrived and of
 * the credit notices that never arrived are given back, so an outage does
 * not shrink the window for good.
 * @internal
 */

/** Credits a session starts with (and its most messages in flight beyond the mailbox). */
export const INITIAL_CREDIT = 256;

/** A host returns credits once it owes a session this many (a quarter of its window)... */
export const CREDIT_BATCH = INITIAL_CREDIT / 4;
/** ...or this many ms after it first owes fewer. */
export const CREDIT_DELAY = 5;

/** The first token of the names local actors are published under when their ref crosses in a message. */
export const AUTO_PREFIX = '_r';

export type HostOp =
  /** `q`: the session's sequence number of the first message (absent from senders of older builds). */
  | { t: 'B'; s: string; ms: unknown[]; q?: number }
  | { t: 'S'; s: string; r: unknown }
  | { t: 'E'; s: string; r: unknown };

export interface FindOp {
  t: 'F';
  s: string;
  c: string;
  n: string;
}

export interface Found {
  node: string;
  id: string;
  /** How many messages of this session the host has received. */
  r: number;
  /** How many credits the host has returned to this session, in all (absent from hosts of older builds). */
  c?: number;
}

/**
 * `q` in `C` and `D`: the sequence number of the first message of the
 * session not in the mailbox (every earlier one is, or was handled).
 */
export type InboxMsg =
  | { t: 'C'; s: string; n: number; q?: number }
  | { t: 'D'; s: string; r: unknown; q?: number }
  | { t: 'R'; i: number; v?: unknown; x?: boolean };

export function findSubject(prefix: string, name: string): string {
  return `${prefix}.a.find.${name}`;
}

export function actorSubject(prefix: string, node: string, name: string): string {
  return `${prefix}.a.${node}.${name}`;
}
