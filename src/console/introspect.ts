import type { Runtime } from '../runtime/runtime.js';
import type { ResourceInfo, TaskInfo } from './types.js';

/**
 * The one place the console reads a runtime's introspection (API.md,
 * "Introspection"): `runtime.tasks()`, `runtime.resources()` and
 * `runtime.metrics()`. Without `Builder.observe()` a runtime still lists its
 * alive tasks and what they wait on, with no times and no resources.
 */

/** The tasks of `runtime`: alive ones, then retained finished ones. */
export function readTasks(runtime: Runtime): TaskInfo[] {
  return runtime.tasks();
}

/** The live resources of `runtime` (empty unless it observes). */
export function readResources(runtime: Runtime): ResourceInfo[] {
  return runtime.resources();
}

/** `runtime.metrics()` as a plain record (its shape grows with the runtime). */
export function readMetrics(runtime: Runtime): Record<string, unknown> {
  return runtime.metrics() as unknown as Record<string, unknown>;
}

/** The runtime clock of `runtime`. */
export function readNow(runtime: Runtime): number {
  return runtime.clock.now();
}

/** The runtime's `longPoll` threshold (`Builder.observe({ longPoll })`, default 50 ms). */
export function readLongPoll(runtime: Runtime): number {
  return runtime.options.observe?.longPoll ?? 50;
}
