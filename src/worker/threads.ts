/**
 * Starting worker threads: the bootstrap every weft thread runs, the options
 * threads are started with, and a count of the threads alive (tests assert it
 * falls back to zero).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits, type TransferListItem } from 'node:worker_threads';
import type { ObserveSettings } from '../runtime/introspection.js';
import type { TasksMessage } from './wire/messages.js';

/** Threads started by weft in this process and not yet exited. */
export const liveThreads = { count: 0 };

/**
 * The thread entry. In development weft itself runs from `.ts` sources under
 * `tsx`; on Node versions where loader hooks registered with `--import` do not
 * reach worker threads, the bootstrap registers `tsx` in the thread before
 * importing anything, so both weft's entry and `.ts` task modules load. With
 * compiled `.js` and no `tsx`, it is a plain `import()`.
 */
const BOOT = `"use strict";
const { workerData } = require('node:worker_threads');
const boot = workerData.boot;
(async () => {
  if (boot.tsx !== undefined) {
    const tsx = await import(boot.tsx);
    (tsx.register ?? tsx.default.register)();
  }
  await import(boot.entry);
})().catch((error) => setImmediate(() => { throw error; }));
`;

const entry = new URL(import.meta.url.endsWith('.ts') ? './thread/entry.ts' : './thread/entry.js', import.meta.url)
  .href;

let tsxApi: string | undefined | null = null;

/** The URL of tsx's ESM API when this process runs under tsx, else undefined. */
function findTsx(): string | undefined {
  if (tsxApi !== null) return tsxApi;
  const flags = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  const usesTsx = flags.some((flag) => /(^|[=\s/\\])tsx([/\\]|$)/.test(flag));
  tsxApi = undefined;
  if (!usesTsx) return tsxApi;
  try {
    tsxApi = import.meta.resolve('tsx/esm/api');
  } catch {
    // weft installed apart from the project that runs tsx: look from the working directory.
    try {
      tsxApi = pathToFileURL(createRequire(`${process.cwd()}/`).resolve('tsx/esm/api')).href;
    } catch {
      tsxApi = undefined;
    }
  }
  return tsxApi;
}

/** Options every thread a runtime starts gets (see `threadResourceLimits`). */
export interface ThreadSettings {
  resourceLimits: ResourceLimits | undefined;
  /** The owning runtime observes: its worker threads observe too and report their tasks (`task-report.ts`). */
  observe?: ObserveSettings | undefined;
  /** Where worker `thread`'s task reports go (undefined report: the thread has gone). */
  onTasks?: ((thread: number, report: TasksMessage | undefined) => void) | undefined;
}

/**
 * Starts a weft thread named `name` that runs `thread/entry.ts` with `data`.
 * The caller must listen for 'error' and 'exit'.
 */
export function startThread(
  name: string,
  data: Record<string, unknown>,
  transferList: readonly TransferListItem[],
  settings: ThreadSettings,
): Worker {
  const worker = new Worker(BOOT, {
    eval: true,
    name,
    workerData: { ...data, boot: { entry, tsx: findTsx() }, threadName: name },
    transferList: [...transferList],
    ...(settings.resourceLimits === undefined ? {} : { resourceLimits: settings.resourceLimits }),
  });
  liveThreads.count++;
  worker.once('exit', () => liveThreads.count--);
  return worker;
}
