/**
 * A blocking-pool thread: one call at a time, each sent by message with its
 * task named by module URL and name; results go out at the end of the turn.
 */
import type { MessagePort } from 'node:worker_threads';
import { useAbortFlags } from '../cancel-probe.js';
import { Op, type ReadyMessage, type ToBlockingThread } from '../wire/messages.js';
import { ThreadWorker, type CallOwner } from './thread-worker.js';

export class BlockingWorker extends ThreadWorker {
  #flushQueued = false;
  readonly #flushTasks: (() => void) | undefined;

  /** @param flushTasks sends the pending task report now (the runtime observes) */
  constructor(port: MessagePort, flags: Int32Array, flushTasks: (() => void) | undefined) {
    super(port, 'blocking');
    useAbortFlags(flags);
    this.#flushTasks = flushTasks;
  }

  start(): void {
    this.port.on('message', (message: ToBlockingThread) => {
      if (message.op === Op.Abort) this.onAbort(message);
      else if (message.op === Op.Retire) this.#retire();
      else this.runMessage(message, message.url!, message.name!, 0);
    });
    this.port.postMessage({ op: Op.Ready } satisfies ReadyMessage);
  }

  /** The pool retires this idle thread: its last task report goes out before it exits. */
  #retire(): void {
    this.#flushTasks?.();
    process.exit(0);
  }

  protected ownerOf(j: number): CallOwner {
    return this.makeOwner(j); // job ids are not reused here
  }

  protected callDone(): void {}

  protected resultReady(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(() => {
      this.#flushQueued = false;
      this.results.flush();
    });
  }
}
