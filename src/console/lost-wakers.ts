import { handleWatch } from '../core/handle-watch.js';
import type { Cancellable } from '../core/wait-queue.js';
import type { Runtime } from '../runtime/runtime.js';
import type { LostWait } from './lints/input.js';
import { END_KINDS, type EndKind } from './end-kinds.js';

/** The ends of one kind made on one resource, as the watch counts them. */
interface Ends {
  readonly kind: EndKind;
  readonly rid: number;
  /** Weak: the watch must not keep a dropped channel alive (its waits name it by `rid`). */
  readonly shared: WeakRef<object>;
  /** Handles of this kind neither collected nor released (a guard given back, an end moved to another thread). */
  live: number;
  /** Handles collected without being released. A channel end reports no release: its channel's counts say if it was closed. */
  leaked: number;
}

/**
 * Finds waits nothing can ever wake (WEFT_LOST_WAKER). While enabled, every
 * channel end, lock guard and semaphore permit made reports itself
 * (`handle-watch.ts`) and is registered with one FinalizationRegistry. In
 * Tokio dropping an end closes it and dropping a guard unlocks; in
 * JavaScript only `close()`, `release()` or `using` does, so an end that is
 * simply forgotten leaves its channel open, or its lock held, forever. When
 * the registry reports a collected handle, the kind of end it was
 * (`end-kinds.ts`) says whether the waits it could have settled are now
 * lost. Enabled by the console; costs nothing when off.
 */
export class LostWakerWatch {
  static #users = 0;
  static readonly #byShared = new WeakMap<object, Map<string, Ends>>();
  static readonly #byHandle = new WeakMap<object, Ends>();
  /** Ends whose loss strands waits: the only ones a lost wait can be on. */
  static readonly #orphaned = new Set<Ends>();
  static readonly #registry = new FinalizationRegistry<Ends>((ends) => {
    ends.live--;
    ends.leaked++;
    const shared = ends.shared.deref();
    // A resource collected with its end may still have a wait naming it (a receive whose promise outlived the receiver).
    if (shared === undefined || ends.kind.lost(shared, ends.live, ends.leaked)) LostWakerWatch.#orphaned.add(ends);
  });

  static #made(handle: object, shared: { readonly rid: number }, end: string): void {
    const kind = END_KINDS[end];
    if (kind === undefined) return;
    let byEnd = LostWakerWatch.#byShared.get(shared);
    if (byEnd === undefined) LostWakerWatch.#byShared.set(shared, (byEnd = new Map()));
    let ends = byEnd.get(end);
    if (ends === undefined) {
      ends = { kind, rid: shared.rid, shared: new WeakRef(shared), live: 0, leaked: 0 };
      byEnd.set(end, ends);
    }
    ends.live++;
    LostWakerWatch.#byHandle.set(handle, ends);
    LostWakerWatch.#registry.register(handle, ends, handle);
  }

  /** A guard or permit given back (or an end moved to another thread): its collection is no loss. */
  static #released(handle: object): void {
    const ends = LostWakerWatch.#byHandle.get(handle);
    if (ends !== undefined && LostWakerWatch.#registry.unregister(handle)) ends.live--;
  }

  #closed = false;

  constructor() {
    if (LostWakerWatch.#users++ === 0) {
      handleWatch.made = LostWakerWatch.#made;
      handleWatch.released = LostWakerWatch.#released;
    }
  }

  /** Per alive task of `runtime`, a wait of it that can never be woken. */
  lostWaits(runtime: Runtime): Map<number, LostWait> {
    const out = new Map<number, LostWait>();
    const orphaned = LostWakerWatch.#orphaned;
    // A channel closed since (by its receiver, say) strands nobody any more.
    for (const ends of orphaned) {
      const shared = ends.shared.deref();
      if (shared !== undefined && !ends.kind.lost(shared, ends.live, ends.leaked)) orphaned.delete(ends);
    }
    // Most runs have none: then there is nothing to walk.
    if (orphaned.size === 0) return out;
    const byRid = new Map<number, Ends[]>();
    for (const ends of orphaned) {
      const list = byRid.get(ends.rid);
      if (list === undefined) byRid.set(ends.rid, [ends]);
      else list.push(ends);
    }
    const seen = new Set<Ends>();
    for (const task of runtime.aliveTasks()) {
      for (let w: Cancellable | undefined = task.waits; w !== undefined; w = w.tNext) {
        const op = w.site?.op;
        if (op === undefined || w.settled) continue;
        const ends = LostWakerWatch.#strands(w, op, byRid);
        if (ends === undefined) continue;
        seen.add(ends);
        out.set(task.id, { op, resourceId: w.resource ?? ends.rid, dropped: ends.kind.dropped });
      }
    }
    // A collected resource no wait names any more can never be waited on again.
    for (const ends of orphaned) if (ends.shared.deref() === undefined && !seen.has(ends)) orphaned.delete(ends);
    return out;
  }

  /** The orphaned ends whose loss strands wait `w`, if any. */
  static #strands(w: Cancellable, op: string, byRid: ReadonlyMap<number, Ends[]>): Ends | undefined {
    if (w.resource !== undefined) {
      const list = byRid.get(w.resource);
      if (list !== undefined) for (const ends of list) if (ends.kind.ops.includes(op)) return ends;
    }
    // A wait that listens through a receiving end it holds (an actor's ask, on its reply's
    // receiver) is stranded when that end's senders are.
    const through = (w as { rx?: unknown }).rx;
    if (typeof through !== 'object' || through === null) return undefined;
    const rx = LostWakerWatch.#byHandle.get(through);
    const shared = rx?.shared.deref();
    const sendersEnd = rx?.kind.sendersOf;
    if (shared === undefined || sendersEnd === undefined) return undefined;
    const senders = LostWakerWatch.#byShared.get(shared)?.get(sendersEnd);
    return senders !== undefined && LostWakerWatch.#orphaned.has(senders) ? senders : undefined;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (--LostWakerWatch.#users === 0) {
      handleWatch.made = undefined;
      handleWatch.released = undefined;
    }
  }
}
