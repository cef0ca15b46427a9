/**
 * Imported by every test file: each test fails if it leaves a weft wait
 * unsettled, a weft timer pending, a Node timer/immediate/handle open, an abort
 * listener registered, or if an unhandled rejection or process warning occurs.
 */
import { afterEach, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { waitStats } from '../../src/core/wait-queue.js';
import { currentRuntime } from '../../src/runtime/runtime.js';

const problems: string[] = [];
process.on('unhandledRejection', (reason) => {
  problems.push(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`);
});
process.on('warning', (warning) => {
  problems.push(`process warning: ${warning.name}: ${warning.message}`);
});

/** Node resources we watch: anything a primitive could leave open. */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    // Transient fs requests: tsx writes its compile cache while the first tests of a file run.
    if (kind === 'TTYWrap' || kind === 'PipeWrap' || kind.startsWith('FSReq') || kind === 'CloseReq') continue;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

let baseline = new Map<string, number>();
let parkedBefore = 0;

/** Lets pending microtasks and one macrotask turn run, so settled work can finish. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

beforeEach(() => {
  problems.length = 0;
  parkedBefore = waitStats.parked;
  baseline = resources();
});

afterEach(async () => {
  await settle();
  const clock = currentRuntime().clock;
  if (clock.paused) clock.resume();
  const leaks: string[] = [...problems];
  if (waitStats.parked !== parkedBefore) leaks.push(`${waitStats.parked - parkedBefore} weft wait(s) left unsettled`);
  if (clock.timers.size > 0) leaks.push(`${clock.timers.size} weft timer(s) left pending`);
  const now = resources();
  for (const [kind, n] of now) {
    const before = baseline.get(kind) ?? 0;
    if (n > before) leaks.push(`${n - before} ${kind} handle(s) left open`);
  }
  problems.length = 0;
  // Reset so one leaky test does not fail every later one.
  parkedBefore = waitStats.parked;
  assert.deepEqual(leaks, [], 'the test left something behind');
});
