import type { Warning } from '../types.js';
import { label, type LintInput } from './input.js';

/** Below this many wake-ups the share of self-wakes says nothing. */
const MIN_WAKES = 10;

/** WEFT_SELF_WAKE: more than half of a task's wake-ups came from the task itself (a busy-wait through yieldNow and the like). */
export function selfWakeLint(input: LintInput): Warning[] {
  const out: Warning[] = [];
  for (const t of input.tasks) {
    const self = t.selfWakes;
    if (self === undefined || t.wakes < MIN_WAKES || self * 2 <= t.wakes) continue;
    out.push({
      code: 'WEFT_SELF_WAKE',
      taskId: t.id,
      message: `${label(t)} woke itself ${self} of ${t.wakes} times (${Math.round((self / t.wakes) * 100)}%): it polls for something instead of waiting on it`,
    });
  }
  return out;
}
