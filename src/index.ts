/**
 * weft: a Tokio-grade async runtime for TypeScript on Node.js. Tasks,
 * cancellation, time and select; channels in `weft/sync`.
 * @module
 */
export { spawn, currentTask, yieldNow } from './task/spawn.js';
export { JoinHandle } from './task/join-handle.js';
export { JoinSet } from './task/join-set.js';
export { scope, type Scope } from './task/scope.js';
export { TaskLocal } from './task/task-local.js';
export type { TaskContext, TaskBody } from './task/task.js';
export { JoinError, CancelledError, TaskLocalError, RuntimeShutdownError } from './task/errors.js';
export { WeftError } from './core/errors.js';
export { CancellationToken } from './task/cancellation-token.js';
export { now, sleep, sleepUntil } from './time/sleep.js';
export { interval, type Interval, type MissedTickBehavior } from './time/interval.js';
export { timeout } from './time/timeout.js';
export { TimeoutError } from './time/errors.js';
export { select, type Branch, type BranchValue, type SelectResult } from './select/select.js';
export { join, tryJoin } from './select/join.js';
export { Runtime, type SpawnOptions } from './runtime/runtime.js';
export type { Builder, TaskErrorPolicy } from './runtime/builder.js';
export type { RuntimeMetrics, WorkerMetrics } from './runtime/metrics.js';
export type { TaskInfo, ResourceInfo, WaitInfo, ObserveOptions } from './runtime/introspection.js';
export { ObserveOptionError } from './runtime/errors.js';
export { main } from './runtime/main.js';
