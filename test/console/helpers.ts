import { get, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';

/** GETs a JSON document. */
export async function getJson<T = any>(url: string | URL): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${String(url)}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** A subscriber to /api/updates that parses each event; `close()` ends it. */
export class SseReader {
  readonly events: any[] = [];
  /** Characters of the stream received so far (bytes, for the ASCII JSON the console sends). */
  received = 0;
  #res: IncomingMessage | undefined;
  #waiters: Array<() => void> = [];
  #ready: Promise<void>;
  #req: ReturnType<typeof get> | undefined;

  constructor(url: string | URL) {
    let buffer = '';
    this.#ready = new Promise((resolve, reject) => {
      this.#req = get(url, (res) => {
        this.#res = res;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          this.received += chunk.length;
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            for (const line of block.split('\n'))
              if (line.startsWith('data: ')) this.events.push(JSON.parse(line.slice(6)));
            for (const w of this.#waiters.splice(0)) w();
          }
        });
        res.on('error', () => {});
        resolve();
      });
      this.#req.on('error', reject);
    });
  }

  get headers(): IncomingMessage['headers'] {
    return this.#res!.headers;
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  /** Waits until an event satisfies `pred` (or `timeoutMs` passes). */
  async until(pred: (e: any) => boolean, timeoutMs = 5000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Error(`no matching update in ${timeoutMs} ms (${this.events.length} seen)`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.#req?.destroy();
  }
}

/** Opens /api/updates on a raw socket and does not read until `resume()`: the slowest possible client. */
export function stalledClient(url: string): { resume(): void; text(): string; close(): void } {
  const u = new URL('api/updates', url);
  let text = '';
  const socket = connect(Number(u.port), u.hostname, () => {
    socket.write(`GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`);
  });
  socket.pause();
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
    // Keep only the tail: the test looks at the latest events.
    if (text.length > 1 << 22) text = text.slice(-(1 << 21));
  });
  socket.on('error', () => {});
  return { resume: () => socket.resume(), text: () => text, close: () => socket.destroy() };
}

/** Polls GET /api/state until `pred` holds for it (or throws after `timeoutMs`). */
export async function stateUntil(
  url: string,
  pred: (state: any) => boolean,
  timeoutMs = 5000,
  between?: () => void,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    between?.();
    const state = await getJson(new URL('api/state', url));
    if (pred(state)) return state;
    if (Date.now() > deadline) throw new Error(`state never matched; warnings: ${JSON.stringify(state.warnings)}`);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}

/** The warnings of a state with `code`. */
export function warningsWith(state: any, code: string): any[] {
  return state.warnings.filter((w: any) => w.code === code);
}
