import type { ServerResponse } from 'node:http';

/** Bytes a client may have unsent before its updates are dropped (its memory bound). */
export const MAX_BUFFERED = 1 << 20;

/**
 * One `/api/updates` subscriber. An update is written only while the
 * client's unsent bytes are under `MAX_BUFFERED`; past that it is dropped and
 * counted, and the next update it does get carries `droppedEvents` (so the
 * page knows its picture has holes and reloads `/api/state`). A slow reader
 * therefore costs at most the bound plus one update, never a queue.
 */
export class SseClient {
  readonly #res: ServerResponse;
  #dropped = 0;

  constructor(res: ServerResponse) {
    this.#res = res;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.write('retry: 1000\n\n');
  }

  /** Updates this client missed so far. */
  get droppedEvents(): number {
    return this.#dropped;
  }

  /** Sends one update: `json` is the update serialised without its `droppedEvents` field, starting with `{`. */
  send(json: string): void {
    const res = this.#res;
    if (res.destroyed || res.writableEnded) return;
    if (res.writableLength > MAX_BUFFERED) {
      this.#dropped++;
      return;
    }
    res.write(`data: {"droppedEvents":${this.#dropped},${json.slice(1)}\n\n`);
  }

  close(): void {
    this.#res.end();
  }
}
