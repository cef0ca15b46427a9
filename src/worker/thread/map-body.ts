import type { Task } from '../../task/task.js';
import type { AnyTaskFn } from '../define-task.js';
import { isAborted } from '../cancel-probe.js';
import { transfer } from '../transfer.js';

/**
 * The body of a map job: `fn` over the items in order, awaiting a result that
 * is a promise. While every result is a number they are kept in a
 * Float64Array, which goes back by transfer, not by structured clone.
 */
export function mapBody(fn: AnyTaskFn, items: ArrayLike<unknown>): (task: unknown) => Promise<ArrayLike<unknown>> {
  return async (ctx) => {
    const task = ctx as Task;
    const n = items.length;
    let numbers: Float64Array | undefined = new Float64Array(n);
    let values: unknown[] | undefined;
    for (let i = 0; i < n; i++) {
      if ((i & 63) === 0 && isAborted(task)) throw task.cancelError();
      let value = fn(items[i]);
      if (value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function') {
        value = await (value as PromiseLike<unknown>);
      }
      if (numbers !== undefined) {
        if (typeof value === 'number') {
          numbers[i] = value;
          continue;
        }
        values = Array.from(numbers.subarray(0, i));
        numbers = undefined;
        values.length = n;
      }
      values![i] = value;
    }
    return numbers !== undefined ? transfer(numbers, [numbers.buffer as ArrayBuffer]) : values!;
  };
}
