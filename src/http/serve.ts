import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { signalOf, duration, integer, func } from '../core/validate.js';
import type { TimerEntry } from '../core/timer-heap.js';
import { noop } from '../core/promise.js';
import { currentRuntime, type Runtime } from '../runtime/runtime.js';
import { formatCauseChain } from '../task/errors.js';
import { Outcome, type Task, type TaskContext, type TaskOwner } from '../task/task.js';
import { timeout } from '../time/timeout.js';
import type { Clock } from '../core/clock.js';
import { parseAddr } from '../net/addr.js';
import { listening } from '../net/listener-core.js';
import { ClientDisconnectedError, RequestTimeoutError, ServerClosedError } from './errors.js';
import { requestTracer, type RequestTrace } from './tracing.js';

/** A request handler: runs as a weft task; `task.signal` fires when the client goes away or the request times out. */
export type Handler = (req: IncomingMessage, res: ServerResponse, task: TaskContext) => unknown;

/** Options of `serve`. */
export interface ServeOptions {
  /** The port; 0 picks a free one (see `address()`). */
  port: number;
  /** The interface to listen on. Default: all interfaces. */
  host?: string;
  /**
   * Ms a request may take from its arrival to the end of its response; past
   * it the task is aborted with `RequestTimeoutError` and the client gets a 503
   * (if headers were not sent yet; else the connection is closed). Node also
   * answers 408 to a client that takes longer than this to send the request.
   * Default 300,000; Infinity for none.
   */
  requestTimeout?: number;
  /** Ms a client has to send the request headers (Node's `headersTimeout`, answered with 408). Default 60,000, at most `requestTimeout`. */
  headersTimeout?: number;
  /** Connections served at once; more are closed on arrival. Default Infinity. */
  maxConnections?: number;
  /** Told about every error a handler throws (the client gets a 500). Default: printed to stderr. */
  onError?: (err: unknown, req: IncomingMessage) => void;
  /** Aborts the start (the listening socket is closed). */
  signal?: AbortSignal;
}

/** A running server started by `serve`. */
export interface HttpServer extends AsyncDisposable {
  /** The address the server listens on (with the port the OS picked for port 0). */
  address(): { address: string; port: number; family: string };
  /**
   * Graceful shutdown: stops accepting connections, closes idle keep-alive
   * connections, lets requests in flight finish for up to `timeout` ms
   * (default 10,000), then aborts the tasks still running (their signal fires
   * with `ServerClosedError`, their clients get a 503 or a closed connection)
   * and closes every connection. Resolves once the server is fully closed.
   * Idempotent: later calls return the same promise.
   */
  close(options?: { timeout?: number }): Promise<void>;
  /** Requests whose task has not finished. */
  readonly activeRequests: number;
}

/**
 * One request in flight: its task, and its place in the server's list of
 * requests in arrival order. The Request is the task's owner, so the runtime
 * tells it synchronously when the handler is done: no promise, closure or
 * timer of its own per request.
 */
class Request implements TaskOwner {
  /** When the request runs out of time, on the runtime clock (Infinity for never). */
  readonly deadline: number;
  /** Neighbours in the server's in-flight list (arrival order = deadline order). */
  prev: Request | undefined = undefined;
  next: Request | undefined = undefined;
  inList = false;
  readonly task: Task;
  reason: Error | undefined = undefined;
  /** Set when a tracer (weft/observe) follows this runtime's requests. */
  readonly trace: RequestTrace | undefined = undefined;

  constructor(
    readonly server: WeftHttpServer,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    deadline: number,
  ) {
    this.deadline = deadline;
    (res as Tagged)[kRequest] = this;
    res.on('error', noop); // writes by a handler after we answered must not crash the process
    res.on('close', onResponseClose);
    const tracer = requestTracer(server.runtime);
    if (tracer === undefined) this.task = server.runtime.spawnTask(runHandler, undefined, this);
    else
      ({ task: this.task, trace: this.trace } = tracer.start(req, () =>
        server.runtime.spawnTask(runHandler, undefined, this),
      ));
  }

  abort(reason: Error): void {
    if (this.reason !== undefined || this.task.isFinished) return;
    this.reason = reason;
    this.task.abort(reason);
    // Answer now: a handler that ignores its signal must not keep the client waiting.
    this.#unavailable(reason);
  }

  #unavailable(reason: Error): void {
    const res = this.res;
    if (res.writableEnded || res.destroyed) return;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
    res.end(`${reason.message}\n`);
  }

  /** The response closed: before it was complete, the client went away. */
  closed(): void {
    if (!this.res.writableFinished) this.abort(new ClientDisconnectedError());
  }

  /** TaskOwner: the handler's task has finished (called synchronously by the runtime). */
  taskDone(task: Task): void {
    const res = this.res;
    const outcome = task.outcome;
    if (outcome === Outcome.Ok) {
      if (!res.writableEnded && !res.destroyed) res.end();
    } else if (outcome === Outcome.Cancelled) {
      this.#unavailable(this.reason ?? new ServerClosedError('the request was cancelled'));
    } else {
      this.server.report(task.result, this.req);
      if (!res.writableEnded && !res.destroyed) {
        if (res.headersSent) res.destroy();
        else {
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end('Internal Server Error\n');
        }
      }
    }
    this.trace?.end(res, OUTCOME_NAMES[outcome], this.reason ?? (outcome === Outcome.Failed ? task.result : undefined));
    this.server.finished(this);
  }
}

const OUTCOME_NAMES = ['ok', 'ok', 'failed', 'cancelled'] as const;

const kRequest = Symbol('weft.http.request');
type Tagged = ServerResponse & { [kRequest]?: Request };

/** Every request's task body: the Request is the task's owner (no closure per request). */
function runHandler(context: TaskContext): unknown {
  const r = (context as Task).owner as Request;
  return r.server.handler(r.req, r.res, context);
}

/** Shared 'close' listener of every response (`this` is the response). */
function onResponseClose(this: ServerResponse): void {
  (this as Tagged)[kRequest]?.closed();
}

/**
 * The requests in flight, in arrival order. Their deadlines are arrival time
 * plus the same timeout, so arrival order is deadline order, and one clock
 * entry for the oldest request stands in for a timer per request: adding and
 * finishing a request is a list link and unlink. The entry is left armed for
 * a head that has finished (it fires early, then re-arms for the new head),
 * and is removed when the server closes.
 */
class Inflight implements TimerEntry {
  deadline = Infinity;
  heapIndex = -1;
  size = 0;
  closing = false;
  #head: Request | undefined = undefined;
  #tail: Request | undefined = undefined;
  readonly #clock: Clock;
  readonly #timeout: number;

  constructor(clock: Clock, timeout: number) {
    this.#clock = clock;
    this.#timeout = timeout;
  }

  add(r: Request): void {
    r.inList = true;
    r.prev = this.#tail;
    if (this.#tail === undefined) this.#head = r;
    else this.#tail.next = r;
    this.#tail = r;
    this.size++;
    if (this.heapIndex < 0 && r.deadline !== Infinity) this.#arm(r.deadline);
  }

  delete(r: Request): void {
    if (!r.inList) return;
    r.inList = false;
    const { prev, next } = r;
    if (prev === undefined) this.#head = next;
    else prev.next = next;
    if (next === undefined) this.#tail = prev;
    else next.prev = prev;
    r.prev = r.next = undefined;
    // A sync handler empties the list at every request: on the real clock the entry
    // stays armed (removing and re-adding it would set and clear a Node timer per
    // request) and fires as a no-op; a paused clock must not auto-advance to it.
    // Once the server is closing, nothing may keep the process alive either.
    if (--this.size === 0 && this.heapIndex >= 0 && (this.#clock.paused || this.closing)) this.#clock.remove(this);
  }

  /** A snapshot, oldest first. */
  toArray(): Request[] {
    const all: Request[] = [];
    for (let r = this.#head; r !== undefined; r = r.next) all.push(r);
    return all;
  }

  /** TimerEntry: the oldest requests may have run out of time. */
  fire(): void {
    const now = this.#clock.now();
    const expired: Request[] = [];
    for (let r = this.#head; r !== undefined && r.deadline <= now; r = r.next) expired.push(r);
    for (const r of expired) r.abort(new RequestTimeoutError(this.#timeout));
    // An aborted request stays listed until its task ends; re-arm for the first one not yet due.
    let r = this.#head;
    while (r !== undefined && r.deadline <= now) r = r.next;
    if (r !== undefined && r.deadline !== Infinity && this.heapIndex < 0) this.#arm(r.deadline);
  }

  #arm(deadline: number): void {
    this.deadline = deadline;
    this.#clock.add(this);
  }

  /** Disarms the entry when nothing is in flight (the server is closing). */
  close(): void {
    if (this.size === 0 && this.heapIndex >= 0) this.#clock.remove(this);
  }
}

class WeftHttpServer implements HttpServer {
  readonly runtime: Runtime;
  readonly handler: Handler;
  readonly requestTimeout: number;
  readonly #server: Server;
  readonly #clock: Clock;
  readonly #onError: (err: unknown, req: IncomingMessage) => void;
  readonly #inflight: Inflight;
  #closing: Promise<void> | undefined = undefined;
  #drained: (() => void) | undefined = undefined;

  constructor(server: Server, handler: Handler, requestTimeout: number, onError: WeftHttpServer['report']) {
    this.#server = server;
    this.handler = handler;
    this.requestTimeout = requestTimeout;
    this.#onError = onError;
    this.runtime = currentRuntime();
    this.#clock = this.runtime.clock;
    this.#inflight = new Inflight(this.#clock, requestTimeout);
    server.on('request', this.#onRequest);
  }

  get activeRequests(): number {
    return this.#inflight.size;
  }

  address(): { address: string; port: number; family: string } {
    const a = this.#server.address();
    if (a === null || typeof a !== 'object') return { address: '', port: 0, family: '' };
    return { address: a.address, port: a.port, family: a.family };
  }

  close(options?: { timeout?: number }): Promise<void> {
    const ms = options?.timeout === undefined ? 10_000 : duration(options.timeout, 'HttpServer.close', 'timeout');
    return (this.#closing ??= this.#shutdown(ms));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  report(err: unknown, req: IncomingMessage): void {
    try {
      this.#onError(err, req);
    } catch (e) {
      process.stderr.write(`weft/http: onError threw: ${formatCauseChain(e)}\n`);
    }
  }

  finished(r: Request): void {
    this.#inflight.delete(r);
    if (this.#closing === undefined) return;
    setImmediate(this.#closeIdle); // once this response is flushed, its keep-alive connection is idle
    if (this.#inflight.size === 0) this.#drained?.();
  }

  #closeIdle = (): void => {
    this.#server.closeIdleConnections();
  };

  #onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (this.#closing !== undefined) res.setHeader('connection', 'close');
    const deadline = this.requestTimeout === Infinity ? Infinity : this.#clock.now() + this.requestTimeout;
    const r = new Request(this, req, res, deadline);
    if (r.task.isFinished) return;
    this.#inflight.add(r);
  };

  async #shutdown(ms: number): Promise<void> {
    const server = this.#server;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.#inflight.closing = true;
    server.closeIdleConnections();
    const deadline = this.#clock.now() + ms;
    if (this.#inflight.size > 0) {
      const drained = new Promise<void>((resolve) => (this.#drained = resolve));
      const done = await timeout(ms, drained).then(
        () => true,
        () => false,
      );
      if (!done) {
        const reason = new ServerClosedError();
        const pending = this.#inflight.toArray();
        for (const r of pending) r.abort(reason);
        await Promise.all(pending.map((r) => r.task.whenDone()));
      }
    }
    this.#inflight.close();
    server.closeIdleConnections();
    // Connections still open now are mid-request (slow clients): give them what is left of the timeout.
    const left = Math.max(0, deadline - this.#clock.now());
    const finished = await timeout(left, closed).then(
      () => true,
      () => false,
    );
    if (!finished) {
      server.closeAllConnections();
      await closed;
    }
    this.#inflight.close();
  }
}

function defaultOnError(err: unknown, req: IncomingMessage): void {
  process.stderr.write(
    `weft/http: ${req.method ?? '?'} ${req.url ?? '?'} failed: ${formatCauseChain(err)}\n${inspect(err)}\n`,
  );
}

/**
 * Serves HTTP on Node's `http` server, running each request as a weft task.
 * The handler gets the request, the response and its `TaskContext`: the
 * task's `signal` fires (and its weft waits reject with `CancelledError`) when
 * the client goes away before the response is complete
 * (`ClientDisconnectedError`), when the request passes `requestTimeout`
 * (`RequestTimeoutError`, the client gets a 503), or when `close()` runs out
 * of time (`ServerClosedError`). A handler that throws gets the client a 500
 * (or a closed connection if headers were already sent) and is reported to
 * `onError`. A response the handler did not end is ended when it returns.
 *
 * @param handler `(req, res, task) => unknown`, may be async
 * @param options `port` (required), `host`, `requestTimeout` (300,000 ms), `headersTimeout` (60,000 ms),
 *   `maxConnections` (Infinity), `onError`, `signal`
 * @returns the running server
 * @throws TypeError if `handler` is not a function; RangeError for a bad port or option
 * @rejects IoError if the port cannot be bound (`kind` e.g. `'EADDRINUSE'`)
 *
 * **Cancellation**: aborting `options.signal` (or the calling task) during
 * start-up closes the listening socket. Requests run as tasks of the calling
 * task's runtime; shutting that runtime down aborts them.
 *
 * @example
 * ```ts
 * import { request } from 'node:http';
 * import { sleep } from 'weft';
 * import { serve } from 'weft/http';
 * await using server = await serve(
 *   async (req, res, task) => {
 *     await sleep(1, { signal: task.signal }); // aborted if the client leaves
 *     res.end(`hello ${req.url}`);
 *   },
 *   { port: 0, host: '127.0.0.1' },
 * );
 * const body = await new Promise<string>((resolve, reject) => {
 *   request({ port: server.address().port, host: '127.0.0.1', path: '/x', agent: false }, (res) => {
 *     let text = '';
 *     res.on('data', (d: Buffer) => (text += d));
 *     res.on('end', () => resolve(text));
 *   }).on('error', reject).end();
 * });
 * console.assert(body === 'hello /x');
 * ```
 */
export function serve(handler: Handler, options: ServeOptions): Promise<HttpServer> {
  const fn = 'serve';
  func(handler, fn, 'handler');
  if (typeof options !== 'object' || options === null) throw new TypeError(`${fn}: options ({ port }) are required`);
  const { host, port } = parseAddr(
    options.host === undefined ? { port: options.port } : { host: options.host, port: options.port },
    fn,
  );
  const signal = signalOf(options, fn);
  const requestTimeout =
    options.requestTimeout === undefined ? 300_000 : duration(options.requestTimeout, fn, 'requestTimeout');
  const headersTimeout =
    options.headersTimeout === undefined
      ? Math.min(60_000, requestTimeout)
      : duration(options.headersTimeout, fn, 'headersTimeout');
  if (headersTimeout > requestTimeout) {
    throw new RangeError(
      `${fn}: headersTimeout (${headersTimeout} ms) must not exceed requestTimeout (${requestTimeout} ms)`,
    );
  }
  const maxConnections =
    options.maxConnections === undefined || options.maxConnections === Infinity
      ? Infinity
      : integer(options.maxConnections, fn, 'maxConnections', 1, 2 ** 31 - 1);
  if (options.onError !== undefined) func(options.onError, fn, 'onError');
  const onError = options.onError ?? defaultOnError;
  const finite = (ms: number): number => (ms === Infinity ? 0 : Math.max(1, Math.ceil(ms)));
  const server = createServer({
    requestTimeout: finite(requestTimeout),
    headersTimeout: finite(headersTimeout),
    // How often Node checks those two timeouts (its default is every 30 s).
    connectionsCheckingInterval: Math.min(
      30_000,
      Math.max(50, Math.floor(Math.min(headersTimeout, requestTimeout) / 4)),
    ),
  });
  if (maxConnections !== Infinity) server.maxConnections = maxConnections;
  const weft = new WeftHttpServer(server, handler, requestTimeout, onError);
  return listening(server, () => server.listen({ host, port }), signal).then(() => weft);
}
