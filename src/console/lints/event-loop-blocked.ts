import type { TaskInfo, Warning } from '../types.js';
import { label, ms, type LintInput } from './input.js';

/**
 * WEFT_EVENT_LOOP_BLOCKED: within the recent samples the event-loop delay
 * reached `blockedMs`. Names the tasks whose long polls grew in that window
 * (they held the loop); with none, the blocker ran outside any weft task.
 */
export function eventLoopBlockedLint(input: LintInput): Warning[] {
  let worst = 0;
  for (const s of input.loop) worst = Math.max(worst, s.delayMax);
  const span = input.loop.length < 2 ? 1 : (input.loop.at(-1)!.at - input.loop[0]!.at) / 1000;
  if (worst < input.blockedMs) return [];
  const culprits: TaskInfo[] = [];
  for (const t of input.tasks) {
    if (t.longPolls > (input.longPollsBefore.get(t.id) ?? 0)) culprits.push(t);
  }
  culprits.sort((a, b) => b.busyMs - a.busyMs);
  const who =
    culprits.length === 0
      ? 'no weft task had a long poll: the blocking code ran outside tasks'
      : `by ${culprits.slice(0, 5).map(label).join(', ')}`;
  return [
    {
      code: 'WEFT_EVENT_LOOP_BLOCKED',
      ...(culprits[0] === undefined ? {} : { taskId: culprits[0].id }),
      message: `the event loop was blocked for up to ${ms(worst)} in the last ${Math.max(1, Math.round(span))} s, ${who}`,
    },
  ];
}
