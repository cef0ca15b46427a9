/**
 * weft/console: a live page of every task and resource of a runtime, the
 * lints that flag what goes wrong, and a recording to replay later.
 * @module
 */
export { serveConsole, type ConsoleOptions, type ConsoleServer } from './serve-console.js';
export { ReplayFormatError } from './errors.js';
export type {
  ConsoleState,
  ConsoleUpdate,
  LoopSample,
  Warning,
  WarningCode,
  TaskInfo,
  ResourceInfo,
  Histogram,
} from './types.js';
