import { createWriteStream, type WriteStream } from 'node:fs';
import type { ConsoleState } from './types.js';

/**
 * Appends the console's updates to a JSON-lines file: first a
 * `{ "type": "state", ... }` line with the whole state, then one
 * `{ "type": "delta", ... }` line per publish interval. `weft console
 * --replay FILE` rebuilds the state at any instant from it.
 */
export class Recorder {
  readonly #out: WriteStream;
  #error: Error | undefined = undefined;

  constructor(path: string, first: ConsoleState) {
    this.#out = createWriteStream(path, { flags: 'a' });
    this.#out.on('error', (err) => {
      this.#error = err;
    });
    this.write(JSON.stringify({ type: 'state', ...first }));
  }

  /** Appends one line (an update already serialised). Writes are buffered; a slow disk does not block the loop. */
  write(json: string): void {
    if (this.#error === undefined) this.#out.write(json + '\n');
  }

  /** Flushes and closes the file. Rejects with the first write error, if any. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#out.end(() => (this.#error === undefined ? resolve() : reject(this.#error)));
    });
  }
}
