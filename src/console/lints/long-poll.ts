import type { Warning } from '../types.js';
import { label, ms, type LintInput } from './input.js';

/** WEFT_LONG_POLL: a task had a poll that ran past `longPoll` (it held the event loop that long). */
export function longPollLint(input: LintInput): Warning[] {
  const out: Warning[] = [];
  for (const t of input.tasks) {
    if (t.longPolls <= 0) continue;
    out.push({
      code: 'WEFT_LONG_POLL',
      taskId: t.id,
      message: `${label(t)} had ${t.longPolls} poll(s) longer than ${ms(input.longPoll)} (${ms(t.busyMs)} busy in ${t.polls} polls); move the work to spawnBlocking or yield inside it`,
    });
  }
  return out;
}
