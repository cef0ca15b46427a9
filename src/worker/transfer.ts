import { MessagePort, type TransferListItem } from 'node:worker_threads';

/** What `transfer` can move: the memory of an `ArrayBuffer` (or of a view's buffer), or a `MessagePort`. */
export type Movable = ArrayBuffer | ArrayBufferView | MessagePort;

/** Values marked by `transfer`, with what to move when they cross a thread. One use per mark. */
const marked = new WeakMap<object, TransferListItem[]>();

/**
 * Marks `value` so that, when it crosses to or from a worker thread, the
 * listed `ArrayBuffer`s and `MessagePort`s are moved (transferred) rather than
 * copied. Returns `value` itself, so it can be written inline:
 * `spawnWorker(task, transfer(bytes, [bytes.buffer]))`.
 *
 * The mark applies to a value passed directly as an argument of
 * `spawnWorker`/`spawnBlocking`, or returned directly by a task; it is used up
 * by that one crossing. After the crossing, the sender's buffers are detached
 * (length 0) and its ports are closed on its side. A call with transferred
 * arguments is sent straight to one worker and is not stolen by another.
 *
 * @param value an object (typically the buffer, a view or an object holding them)
 * @param movables `ArrayBuffer`s (a view stands for its buffer) and `MessagePort`s inside `value`
 * @returns `value`
 * @throws TypeError if `value` is not an object or `movables` holds something else
 *
 * @example
 * ```ts
 * import { transfer } from 'weft/worker';
 * const bytes = new Uint8Array(1024);
 * const same = transfer(bytes, [bytes.buffer]);
 * console.assert(same === bytes); // moved when it crosses a thread, not before
 * ```
 */
export function transfer<T>(value: T, movables: readonly Movable[]): T {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
    throw new TypeError('transfer: value must be an object (the buffer, view or object to send)');
  }
  if (!Array.isArray(movables)) throw new TypeError('transfer: movables must be an array');
  const list: TransferListItem[] = [];
  for (const item of movables as readonly unknown[]) {
    if (item instanceof ArrayBuffer || item instanceof MessagePort) list.push(item);
    else if (ArrayBuffer.isView(item) && item.buffer instanceof ArrayBuffer) list.push(item.buffer);
    else throw new TypeError('transfer: movables must be ArrayBuffers, views of ArrayBuffers or MessagePorts');
  }
  marked.set(value, list);
  return value;
}

/** Takes (and clears) the mark of `value`, if it has one. */
export function takeTransfer(value: unknown): TransferListItem[] | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  const list = marked.get(value);
  if (list !== undefined) marked.delete(value);
  return list;
}

/** The movables of marked arguments, or undefined when none is marked. Clears the marks. */
export function takeArgTransfers(args: readonly unknown[]): TransferListItem[] | undefined {
  let all: TransferListItem[] | undefined;
  for (const arg of args) {
    const list = takeTransfer(arg);
    if (list !== undefined) (all ??= []).push(...list);
  }
  return all === undefined ? undefined : [...new Set(all)];
}
