import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { frames } from '../../core/context.js';

/** One operation between a channel end on one thread and its channel on another: an op code and its operands. */
export type Op = readonly [number, ...unknown[]];

/** What a link tells the side that owns it. */
export interface LinkHandler {
  /** One op from the other side, in the order posted. `op` is reused for the next one: read it, don't keep it. */
  onOp(op: Op): void;
  /** After the ops of one message (optional: to act once per batch). */
  onBatch?(): void;
  /** The other side is gone: it closed the port, or its thread exited. */
  onClose(): void;
}

/** Links open on this thread (for leak checks and, later, introspection). */
export const linkStats = { open: 0 };

/**
 * One end of the `MessagePort` pair between a channel and a handle of it on
 * another thread.
 *
 * Ops are batched: those posted during one turn of the event loop go in one
 * message, sent from `setImmediate` (or at once by `close`), so a producer
 * sending in a loop pays for a message per turn, not per value, as the
 * pool's results do. A batch is one flat array (code, operands, code, ...;
 * each code has a fixed number of operands, `arity[code]`): cloning a flat
 * array of numbers costs a fraction of cloning an array per op. Values are checked for cloneability by the call that
 * sends them (`internal/clone-check.ts`), before anything changes, so the
 * batch itself cannot fail.
 *
 * On the channel's side (`home`) the port keeps the event loop alive while
 * the far end lives: a receive here may wait for nothing but its messages
 * (the last values, the close) after the call holding the far end has settled
 * and the pool has let its threads go idle. On the far side it does not:
 * there the worker's lifetime is the pool's business. When a thread exits its
 * ports close, and the other side's `onClose` runs after the messages already
 * delivered: that is how a dead worker's channel ends are dropped.
 */
export class Link {
  readonly port: MessagePort;
  #open = true;
  readonly #arity: readonly number[];
  #out: unknown[] = [];
  #flushQueued = false;
  readonly #flush = (): void => {
    this.#flushQueued = false;
    this.flush();
  };

  constructor(port: MessagePort, handler: LinkHandler, home: boolean, arity: readonly number[]) {
    this.port = port;
    this.#arity = arity;
    linkStats.open++;
    const op: unknown[] = [0, undefined, undefined];
    port.on('message', (flat: unknown[]) => {
      for (let i = 0; i < flat.length;) {
        const code = flat[i++] as number;
        const n = arity[code]!;
        op[0] = code;
        op[1] = n > 0 ? flat[i++] : undefined;
        op[2] = n > 1 ? flat[i++] : undefined;
        handler.onOp(op as unknown as Op);
      }
      handler.onBatch?.();
    });
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

  /** Queues one op for this turn's message; a no-op once the link is closed. */
  post(op: Op): void {
    if (!this.#open) return;
    const out = this.#out;
    const n = this.#arity[op[0]]!;
    out.push(op[0]);
    for (let i = 1; i <= n; i++) out.push(op[i]);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      setImmediate(this.#flush);
    }
  }

  /** Sends the queued ops now. */
  flush(): void {
    const ops = this.#out;
    if (ops.length === 0 || !this.#open) return;
    this.#out = [];
    this.port.postMessage(ops);
  }

  /** Sends what is queued, then closes both ends; the other side's `onClose` runs after those messages. */
  close(): void {
    if (!this.#open) return;
    this.flush();
    this.#open = false;
    this.port.close();
  }
}

/**
 * A port pair made outside any task's async context: the home side's message
 * handlers act for another thread, not for the task that passed the end.
 */
export function newPorts(): MessageChannel {
  return frames.exit(() => new MessageChannel());
}
