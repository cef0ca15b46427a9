import type { Warning } from '../types.js';
import { eventLoopBlockedLint } from './event-loop-blocked.js';
import type { Lint, LintInput } from './input.js';
import { longPollLint } from './long-poll.js';
import { lostWakerLint } from './lost-waker.js';
import { neverYieldedLint } from './never-yielded.js';
import { selfWakeLint } from './self-wake.js';
import { unobservedFailureLint } from './unobserved-failure.js';

export type { LintInput } from './input.js';

/** Every lint, in the order the warnings pane lists them. */
export const LINTS: readonly Lint[] = [
  eventLoopBlockedLint,
  longPollLint,
  neverYieldedLint,
  selfWakeLint,
  lostWakerLint,
  unobservedFailureLint,
];

/** Runs every lint over one snapshot. */
export function runLints(input: LintInput): Warning[] {
  const out: Warning[] = [];
  for (const lint of LINTS) out.push(...lint(input));
  return out;
}
