/**
 * A weft thread's results, batched: one `ResultsMessage` per turn of its
 * event loop (or sooner, when the thread is about to go idle: see
 * `ThreadWorker.resultReady`).
 */
import type { MessagePort, TransferListItem } from 'node:worker_threads';
import { encodeThrown, plainThrown, type EncodedThrown } from '../wire/error-codec.js';
import { Op, RESULT_STRIDE, Status, type ResultsMessage } from '../wire/messages.js';

export class ResultBatch {
  readonly #port: MessagePort;
  #out: unknown[] = [];
  #lists: (TransferListItem[] | undefined)[] = [];
  #anyList = false;

  constructor(port: MessagePort) {
    this.#port = port;
  }

  get isEmpty(): boolean {
    return this.#out.length === 0;
  }

  add(j: number, gen: number, status: Status, value: unknown, list: TransferListItem[] | undefined): void {
    this.#out.push(j, gen, status, value);
    this.#lists.push(list);
    if (list !== undefined) this.#anyList = true;
  }

  /** Posts what was added since the last flush (nothing if nothing was). */
  flush(): void {
    if (this.#out.length === 0) return;
    const r = this.#out;
    const lists = this.#lists;
    const hasLists = this.#anyList;
    this.#out = [];
    this.#lists = [];
    this.#anyList = false;
    const message: ResultsMessage = { op: Op.Results, r };
    try {
      this.#port.postMessage(message, hasLists ? lists.flatMap((l) => l ?? []) : undefined);
      return;
    } catch {
      // Something in the batch cannot be cloned: send one by one, and turn what fails into an error.
    }
    for (let i = 0; i < r.length; i += RESULT_STRIDE) {
      const one = r.slice(i, i + RESULT_STRIDE);
      try {
        this.#port.postMessage({ op: Op.Results, r: one } satisfies ResultsMessage, lists[i / RESULT_STRIDE]);
      } catch (err) {
        one[3] =
          one[2] === Status.Failed
            ? plainThrown(one[3] as EncodedThrown)
            : encodeThrown(
                new TypeError('the task returned a value that cannot be sent across threads', { cause: err }),
                true,
              );
        one[2] = Status.Failed;
        this.#port.postMessage({ op: Op.Results, r: one } satisfies ResultsMessage);
      }
    }
  }
}
