/**
 * The cluster channel protocol (`Cluster.channel(name, { capacity })`).
 *
 * Subjects, for a channel `name` under the cluster prefix `P`:
 * - `P.ch.<name>.want`: a sender that needs credits says how many (`W`);
 *   the open receivers form a NATS queue group on it, so one of them hears it.
 * - `P.ch.<name>.r.<rid>`: values for receiver `rid` (`D`, with the sender's
 *   id and a per-(sender, receiver) sequence number), and "this sender
 *   closed" (`Z`, once every value it sent there was acked: the receiver
 *   takes back the credits it had granted the sender and it did not use).
 * - `P.ch.<name>.s.<sid>`: sender `sid`'s inbox: credit grants (`G`),
 *   cumulative acks (`A`), and "this receiver closed" (`X`).
 *
 * Credits: a receiver grants only free room (its capacity minus buffered
 * values minus credits granted and not used yet), and remembers a want it
 * cannot meet yet, granting as its consumer takes values. A sender sends
 * only with a credit, so nothing is buffered beyond `capacity` per receiver.
 * A grant carries the receiver's running total of credits granted to that
 * sender (`g`), not a difference: the sender holds `g` minus the values it
 * has sent there. A grant lost on the way (a NATS restart) is made good by
 * the next one, and a receiver answers every want with its total even when
 * it has no room to grant more, so a sender whose grant was lost gets it
 * within one {@link RESEND_INTERVAL}: credits are neither lost nor counted
 * twice, and a waiting sender is never stuck.
 *
 * Exactly-once while both ends live: each value carries its sequence number;
 * the receiver keeps the next number it expects per sender, delivers that one,
 * re-acks an older one (a duplicate) and drops a newer one (a gap: a message
 * was lost, e.g. across a NATS reconnect). The sender keeps every value until
 * it is acked and re-sends the unacked ones, in order, every
 * {@link RESEND_INTERVAL} ms. So values arrive once and in order per sender.
 *
 * Node death: when the receiver's node goes down (or the receiver closes),
 * the sender re-sends its unacked values to another receiver (asking it for
 * credits first). Values the dead receiver had acked but its consumer had
 * not taken are lost with it; a value it took just before dying and had not
 * acked yet can then arrive twice (once there, once at the new receiver).
 * Re-sent values may arrive after values the sender sent later (FIFO holds
 * per sender per receiver, not across a fail-over).
 * When the sender's node dies, the receiver forgets it and its unused credits.
 * @internal
 */

import type { NatsConnection } from '@nats-io/transport-node';
import type { CodecHooks } from './codec.js';
import type { Membership } from './membership.js';

/** How often a sender re-sends unacked values and repeats an unanswered want, in ms. */
export const RESEND_INTERVAL = 300;

export type SenderInboxMsg =
  { t: 'G'; rid: string; node: string; g: number } | { t: 'A'; rid: string; seq: number } | { t: 'X'; rid: string };

export interface WantMsg {
  t: 'W';
  sid: string;
  node: string;
  n: number;
}

export interface DataMsg {
  t: 'D';
  sid: string;
  node: string;
  seq: number;
  v: unknown;
}

export type ReceiverInboxMsg = DataMsg | { t: 'Z'; sid: string };

/** What a channel end needs from its cluster handle. */
export interface ChannelContext {
  nc: NatsConnection;
  membership: Membership;
  node: string;
  prefix: string;
  /** The handle's codec hooks: values may carry actor refs and reply handles. */
  hooks: CodecHooks;
  /** The ends open on the handle, shut down when it leaves. */
  ends: Set<{ shutdown(): void }>;
}

/** The subjects of channel `name`. */
export function channelSubjects(prefix: string, name: string) {
  const base = `${prefix}.ch.${name}`;
  return {
    want: `${base}.want`,
    group: base,
    receiver: (rid: string) => `${base}.r.${rid}`,
    sender: (sid: string) => `${base}.s.${sid}`,
  };
}
