import type { Runtime } from '../runtime/runtime.js';
import { duration, integer } from '../core/validate.js';
import { ConsoleFeed } from './feed.js';
import { listen, sendJson } from './http.js';
import { Recorder } from './recorder.js';
import { SseClient } from './sse.js';

/** Options of `serveConsole`. */
export interface ConsoleOptions {
  /** TCP port, integer 0–65535 (0: any free port), default 6669. */
  port?: number;
  /** Address to listen on, default '127.0.0.1' (the console shows task names and locations: keep it local). */
  host?: string;
  /** ms between updates, > 0, default 1,000. */
  publishInterval?: number;
  /** A file to append every update to, as JSON lines (replay it with `weft console --replay FILE`). */
  record?: string;
}

/** A running console (`serveConsole`). */
export interface ConsoleServer extends AsyncDisposable {
  /** The page's address, e.g. `http://127.0.0.1:6669/`. */
  readonly url: string;
  /** Stops publishing, ends every update stream, closes the server and the recording. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves the weft console for `runtime`: the live page at `/`, one JSON
 * snapshot `{ now, tasks, resources, metrics, warnings }` at `/api/state`,
 * and Server-Sent Events at `/api/updates`, one per publish interval with
 * only the tasks and resources that changed (plus the interval's event-loop
 * sample and the current warnings). A client that reads too slowly has
 * updates dropped, counted in `droppedEvents`, instead of growing a queue.
 *
 * The console reads the runtime once per interval; with 10,000 live tasks
 * that costs the observed program a few percent of throughput
 * (bench/console.ts). Turn on `Builder.observe({ taskTimes: true })` for
 * poll counts and times.
 *
 * @param runtime the runtime to show
 * @param options port, host, publishInterval, record
 * @returns the server, once it listens
 * @throws TypeError / RangeError for bad options; rejects with the listen error (EADDRINUSE...)
 *
 * **Cancellation**: nothing to cancel while it starts; `close()` ends it (also
 * `await using`). It does not end with the runtime: close it before shutdown.
 *
 * @example
 * ```ts
 * import { Runtime, spawn, sleep } from 'weft';
 * import { serveConsole } from 'weft/console';
 * const rt = new Runtime();
 * await rt.run(async () => {
 *   await using console_ = await serveConsole(rt, { port: 0 });
 *   const worker = spawn(() => sleep(50), { name: 'worker' });
 *   const res = await fetch(new URL('api/state', console_.url));
 *   const state = (await res.json()) as { tasks: { name?: string }[] };
 *   console.assert(state.tasks.some((t) => t.name === 'worker'));
 *   await worker;
 * });
 * ```
 */
export async function serveConsole(runtime: Runtime, options?: ConsoleOptions): Promise<ConsoleServer> {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError('serveConsole: options must be an object');
  }
  const port = integer(options?.port ?? 6669, 'serveConsole', 'port', 0, 65535);
  const host = options?.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw new TypeError('serveConsole: host must be a non-empty string');
  const publishInterval = duration(options?.publishInterval ?? 1000, 'serveConsole', 'publishInterval');
  if (publishInterval <= 0 || publishInterval === Infinity) {
    throw new RangeError(`serveConsole: publishInterval must be > 0 and finite, got ${publishInterval}`);
  }
  const record = options?.record;
  if (record !== undefined && typeof record !== 'string') throw new TypeError('serveConsole: record must be a path');

  const feed = new ConsoleFeed(runtime, { publishInterval });
  const clients = new Set<SseClient>();
  let http: Awaited<ReturnType<typeof listen>>;
  try {
    http = await listen(port, host, (path, _query, req, res) => {
      if (path === '/api/state') {
        sendJson(res, feed.state());
        return true;
      }
      if (path === '/api/updates') {
        const client = new SseClient(res);
        clients.add(client);
        req.on('close', () => clients.delete(client));
        return true;
      }
      return false;
    });
  } catch (err) {
    feed.close();
    throw err;
  }
  const recorder = record === undefined ? undefined : new Recorder(record, feed.state());
  // The console's own timer is a plain Node timer (not the runtime's clock): a
  // paused clock must not stop the page, and it must not keep a program alive.
  feed.begin();
  const timer = setInterval(() => {
    const json = JSON.stringify(feed.tick());
    recorder?.write(json);
    for (const client of clients) client.send(json);
  }, publishInterval);
  timer.unref();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      clearInterval(timer);
      for (const client of clients) client.close();
      clients.clear();
      feed.close();
      await http.close();
      await recorder?.close();
    })());
  return { url: http.url, close, [Symbol.asyncDispose]: close };
}
