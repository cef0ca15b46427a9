import { duration, func, integer } from '../core/validate.js';
import { scheduler } from '../core/scheduler.js';
import type { ActorRef } from './actor-ref.js';
import type { Supervisor } from './supervisor.js';

/** Exponential backoff between restarts of one child (Akka's `restartWithBackoff`). */
export interface Backoff {
  /** The first delay, ms >= 0. */
  min: number;
  /** The largest delay before jitter, ms >= min. */
  max: number;
  /** Each delay is multiplied by `1 + jitter * random()`: a fraction from 0 (default) to 1. */
  jitter?: number;
  /** A child that ran this long (ms) without failing starts again from `min`; default `min` (as Akka). */
  resetAfter?: number;
}

/** How a supervisor starts, restarts and stops one child (OTP's child specification). */
export interface ChildSpec {
  /** Unique among the supervisor's children. */
  id: string;
  /**
   * Starts the child: spawns an actor (or builds a nested supervisor) and
   * returns it. Called once at start, and again only when the child stopped
   * for good (a `permanent` child that stopped normally, or one that was
   * killed); a failure restarts the same actor in place (same ref and mailbox).
   */
  start: () => ActorRef<any> | Supervisor;
  /** 'permanent' (default): always restarted; 'transient': only after a failure; 'temporary': never. */
  restart?: 'permanent' | 'transient' | 'temporary';
  /** ms a stop may take before the child is killed (default 5,000; Infinity for nested supervisors), or 'brutal': kill at once, no terminate. */
  shutdown?: number | 'brutal';
  /** Restart with exponential backoff instead of at once; such restarts do not count toward the supervisor's intensity. */
  backoff?: Backoff;
}

/** The default `ChildSpec.shutdown`, in ms. */
export const SHUTDOWN_TIMEOUT = 5_000;

/** Validates a child spec (synchronously, at `supervisor()`), returning a normalized copy. */
export function checkChildSpec(
  spec: unknown,
  index: number,
  ids: Set<string>,
): Required<Omit<ChildSpec, 'backoff' | 'shutdown'>> & {
  shutdown: number | 'brutal' | undefined;
  backoff: Required<Backoff> | undefined;
} {
  const fn = `supervisor: children[${index}]`;
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`${fn} must be a child spec object`);
  const s = spec as ChildSpec;
  if (typeof s.id !== 'string' || s.id === '') throw new TypeError(`${fn}.id must be a non-empty string`);
  if (ids.has(s.id)) throw new TypeError(`${fn}.id ${s.id} is used by another child`);
  ids.add(s.id);
  func(s.start, fn, 'start');
  const restart = s.restart ?? 'permanent';
  if (restart !== 'permanent' && restart !== 'transient' && restart !== 'temporary') {
    throw new TypeError(`${fn}.restart must be 'permanent', 'transient' or 'temporary'`);
  }
  const shutdown =
    s.shutdown === undefined || s.shutdown === 'brutal' ? s.shutdown : duration(s.shutdown, fn, 'shutdown');
  let backoff: Required<Backoff> | undefined;
  if (s.backoff !== undefined) {
    const b = s.backoff;
    if (typeof b !== 'object' || b === null)
      throw new TypeError(`${fn}.backoff must be { min, max, jitter?, resetAfter? }`);
    const min = duration(b.min, fn, 'backoff.min');
    const max = duration(b.max, fn, 'backoff.max');
    if (max < min) throw new RangeError(`${fn}.backoff.max must be >= backoff.min`);
    const jitter = b.jitter ?? 0;
    if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1))
      throw new RangeError(`${fn}.backoff.jitter must be a number from 0 to 1`);
    const resetAfter = b.resetAfter === undefined ? min : duration(b.resetAfter, fn, 'backoff.resetAfter');
    backoff = { min, max, jitter, resetAfter };
  }
  return { id: s.id, start: s.start, restart, shutdown, backoff };
}

/** Validates the supervisor-level numbers. */
export function checkLimits(intensity: unknown, period: unknown): { intensity: number; period: number } {
  return {
    intensity: intensity === undefined ? 3 : integer(intensity, 'supervisor', 'intensity', 0, Number.MAX_SAFE_INTEGER),
    period: period === undefined ? 5_000 : duration(period, 'supervisor', 'period'),
  };
}

/**
 * The backoff state of one child: the delay before its next restart is
 * `min(max, min * 2^attempt) * (1 + jitter * random())`, and `attempt`
 * goes back to 0 when the child ran `resetAfter` ms without failing.
 */
export class BackoffState {
  attempt = 0;
  /** When the current incarnation started (or will, after its delay), on the runtime clock. */
  startedAt = 0;

  constructor(readonly spec: Required<Backoff>) {}

  /** The delay before the next restart, for a failure at `now`. */
  next(now: number): number {
    const { min, max, jitter, resetAfter } = this.spec;
    if (now - this.startedAt >= resetAfter) this.attempt = 0;
    const base = Math.min(max, min * 2 ** this.attempt);
    if (base < max) this.attempt++;
    const delay = jitter === 0 ? base : base * (1 + jitter * scheduler.random());
    this.startedAt = now + delay;
    return delay;
  }
}
