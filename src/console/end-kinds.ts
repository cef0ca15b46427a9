import type { Chan } from '../sync/mpsc/chan.js';
import type { Inner } from '../sync/oneshot.js';
import type { Shared as BroadcastShared } from '../sync/broadcast.js';
import type { WatchShared } from '../sync/watch.js';
import type { Permits } from '../sync/semaphore.js';

/**
 * What losing one kind of end means: which waits only it could settle, and
 * when they are stranded. `live` counts the ends of this kind on the
 * resource that are neither collected nor released, `leaked` those
 * collected without release. A channel end is lost when none is left and
 * the channel still counts one open (none was closed, none crossed to
 * another thread, where this thread's registry cannot see it); a guard or
 * permit as soon as one is collected unreleased.
 */
export interface EndKind {
  /** The wait ops (`site.op`) on the same resource that only an end of this kind can settle. */
  readonly ops: readonly string[];
  /** What was dropped, for the lint's message. */
  readonly dropped: string;
  /** For a receiving end: the kind of its senders (a wait listening through it, an ask, is stranded with them). */
  readonly sendersOf?: string;
  lost(shared: any, live: number, leaked: number): boolean;
}

const gone = (live: number, leaked: number): boolean => live === 0 && leaked > 0;

/** Every kind of end the primitives report (`handleWatch.made(handle, shared, end)`). */
export const END_KINDS: Readonly<Record<string, EndKind>> = {
  'mpsc.sender': {
    ops: ['mpsc.recv', 'mpsc.recvMany'],
    dropped: 'every sender of that channel was dropped without close()',
    lost: (c: Chan<unknown>, live, leaked) =>
      gone(live, leaked) && c.senders > 0 && !c.rxClosed && c.shared === undefined,
  },
  'mpsc.receiver': {
    ops: ['mpsc.send', 'mpsc.reserve', 'mpsc.closed'],
    dropped: 'its receiver was dropped without close()',
    lost: (c: Chan<unknown>, live, leaked) =>
      gone(live, leaked) && !c.rxClosed && c.senders > 0 && c.sink === undefined && c.shared === undefined,
  },
  'oneshot.sender': {
    ops: ['oneshot.recv'],
    dropped: 'the sending end of its oneshot (a reply, say) was dropped without send() or close()',
    lost: (i: Inner<unknown>, live, leaked) => gone(live, leaked) && !i.senderDone && !i.rxClosed && !i.crossing,
  },
  'oneshot.receiver': {
    ops: ['oneshot.closed'],
    dropped: 'its receiver was dropped without close()',
    sendersOf: 'oneshot.sender',
    lost: (i: Inner<unknown>, live, leaked) =>
      gone(live, leaked) && !i.rxClosed && !i.senderDone && !i.crossing && i.gone === undefined,
  },
  'broadcast.sender': {
    ops: ['broadcast.recv'],
    dropped: 'every sender of that channel was dropped without close()',
    lost: (s: BroadcastShared<unknown>, live, leaked) => gone(live, leaked) && s.senders > 0,
  },
  'watch.sender': {
    ops: ['watch.changed'],
    dropped: 'its sender was dropped without close()',
    lost: (s: WatchShared<unknown>, live, leaked) => gone(live, leaked) && !s.senderClosed,
  },
  'watch.receiver': {
    ops: ['watch.closed'],
    dropped: 'every receiver of that channel was dropped without close()',
    lost: (s: WatchShared<unknown>, live, leaked) => gone(live, leaked) && s.receivers > 0,
  },
  'mutex.guard': {
    ops: ['mutex.lock'],
    dropped: 'the guard holding it was dropped without release()',
    lost: (p: Permits, _live, leaked) => leaked > 0 && !p.closed,
  },
  // A read guard kept forever keeps one of maxReaders permits: a write (which needs all) never gets in.
  'rwlock.readGuard': {
    ops: ['rwlock.write'],
    dropped: 'a read guard was dropped without release(), so a write can never get in',
    lost: (p: Permits, _live, leaked) => leaked > 0 && !p.closed,
  },
  'rwlock.writeGuard': {
    ops: ['rwlock.read', 'rwlock.write'],
    dropped: 'the write guard holding it was dropped without release()',
    lost: (p: Permits, _live, leaked) => leaked > 0 && !p.closed,
  },
  // Permits dropped unreleased are gone for good; with no permit object left to give any back, only
  // addPermits() (or a withPermit call in flight) can wake a waiting acquire.
  'semaphore.permit': {
    ops: ['semaphore.acquire'],
    dropped:
      'permits of it were dropped without release() and no permit object is left to give any back (only addPermits() could)',
    lost: (p: Permits, live, leaked) => gone(live, leaked) && !p.closed,
  },
};
