/**
 * The protocol between an `ActorRef` on another thread than its actor
 * (`wired-ref.ts`) and the agent that serves it beside the actor
 * (`ref-home.ts`), over one `MessagePort` pair (a `Link`: ops posted in one
 * turn travel in one message; an op carrying ports goes in a message of its
 * own, after those queued before it, so order is kept).
 *
 * Ref → home: TELL msg (uses one credit), SEND id msg (answered SENT id or
 * REFUSED id), CANCEL id (a send given up), STOP reason, EXIT reason. For an
 * actor placed on a worker (`remote-actor.ts` ↔ `actor-host.ts`) also GO
 * (start: its supervisor's previous child has started), ATTACH / DETACH (a
 * supervisor took it / let go), RESUME delay, SUSPEND, KILL reason.
 *
 * Home → ref: CREDIT n (n told messages reached the mailbox), SENT id,
 * REFUSED id, REPLY id value / NOREPLY id (the answer to a reply end the ref
 * put in a message), STOPPED reason (final; the home then closes the link).
 * From a worker actor's host also SETTLED generation (an `init` has
 * settled), FAILED reason generation (an incarnation failed: at its gate),
 * AT_GATE (a suspend has ended the incarnation).
 */
import type { MessagePort } from 'node:worker_threads';
import { checkCloneable } from '../core/clone-check.js';
import type { HandleWire } from '../worker/channels/channel-wire.js';
import type { Link, Op } from '../worker/channels/remote-link.js';
import { decodeThrown, encodeThrown, plainThrown, type EncodedThrown } from '../worker/wire/error-codec.js';

export const TELL = 1;
export const SEND = 2;
export const CANCEL = 3;
export const STOP = 4;
export const EXIT = 5;
export const GO = 6;
export const ATTACH = 7;
export const DETACH = 8;
export const RESUME = 9;
export const SUSPEND = 10;
export const KILL = 11;
export const CREDIT = 12;
export const SENT = 13;
export const REFUSED = 14;
export const REPLY = 15;
export const NOREPLY = 16;
export const STOPPED = 17;
export const SETTLED = 18;
export const FAILED = 19;
export const AT_GATE = 20;

/** Operands of each op code. */
export const ARITY = [0, 1, 2, 1, 1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 1, 2, 1, 1, 1, 2, 0];

/** A stop or failure reason as it crosses (an error keeps its class, message, stack and cause). */
export function reasonOut(reason: unknown): EncodedThrown {
  const encoded = encodeThrown(reason);
  try {
    checkCloneable(encoded, 'reason');
    return encoded;
  } catch {
    return plainThrown(encoded);
  }
}

/** The reason back on the receiving thread. */
export function reasonIn(encoded: unknown): unknown {
  return decodeThrown(encoded as EncodedThrown);
}

/** What crosses for a ref: its port, and what the far side shows without asking (id, name, credit window). */
export interface RefWire extends HandleWire {
  weft: 'actor.Ref';
  id: string;
  name: string | undefined;
  /** How many told messages may be on their way at once: the mailbox capacity. */
  capacity: number;
}

/**
 * Posts one op on a ref's link. An op carrying ports goes in a message of its
 * own (ports travel in a message's transfer list), after the ops queued
 * before it.
 */
export function postOp(link: Link, op: Op, ports: MessagePort[] | undefined): void {
  if (ports === undefined || ports.length === 0) {
    link.post(op);
    return;
  }
  if (!link.isOpen) {
    for (const p of ports) p.close();
    return;
  }
  link.flush();
  link.port.postMessage(op, ports);
}
