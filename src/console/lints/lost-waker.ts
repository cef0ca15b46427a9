import type { Warning } from '../types.js';
import { label, type LintInput } from './input.js';

/**
 * WEFT_LOST_WAKER: a task waits on a resource whose other ends (or the
 * guard or permit holding it) were all garbage-collected without being
 * closed or released, so nothing can ever wake it (`lost-wakers.ts` finds
 * those waits with a FinalizationRegistry on the handles).
 */
export function lostWakerLint(input: LintInput): Warning[] {
  const out: Warning[] = [];
  if (input.lostWaits.size === 0) return out;
  const byId = new Map(input.tasks.map((t) => [t.id, t]));
  for (const [id, lost] of input.lostWaits) {
    out.push({
      code: 'WEFT_LOST_WAKER',
      taskId: id,
      resourceId: lost.resourceId,
      message: `${label(byId.get(id) ?? { id, name: undefined })} waits on ${lost.op}, but ${lost.dropped}: nothing can wake it`,
    });
  }
  return out;
}
