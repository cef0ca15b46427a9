/**
 * weft/sync: channels and synchronisation primitives with Tokio's semantics.
 * @module
 */
export * from './errors.js';
export { CancellationToken } from '../task/cancellation-token.js';
export { Mutex, type MutexGuard } from './mutex.js';
export { RwLock, type ReadGuard, type WriteGuard } from './rwlock.js';
export { Semaphore, type SemaphorePermit } from './semaphore.js';
export { Notify } from './notify.js';
export { Barrier, type BarrierWaitResult } from './barrier.js';
export { OnceCell } from './once-cell.js';
export * as mpsc from './mpsc/index.js';
export type { Sender, UnboundedSender, Receiver, Permit, TryRecvResult } from './mpsc/index.js';
export { oneshot, type OneshotSender, type OneshotReceiver, type OneshotTryRecvResult } from './oneshot.js';
export { broadcast, type BroadcastSender, type BroadcastReceiver, type BroadcastTryRecvResult } from './broadcast.js';
export { watch, type WatchSender, type WatchReceiver } from './watch.js';
