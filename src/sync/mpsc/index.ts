/**
 * Multi-producer, single-consumer channels: `channel(capacity)` (bounded,
 * senders wait for capacity) and `unboundedChannel()`.
 * @module
 */
export { channel, Sender, Permit } from './bounded.js';
export { unboundedChannel, UnboundedSender } from './unbounded.js';
export { Receiver, type TryRecvResult } from './receiver.js';
export { MAX_CAPACITY } from './chan.js';
