import type { WaitNode } from './wait-queue.js';

/**
 * The protocol `select` uses to receive from a weft source without losing a
 * value. `[kSelect](arm)` either settles `arm` synchronously (`arm.complete(value)`
 * or `arm.fail(error)`) when the source is ready, or parks `arm` in the
 * source's wait-queue, from which the source later completes it like any
 * other receiver. A losing arm is simply removed from that queue: sources must
 * allow a parked receiver to leave at any time (as an aborted one does).
 */
export const kSelect: unique symbol = Symbol('weft.select');

export interface Selectable<T> {
  [kSelect](arm: WaitNode<T>): void;
}

export function isSelectable(value: unknown): value is Selectable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<Selectable<unknown>>)[kSelect] === 'function'
  );
}
