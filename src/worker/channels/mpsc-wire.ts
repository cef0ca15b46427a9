/**
 * mpsc channel ends on another thread than their channel.
 *
 * A channel stays on the thread that created it (its home): the buffer, the
 * FIFO of waiting senders and the counts live there, and every rule of
 * `sync/mpsc/chan.ts` holds as written. An end passed to a worker becomes a
 * remote end there, linked to a home-side agent by a `MessagePort` pair:
 *
 * - A remote **sender** of a bounded channel takes a free slot itself with
 *   an atomic compare-and-swap on the channel's shared free count, and posts
 *   the value; so `trySend`, `tryReserve` and an uncontended `send` need no
 *   round trip. When no slot is free, `send`/`reserve` ask the home to queue
 *   them in the channel's FIFO (behind earlier waiters, local or remote) and
 *   resolve when the home grants the slot. Freed slots go to waiters first,
 *   so a remote sender never takes a slot ahead of one.
 * - A moved **receiver**: the home forwards each value as it is delivered, and
 *   the value keeps its slot until the remote receiver takes it and says so
 *   (`K`), so capacity bounds the values sent and not yet received, as before.
 *
 * Op codes, remote sender → home: V value (in a slot taken by CAS), S id value
 * (send, waiting at home), R id (reserve, waiting at home), P id value (send
 * through a permit granted by the home), Q id (release that permit), F (give
 * back a CAS slot), C id (cancel waiting S/R), D (every handle and permit of
 * this thread is done). Home → remote sender: A id (S sent), N id (S/R
 * refused: receiver closed), G id (R granted), X id (cancelled), Z (receiver
 * closed). Home → remote receiver: V value, E (closed and drained). Remote
 * receiver → home: K n (n values taken), Y (receiver closed).
 */
import type { MessagePort } from 'node:worker_threads';

export const V = 1;
export const S = 2;
export const R = 3;
export const P = 4;
export const Q = 5;
export const F = 6;
export const C = 7;
export const D = 8;
export const A = 9;
export const N = 10;
export const G = 11;
export const X = 12;
export const Z = 13;
export const E = 14;
export const K = 15;
export const Y = 16;
/** Operands of each op code. */
export const ARITY = [0, 1, 2, 1, 2, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 1, 0];

/** How an mpsc end travels: its kind, the port to its home, and the channel's shared words. */
export interface MpscWire {
  weft: 'mpsc.Sender' | 'mpsc.UnboundedSender' | 'mpsc.Receiver';
  port: MessagePort;
  shared: Int32Array;
  /** The sender's count of slots taken by CAS and not yet reported (one per remote thread). */
  held: Int32Array;
  max: number;
}
