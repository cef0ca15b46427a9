import type { Warning } from '../types.js';
import { label, type LintInput } from './input.js';

/** WEFT_UNOBSERVED_FAILURE: a task failed and nobody awaited its handle (nor did a JoinSet or scope own it). */
export function unobservedFailureLint(input: LintInput): Warning[] {
  const out: Warning[] = [];
  const seen = new Set<number>();
  for (const f of input.unobserved) {
    seen.add(f.id);
    out.push({
      code: 'WEFT_UNOBSERVED_FAILURE',
      taskId: f.id,
      message: `${label(f)} failed and nobody awaited its handle: ${f.error}`,
    });
  }
  for (const t of input.tasks) {
    if (t.outcome !== 'failed' || t.observed !== false || seen.has(t.id)) continue;
    out.push({
      code: 'WEFT_UNOBSERVED_FAILURE',
      taskId: t.id,
      message: `${label(t)} failed and nobody awaited its handle: the error was seen by no one`,
    });
  }
  return out;
}
