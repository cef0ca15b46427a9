/**
 * weft/sync: channels and synchronisation primitives with Tokio's semantics.
 * @module
 */
export * from './errors.js';
export { CancellationToken } from './cancellation-token.js';
