import { WeftError, registerWeftErrors } from '../core/errors.js';
/** The request's task was aborted because it ran past `requestTimeout`; the client got a 503. */
export class RequestTimeoutError extends WeftError {
  override readonly name = 'RequestTimeoutError';
  readonly code = 'ERR_REQUEST_TIMEOUT';
  /** The limit that was exceeded, in ms. */
  readonly ms: number;
  constructor(ms: number) {
    super(`the request was not answered within ${ms} ms`);
    this.ms = ms;
  }
}

/** The request's task was aborted because the client closed the connection before the response was complete. */
export class ClientDisconnectedError extends WeftError {
  override readonly name = 'ClientDisconnectedError';
  readonly code = 'ERR_CLIENT_DISCONNECTED';
  constructor(message = 'the client closed the connection before the response was complete') {
    super(message);
  }
}

/** The request's task was aborted because `HttpServer.close()` ran out of time draining. */
export class ServerClosedError extends WeftError {
  override readonly name = 'ServerClosedError';
  readonly code = 'ERR_SERVER_CLOSED';
  constructor(message = 'the server closed before the request was answered') {
    super(message);
  }
}

registerWeftErrors({ RequestTimeoutError, ClientDisconnectedError, ServerClosedError });
