/**
 * Ask replies across the cluster. On the asking node the reply end of an
 * `ask` (a local `OneshotSender`) is kept in a table under a number and
 * crosses as `{ inbox, id }`; on the host it becomes a {@link RemoteReply}
 * whose `send` publishes the answer back (and which crosses on unchanged
 * when the host forwards it in another message). A reply whose ask has
 * settled (answered, timed out, aborted) leaves the table when its receiver
 * closes.
 * @internal
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { OneshotSender } from '../sync/oneshot.js';
import { encodeWith, type CodecHooks } from './codec.js';
import type { InboxMsg } from './actor-wire.js';
import type { NodeDownError } from './errors.js';

/** A reply handle on the wire: the asker's inbox and the reply's number there. */
export interface ReplyWire {
  c: string;
  i: number;
}

interface Pending {
  tx: OneshotSender<unknown>;
  /** The ref (backend) the request went through: its death closes the reply. */
  owner: object | undefined;
}

export class ReplyTable {
  readonly #inbox: string;
  readonly #pending = new Map<number, Pending>();
  #next = 1;
  /** Set by the backend while it encodes a message: the owner of the replies in it. */
  owner: object | undefined;
  /** Set by a backend that hands undelivered messages on (entity refs) while it encodes a message... */
  collecting = false;
  /** ...which then finds here the numbers of the replies made (undefined when there were none). */
  collected: number[] | undefined = undefined;

  constructor(inbox: string) {
    this.#inbox = inbox;
  }

  /** The wire form of a reply end met while encoding (a codec hook), or undefined for other values. */
  toWire(value: object): { tag: string; data: ReplyWire } | undefined {
    if (value instanceof RemoteReply) return { tag: 'reply', data: value.wire };
    if (!(value instanceof OneshotSender)) return undefined;
    const id = this.#next++;
    const tx = value as OneshotSender<unknown>;
    this.#pending.set(id, { tx, owner: this.owner });
    if (this.collecting) (this.collected ??= []).push(id);
    void tx.closed().then(() => this.#pending.delete(id));
    return { tag: 'reply', data: { c: this.#inbox, i: id } };
  }

  /** A reply arrived. */
  settle(msg: Extract<InboxMsg, { t: 'R' }>): void {
    const p = this.#pending.get(msg.i);
    if (p === undefined) return;
    this.#pending.delete(msg.i);
    if (msg.x === true) p.tx.close();
    else p.tx.send(msg.v);
  }

  /** The replies `ids` now go through `owner` (their message was handed to another ref). */
  reown(ids: readonly number[], owner: object): void {
    for (const id of ids) {
      const p = this.#pending.get(id);
      if (p !== undefined) p.owner = owner;
    }
  }

  /**
   * Closes the replies still pending through `owner` (its actor or node is
   * gone), or every one. `down`: their node died; `downFor` then names it for
   * each of them (the ask's ref may already stand for another activation).
   */
  closeFor(owner: object | undefined, down?: NodeDownError): void {
    for (const [id, p] of this.#pending) {
      if (owner === undefined || p.owner === owner) {
        this.#pending.delete(id);
        if (down !== undefined) this.#downOf.set(p.tx, down);
        p.tx.close();
      }
    }
  }

  /** The node death that closed `reply`, if that is what closed it. */
  downFor(reply: object): NodeDownError | undefined {
    return this.#downOf.get(reply);
  }

  readonly #downOf = new WeakMap<object, NodeDownError>();
}

/**
 * The reply end an actor on this node gets for an ask from another node:
 * `send(value)` publishes the answer to the asker's inbox (once).
 */
export class RemoteReply<T> implements Disposable {
  readonly #nc: NatsConnection;
  readonly #hooks: CodecHooks;
  readonly #inbox: string;
  readonly #id: number;
  #closed = false;

  /** `hooks` encode the answer (it may carry actor refs). */
  constructor(nc: NatsConnection, hooks: CodecHooks, wire: ReplyWire) {
    this.#nc = nc;
    this.#hooks = hooks;
    this.#inbox = wire.c;
    this.#id = wire.i;
  }

  /** The handle as it crossed, to forward it in another message. */
  get wire(): ReplyWire {
    return { c: this.#inbox, i: this.#id };
  }

  /** Sends the answer; false if already sent or closed. Throws CodecError if the answer cannot cross. */
  send(value: T): boolean {
    if (this.#closed) return false;
    const bytes = encodeWith({ t: 'R', i: this.#id, v: value } satisfies InboxMsg, this.#hooks);
    this.#closed = true;
    try {
      this.#nc.publish(this.#inbox, bytes);
    } catch {
      return false;
    }
    return true;
  }

  /** Drops the request without answering: the asker's ask rejects. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#nc.publish(this.#inbox, encodeWith({ t: 'R', i: this.#id, x: true } satisfies InboxMsg, undefined));
    } catch {
      // The asker times out instead.
    }
  }

  closed(): Promise<void> {
    return Promise.resolve();
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
