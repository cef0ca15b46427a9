/** Task module for bench/thread-context.ts: on a weft thread it sets up OpenTelemetry, as a user's task module would. */
import { isMainThread } from 'node:worker_threads';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { defineTask } from 'weft/worker';

if (!isMainThread) {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider());
}

/** A trivial call: the figure is the call's round trip, not its work. */
export const add = defineTask(import.meta.url, 'add', (a: number, b: number) => a + b);
