/**
 * What the two ends of a cluster channel share: their handle's context, the
 * channel's subjects and capacity, a publish that tolerates a closing
 * connection, and a hook on node deaths.
 * @internal
 */
import { channelSubjects, type ChannelContext } from './channel-wire.js';
import { encodeWith } from './codec.js';

export abstract class ChannelEnd {
  protected readonly cx: ChannelContext;
  protected readonly name: string;
  protected readonly subjects: ReturnType<typeof channelSubjects>;
  /** The channel's per-receiver buffer size. */
  readonly maxCapacity: number;
  #offMembers: (() => void) | undefined;

  constructor(cx: ChannelContext, name: string, capacity: number) {
    this.cx = cx;
    this.name = name;
    this.maxCapacity = capacity;
    this.subjects = channelSubjects(cx.prefix, name);
    cx.ends.add(this);
  }

  /** Publishes a protocol message; a closed or draining connection is ignored (the protocol re-sends what matters). */
  protected publish(subject: string, msg: unknown): void {
    this.publishBytes(subject, encodeWith(msg, this.cx.hooks));
  }

  protected publishBytes(subject: string, bytes: Uint8Array): void {
    try {
      this.cx.nc.publish(subject, bytes);
    } catch {
      // Connection closed or draining: re-sent by the timer while the end lives, or the handle is leaving.
    }
  }

  /** Calls `fn(node)` each time a node goes down, until {@link detach}. */
  protected onNodeDown(fn: (node: string) => void): void {
    this.#offMembers ??= this.cx.membership.listen((e) => {
      if (e.type === 'down') fn(e.node);
    });
  }

  /** Stops listening and leaves the handle's list of open ends. */
  protected detach(): void {
    this.#offMembers?.();
    this.#offMembers = undefined;
    this.cx.ends.delete(this);
  }

  /** The handle is leaving: stop at once. */
  abstract shutdown(): void;
}
