import { handleWatch } from '../core/handle-watch.js';
import { WaitQueue, type Cancellable, type WaitNode } from '../core/wait-queue.js';
import type { Runtime } from '../runtime/runtime.js';
import { Chan } from '../sync/mpsc/chan.js';
import { Inner } from '../sync/oneshot.js';

/** A channel's senders as the watch sees them: how many sender objects still exist. */
interface Ends {
  live: number;
  /**
   * The channel's own state. Held strongly: an orphaned receive is reachable
   * only from its task (task → wait → queue), not the state; the WeakMap
   * keyed by the queue lets both go once the wait does.
   */
  readonly shared: Chan<unknown> | Inner<unknown>;
}

/**
 * Finds waits nothing can ever wake: while enabled, every channel sender made
 * is registered with a FinalizationRegistry. When all sender objects of a
 * channel were collected while the channel still counts one open (none was
 * closed), a receiver parked on it waits forever (Tokio cannot lose a waker
 * this way since dropping a sender closes it; in JavaScript only `close()` or
 * `using` does). Enabled by the console; costs nothing when off.
 */
export class LostWakerWatch {
  static #users = 0;
  static readonly #byQueue = new WeakMap<WaitQueue<any>, Ends>();
  static readonly #byShared = new WeakMap<object, Ends>();
  /** Channels whose every sender object is gone: the only ones a lost wait can be on. */
  static readonly #orphaned = new Set<Ends>();
  static readonly #registry = new FinalizationRegistry<Ends>((ends) => {
    if (--ends.live === 0 && stillOpen(ends)) LostWakerWatch.#orphaned.add(ends);
  });

  static #made(handle: object, shared: object): void {
    let ends = LostWakerWatch.#byShared.get(shared);
    if (ends === undefined) {
      if (!(shared instanceof Chan) && !(shared instanceof Inner)) return;
      ends = { live: 0, shared };
      LostWakerWatch.#byShared.set(shared, ends);
      // The queue a receive parks in: fixed for mpsc; oneshot makes its own on
      // demand, so the watch makes it now (the same class, the same behaviour) to have a key.
      const queue = shared instanceof Chan ? shared.recvWaiters : (shared.receivers ??= new WaitQueue());
      LostWakerWatch.#byQueue.set(queue, ends);
    }
    ends.live++;
    LostWakerWatch.#registry.register(handle, ends);
  }

  #closed = false;

  constructor() {
    if (LostWakerWatch.#users++ === 0) handleWatch.made = LostWakerWatch.#made;
  }

  /** Per alive task of `runtime`, the op of a wait that can never be woken. */
  lostWaits(runtime: Runtime): Map<number, string> {
    const out = new Map<number, string>();
    const orphaned = LostWakerWatch.#orphaned;
    // Most runs have no orphaned channel: then there is nothing to walk.
    for (const ends of orphaned) if (ends.live > 0 || !stillOpen(ends)) orphaned.delete(ends);
    if (orphaned.size === 0) return out;
    for (const task of runtime.aliveTasks()) {
      for (let w: Cancellable | undefined = task.waits; w !== undefined; w = w.tNext) {
        // Waits in a queue (most of them) are queue nodes too; the others cannot be orphaned here.
        const queue = (w as Partial<WaitNode>).queue;
        const ends = queue === undefined ? undefined : LostWakerWatch.#byQueue.get(queue);
        if (ends !== undefined && orphaned.has(ends)) out.set(task.id, w.site?.op ?? 'recv');
      }
    }
    return out;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (--LostWakerWatch.#users === 0) handleWatch.made = undefined;
  }
}

function stillOpen(ends: Ends): boolean {
  const shared = ends.shared;
  if (shared instanceof Chan) return shared.senders > 0 && !shared.rxClosed && shared.shared === undefined;
  return !shared.senderDone && !shared.crossing && !shared.rxClosed;
}
