import { channel } from '../sync/mpsc/bounded.js';
import type { DeadLetter } from './system.js';
import { systemOf } from './system.js';

/** How many dead letters one `deadLetters()` subscription buffers before it drops new ones. */
export const DEAD_LETTER_BUFFER = 1024;

/** A `deadLetters()` subscription: iterate it; dispose it to stop listening. */
export interface DeadLetters extends AsyncIterable<DeadLetter>, Disposable {
  /** Letters this subscription dropped because its buffer (1,024) was full. */
  readonly dropped: number;
}

/**
 * Subscribes to the dead letters of the current runtime: messages that no
 * `receive` will see (left in the mailbox of an actor that stopped, refused
 * stashed messages, and the message an actor failed on). Letters from before
 * the call are not seen. A subscription buffers up to 1,024 letters and
 * drops (and counts in `dropped`) what comes while it is full. A reply end
 * found at the top level of a dead letter is closed, so its `ask` rejects at
 * once.
 *
 * @returns an async iterable of `{ ref, msg }`; `[Symbol.dispose]()` ends it
 *   (a waiting iteration then finishes)
 *
 * **Cancellation**: each step of the iteration is a weft receive: aborted
 * with the calling task, leaving nothing registered.
 *
 * @example
 * ```ts
 * import { spawnActor, deadLetters } from 'weft/actor';
 * using letters = deadLetters();
 * const ref = spawnActor({ init: () => 0, receive: (s: number, m: string): number => { if (m === 'bad') throw new Error(m); return s; } });
 * ref.tell('bad');
 * for await (const { msg } of letters) { console.assert(msg === 'bad'); break; }
 * ```
 */
export function deadLetters(): DeadLetters {
  const system = systemOf();
  const [tx, rx] = channel<DeadLetter>(DEAD_LETTER_BUFFER);
  let dropped = 0;
  const sink = {
    push(letter: DeadLetter): void {
      if (!tx.trySend(letter)) dropped++;
    },
  };
  system.sinks.add(sink);
  return {
    get dropped() {
      return dropped;
    },
    [Symbol.asyncIterator]: () => rx[Symbol.asyncIterator](),
    [Symbol.dispose](): void {
      system.sinks.delete(sink);
      tx.close();
    },
  };
}
