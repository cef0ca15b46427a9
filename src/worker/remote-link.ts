import type { MessagePort } from 'node:worker_threads';

/** One message between a channel end on one thread and its channel on another: an op code and its operands. */
export type Op = readonly [number, ...unknown[]];

/** What a link tells the side that owns it. */
export interface LinkHandler {
  /** One message from the other side (in the order it was posted). */
  onOp(op: Op): void;
  /** The other side is gone: it closed the port, or its thread exited. */
  onClose(): void;
}

/** Links open on this thread (for leak checks and, later, introspection). */
export const linkStats = { open: 0 };

/**
 * One end of the `MessagePort` pair between a channel and a handle of it on
 * another thread. On the channel's side (`home`) the port keeps the event
 * loop alive while the far end lives: a receive here may wait for nothing but
 * its messages (the last values, the close) after the call that holds the
 * far end has settled and the pool has let its threads go idle. On the far
 * side it does not: there the worker's lifetime is the pool's business.
 *
 * Messages are posted synchronously, one per operation, so a value that
 * cannot be cloned throws in the call that sent it, before anything changed.
 * When a thread exits its ports close, and the other side's `onClose` runs:
 * that is how a crashed worker's channel ends are dropped.
 */
export class Link {
  readonly port: MessagePort;
  #open = true;

  constructor(port: MessagePort, handler: LinkHandler, home: boolean) {
    this.port = port;
    linkStats.open++;
    port.on('message', (op: Op) => handler.onOp(op));
    port.once('close', () => {
      linkStats.open--;
      this.#open = false;
      handler.onClose();
    });
    if (!home) port.unref();
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Posts one op; a no-op once the link is closed. Throws if an operand cannot be cloned. */
  post(op: Op): void {
    if (this.#open) this.port.postMessage(op);
  }

  /** Closes both ends; the other side's `onClose` runs after the messages already posted. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.port.close();
  }
}
