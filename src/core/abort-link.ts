import type { Cancellable } from './wait-queue.js';

/**
 * One 'abort' listener per signal, however many weft waits use it: a server
 * that passes one request signal to a hundred waits adds one listener, not a
 * hundred (and never trips Node's MaxListeners warning). The listener is
 * removed when the last wait on that signal settles.
 */
const waitsBySignal = new WeakMap<AbortSignal, Set<Cancellable>>();

function onAbort(this: AbortSignal): void {
  const waits = waitsBySignal.get(this);
  if (waits === undefined) return;
  waitsBySignal.delete(this);
  this.removeEventListener('abort', onAbort);
  const reason: unknown = this.reason;
  for (const wait of waits) {
    wait.signal = undefined; // already unlinked as a group
    wait.cancel(reason);
  }
}

export function linkSignal(signal: AbortSignal, wait: Cancellable): void {
  wait.signal = signal;
  let waits = waitsBySignal.get(signal);
  if (waits === undefined) {
    waits = new Set();
    waitsBySignal.set(signal, waits);
    signal.addEventListener('abort', onAbort);
  }
  waits.add(wait);
}

export function unlinkSignal(signal: AbortSignal, wait: Cancellable): void {
  wait.signal = undefined;
  const waits = waitsBySignal.get(signal);
  if (waits === undefined) return;
  waits.delete(wait);
  if (waits.size === 0) {
    waitsBySignal.delete(signal);
    signal.removeEventListener('abort', onAbort);
  }
}

/** Test hook: how many weft waits are linked to `signal`. */
export function linkedWaits(signal: AbortSignal): number {
  return waitsBySignal.get(signal)?.size ?? 0;
}
