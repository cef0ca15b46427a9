import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensurePage, pageAsset } from './page.js';

/** A route of a console server: answers a GET, or returns false to fall through. */
export type Route = (path: string, query: URLSearchParams, req: IncomingMessage, res: ServerResponse) => boolean;

/** Sends `value` as JSON. */
export function sendJson(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * Starts the HTTP server of a console (live or replay): the page's files at
 * `/`, then `route` for the API. Only GET is served.
 */
export async function listen(
  port: number,
  host: string,
  route: Route,
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  await ensurePage();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://console');
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    const path = url.pathname;
    if (route(path, url.searchParams, req, res)) return;
    const asset = pageAsset(path === '/' ? 'index.html' : path.slice(1));
    if (asset === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache' }).end(asset.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shown}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
