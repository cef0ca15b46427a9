import type { Warning } from '../types.js';
import { label, type LintInput } from './input.js';

/** WEFT_UNOBSERVED_FAILURE: a task failed and nobody awaited its handle (nor did a JoinSet or scope own it). */
export function unobservedFailureLint(input: LintInput): Warning[] {
  const out: Warning[] = [];
  for (const f of input.unobserved) {
    out.push({
      code: 'WEFT_UNOBSERVED_FAILURE',
      taskId: f.id,
      message: `${label(f)} failed and nobody awaited its handle: ${f.error}`,
    });
  }
  return out;
}
