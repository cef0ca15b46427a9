/**
 * weft/signal: process signals as weft waits. `ctrlC()` resolves on the next
 * SIGINT; `signal(name)` is an async iterable of deliveries. Listeners exist
 * only while someone listens.
 * @module
 */
export { ctrlC } from './ctrl-c.js';
export { signal, type SignalStream } from './signal.js';
