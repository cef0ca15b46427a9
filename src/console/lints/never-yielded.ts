import type { Warning } from '../types.js';
import { label, ms, type LintInput } from './input.js';

/**
 * WEFT_NEVER_YIELDED: a task whose whole life is one poll longer than
 * `longPoll` (tokio-console's "never yielded"): it ran start to finish, or
 * is still running on a worker thread, without giving the loop back once.
 */
export function neverYieldedLint(input: LintInput): Warning[] {
  const out: Warning[] = [];
  for (const t of input.tasks) {
    if (t.polls !== 1 || t.busyMs < input.longPoll) continue;
    // On the console's own thread a task the console can see "running" is in
    // a non-weft await (its poll has not ended in weft's eyes, the loop is free):
    // only a finished task, or one on a worker thread, is known to have never yielded.
    if (t.thread === 0 && t.state !== 'done') continue;
    const life = t.state === 'done' ? 'its whole life' : 'so far';
    out.push({
      code: 'WEFT_NEVER_YIELDED',
      taskId: t.id,
      message: `${label(t)} never yielded: one poll of ${ms(t.busyMs)} was ${life}`,
    });
  }
  return out;
}
