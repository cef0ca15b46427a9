/**
 * Messages to an actor on another thread: structured clone turns an
 * `ActorRef` or a reply end into an empty object, so before a message leaves
 * it is searched (the message, and arrays and plain objects inside it, as
 * deep as `MAX_DEPTH`) and:
 *
 * - each `ActorRef` is wired (`ref-home.ts`): a descriptor with a port to an
 *   agent serving that ref on this thread, moved with the message;
 * - each reply end (`Reply`, a oneshot sender) is kept here under a number,
 *   and the message carries `{ __weftReply: n }`; the far side puts a fresh
 *   reply end in its place and sends the answer back on the same link.
 *
 * The sender's message is not changed (only the containers that hold such a
 * handle are copied); the receiving side rebuilds in place (its copy is its
 * own).
 */
import type { MessagePort } from 'node:worker_threads';
import { OneshotSender } from '../sync/oneshot.js';
import { ActorRef } from './actor-ref.js';
import type { RefWire } from './ref-ops.js';

const MAX_DEPTH = 8;

/** A ref wired for another thread (`ActorRef.wire`, set once `ref-home.ts` is loaded). */
export function wireRef(ref: ActorRef<unknown>): RefWire {
  return ActorRef.wire!(ActorRef.backendOf(ref)) as RefWire;
}

/** Where reply ends found in an outgoing message are kept until answered. */
export interface ReplyTable {
  keep(reply: OneshotSender<unknown>): number;
}

/** A reply end that crossed: its number on the asking side. */
export interface ReplyMark {
  readonly __weftReply: number;
}

/** What rebuilds the handles of an incoming message. */
export interface Reviver {
  ref(wire: object): ActorRef<unknown>;
  reply(n: number): OneshotSender<unknown>;
}

/** Arrays and plain objects: the containers searched (class instances cross as structured clone makes them). */
function isPlain(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * `msg` ready to cross: refs wired (their ports appended to `ports`), reply
 * ends kept in `replies` (or, without a table, left as they are). Call it
 * only once the message is sure to be sent: wiring starts agents.
 */
export function encodeMessage(msg: unknown, replies: ReplyTable | undefined, ports: MessagePort[], depth = 0): unknown {
  if (typeof msg !== 'object' || msg === null) return msg;
  if (msg instanceof ActorRef) {
    const w = wireRef(msg as ActorRef<unknown>);
    ports.push(w.port);
    return w;
  }
  if (msg instanceof OneshotSender) {
    return replies === undefined ? msg : ({ __weftReply: replies.keep(msg as OneshotSender<unknown>) } as ReplyMark);
  }
  if (depth >= MAX_DEPTH || !isPlain(msg)) return msg;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(msg)) {
    const item = (msg as Record<string, unknown>)[key];
    if (typeof item !== 'object' || item === null) continue;
    const out = encodeMessage(item, replies, ports, depth + 1);
    if (out === item) continue;
    copy ??= (Array.isArray(msg) ? [...msg] : { ...msg }) as Record<string, unknown>;
    copy[key] = out;
  }
  return copy ?? msg;
}

function isRefWire(v: object): boolean {
  return (v as { weft?: unknown }).weft === 'actor.Ref';
}

function isReplyMark(v: object): v is ReplyMark {
  return typeof (v as Partial<ReplyMark>).__weftReply === 'number';
}

/** Rebuilds, in place, the refs and reply ends of a message that crossed. */
export function decodeMessage(msg: unknown, reviver: Reviver, depth = 0): unknown {
  if (typeof msg !== 'object' || msg === null) return msg;
  if (isRefWire(msg)) return reviver.ref(msg);
  if (isReplyMark(msg)) return reviver.reply(msg.__weftReply);
  if (depth >= MAX_DEPTH || !isPlain(msg)) return msg;
  for (const key of Object.keys(msg)) {
    const item = (msg as Record<string, unknown>)[key];
    if (typeof item !== 'object' || item === null) continue;
    const out = decodeMessage(item, reviver, depth + 1);
    if (out !== item) (msg as Record<string, unknown>)[key] = out;
  }
  return msg;
}
