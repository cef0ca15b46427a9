/**
 * Where a call goes: the one measure both placements use (shared-queue calls
 * in `WorkerPool.#place`, message-carried calls in `pickWorker`). See
 * docs/internals.md, "Worker placement", for why this design.
 */
import { PARKED, RUNNING, SPINNING, type PoolMemory } from './shared-memory.js';

/**
 * The calls worker `w` holds now: live calls in its shared run queue, the
 * shared-queue calls it has claimed and not finished, and the calls sent to
 * it by message (queued in its port or running), counted from the moment
 * they are sent, so calls placed in the same turn count too.
 */
export function placementScore(mem: PoolMemory, held: Int32Array, w: number): number {
  return mem.queued(w) + mem.perWorker.active(w) + held[w]!;
}

/** Weight of one held call in `preference` (above any state's rank). */
export const PER_CALL = 4;

/** Lower is better: the calls a worker holds first, then its state (spinning > parked > running). */
export function preference(mem: PoolMemory, held: Int32Array, w: number): number {
  return placementScore(mem, held, w) * PER_CALL + rank(mem.perWorker.state(w));
}

/** A spinning worker takes a call at once, a parked one after a wake-up, a running one when it is free. */
function rank(state: number): number {
  return state === SPINNING ? 0 : state === PARKED ? 1 : state === RUNNING ? 2 : 1000;
}

/** The worker a call sent by message goes to: the lowest `preference`, ties to the one after `last`. */
export function pickWorker(mem: PoolMemory, held: Int32Array, last: number): number {
  let best = -1;
  let bestScore = Infinity;
  for (let k = 0; k < mem.workers; k++) {
    const w = (last + k) % mem.workers;
    const score = preference(mem, held, w);
    if (score < bestScore) {
      best = w;
      bestScore = score;
    }
  }
  return best;
}
