import type { Warning } from '../types.js';
import { label, type LintInput } from './input.js';

/**
 * WEFT_LOST_WAKER: a task waits on a channel whose other ends were all
 * garbage-collected without being closed, so nothing can ever wake it
 * (`handle-watch.ts` finds those waits with a FinalizationRegistry).
 */
export function lostWakerLint(input: LintInput): Warning[] {
  const out: Warning[] = [];
  if (input.lostWaits.size === 0) return out;
  const byId = new Map(input.tasks.map((t) => [t.id, t]));
  for (const [id, op] of input.lostWaits) {
    const t = byId.get(id) ?? { id, name: undefined };
    const resourceId = byId.get(id)?.waitsOn.find((w) => w.op === op)?.resourceId;
    out.push({
      code: 'WEFT_LOST_WAKER',
      taskId: id,
      ...(resourceId === undefined ? {} : { resourceId }),
      message: `${label(t)} waits on ${op}, but every other end of that channel was dropped without close(): nothing can wake it`,
    });
  }
  return out;
}
