import type { Runtime } from '../runtime/runtime.js';
import type { Snapshot } from './families.js';

/**
 * One snapshot per collection: an exporter asks every family for its values in
 * one synchronous pass (prom-client's `registry.metrics()`, an OpenTelemetry
 * batch callback), so the runtime's figures are read once and stay consistent
 * across families; the next collection, a microtask later or more, reads anew.
 */
export function snapshotCache(runtime: Runtime): () => Snapshot {
  let cached: Snapshot | undefined;
  return () => {
    if (cached === undefined) {
      cached = { runtime, metrics: runtime.metrics() };
      queueMicrotask(() => (cached = undefined));
    }
    return cached;
  };
}
