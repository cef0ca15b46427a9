/**
 * Ask replies across the cluster. On the asking node the reply end of an
 * `ask` (a local `OneshotSender`) is kept in a table under a number and
 * crosses as `{ inbox, id }`; on the host it becomes a {@link RemoteReply}
 * whose `send` publishes the answer back. A reply whose ask has settled
 * (answered, timed out, aborted) leaves the table when its receiver closes.
 * @internal
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { OneshotSender } from '../sync/oneshot.js';
import { encode, type CodecHooks } from './codec.js';
import type { InboxMsg } from './actor-wire.js';

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

  constructor(inbox: string) {
    this.#inbox = inbox;
  }

  /** Codec hooks of the asking side: a OneshotSender crosses as a reply handle. */
  readonly hooks: CodecHooks = {
    encode: (value) => {
      if (!(value instanceof OneshotSender)) return undefined;
      const id = this.#next++;
      const tx = value as OneshotSender<unknown>;
      this.#pending.set(id, { tx, owner: this.owner });
      void tx.closed().then(() => this.#pending.delete(id));
      return { tag: 'reply', data: { c: this.#inbox, i: id } };
    },
  };

  /** A reply arrived. */
  settle(msg: Extract<InboxMsg, { t: 'R' }>): void {
    const p = this.#pending.get(msg.i);
    if (p === undefined) return;
    this.#pending.delete(msg.i);
    if (msg.x === true) p.tx.close();
    else p.tx.send(msg.v);
  }

  /** Closes the replies still pending through `owner` (its actor or node is gone), or every one. */
  closeFor(owner: object | undefined): void {
    for (const [id, p] of this.#pending) {
      if (owner === undefined || p.owner === owner) {
        this.#pending.delete(id);
        p.tx.close();
      }
    }
  }
}

/**
 * The reply end an actor on this node gets for an ask from another node:
 * `send(value)` publishes the answer to the asker's inbox (once).
 */
export class RemoteReply<T> implements Disposable {
  readonly #nc: NatsConnection;
  readonly #inbox: string;
  readonly #id: number;
  #closed = false;

  constructor(nc: NatsConnection, inbox: string, id: number) {
    this.#nc = nc;
    this.#inbox = inbox;
    this.#id = id;
  }

  /** Sends the answer; false if already sent or closed. Throws CodecError if the answer cannot cross. */
  send(value: T): boolean {
    if (this.#closed) return false;
    const bytes = encode({ t: 'R', i: this.#id, v: value } satisfies InboxMsg);
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
      this.#nc.publish(this.#inbox, encode({ t: 'R', i: this.#id, x: true } satisfies InboxMsg));
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

/** Codec hooks of the hosting side: a reply handle becomes a RemoteReply. */
export function hostHooks(nc: NatsConnection): CodecHooks {
  return {
    decode: (tag, data) => {
      if (tag !== 'reply') throw new TypeError(`unknown tag ${tag}`);
      const d = data as { c: string; i: number };
      return new RemoteReply(nc, d.c, d.i);
    },
  };
}
