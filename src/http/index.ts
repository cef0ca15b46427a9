/**
 * weft/http: `serve(handler)` on Node's HTTP server, each request a weft task
 * whose signal fires when the client leaves or the request times out, with a
 * graceful drain on close.
 * @module
 */
export { serve, type Handler, type HttpServer, type ServeOptions } from './serve.js';
export { RequestTimeoutError, ClientDisconnectedError, ServerClosedError } from './errors.js';
