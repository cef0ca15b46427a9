import { isIP, isIPv6 } from 'node:net';
import { AddrParseError } from './errors.js';

/** A socket address as reported by `localAddr()` / `peerAddr()`. */
export interface SocketAddr {
  readonly address: string;
  readonly port: number;
  /** `'IPv4'` or `'IPv6'`. */
  readonly family: string;
}

/**
 * An address to bind or connect to: a port number (all interfaces for `bind`,
 * `localhost` for `connect`), a `'host:port'` string (`'[::1]:8080'` for IPv6),
 * or `{ host, port }`.
 */
export type AddrInput =
  | number
  | string
  | { readonly host?: string; readonly port: number }
  | { readonly address: string; readonly port: number };

/** A parsed address: `host` undefined means the default for the operation. */
export interface HostPort {
  host: string | undefined;
  port: number;
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

function port(value: unknown, fn: string, input: string): number {
  if (typeof value !== 'number') throw new AddrParseError(input, `${fn}: the port must be a number`);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new RangeError(`${fn}: port must be an integer from 0 to 65535, got ${String(value)}`);
  }
  return value;
}

function host(value: string, fn: string, input: string): string {
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1);
  if (isIP(value) !== 0) return value;
  if (value.includes(':')) throw new AddrParseError(input, `${fn}: not a valid IPv6 address`);
  if (!HOSTNAME.test(value)) throw new AddrParseError(input, `${fn}: not a valid IP address or host name`);
  return value;
}

/**
 * Parses an `AddrInput`. Throws synchronously: `AddrParseError` (a TypeError)
 * for malformed input, `RangeError` for a port outside 0..65535.
 */
export function parseAddr(input: unknown, fn: string): HostPort {
  if (typeof input === 'number') return { host: undefined, port: port(input, fn, String(input)) };
  if (typeof input === 'string') {
    if (/^\d+$/.test(input)) return { host: undefined, port: port(Number(input), fn, input) };
    let h: string;
    let p: string;
    if (input.startsWith('[')) {
      const close = input.indexOf(']');
      if (close < 0 || input[close + 1] !== ':') throw new AddrParseError(input, `${fn}: expected '[ipv6]:port'`);
      h = input.slice(1, close);
      p = input.slice(close + 2);
      if (!isIPv6(h)) throw new AddrParseError(input, `${fn}: not a valid IPv6 address`);
    } else {
      const colon = input.lastIndexOf(':');
      if (colon < 0) throw new AddrParseError(input, `${fn}: expected 'host:port'`);
      h = input.slice(0, colon);
      p = input.slice(colon + 1);
      if (h.includes(':')) throw new AddrParseError(input, `${fn}: an IPv6 address must be written '[addr]:port'`);
      h = host(h, fn, input);
    }
    if (!/^\d{1,5}$/.test(p)) {
      if (/^\d+$/.test(p)) port(Number(p), fn, input);
      throw new AddrParseError(input, `${fn}: the port must be a decimal number`);
    }
    return { host: h, port: port(Number(p), fn, input) };
  }
  if (typeof input === 'object' && input !== null) {
    const o = input as { host?: unknown; address?: unknown; port?: unknown };
    const text = safeJson(input);
    const p = port(o.port, fn, text);
    const h = o.host ?? o.address; // a SocketAddr from localAddr() works too
    if (h === undefined) return { host: undefined, port: p };
    if (typeof h !== 'string') throw new AddrParseError(text, `${fn}: host must be a string`);
    return { host: host(h, fn, text), port: p };
  }
  throw new TypeError(
    `${fn}: address must be a port number, a 'host:port' string or { host, port }, got ${input === null ? 'null' : typeof input}`,
  );
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `sun_path` holds 108 bytes on Linux, 104 on the BSDs and macOS, including the NUL. */
const MAX_PATH = process.platform === 'linux' ? 107 : 103;

/** Checks a Unix socket path: a non-empty string without NUL bytes that fits `sun_path`. */
export function unixPath(path: unknown, fn: string): string {
  if (typeof path !== 'string') throw new TypeError(`${fn}: path must be a string, got ${typeof path}`);
  if (path.length === 0) throw new AddrParseError(path, `${fn}: the path is empty`);
  if (path.includes('\0')) throw new AddrParseError(path, `${fn}: the path contains a NUL byte`);
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_PATH)
    throw new RangeError(`${fn}: a Unix socket path may have at most ${MAX_PATH} bytes, got ${bytes}`);
  return path;
}

/** A `SocketAddr` from Node's address fields, with empty values when the socket is gone. */
export function socketAddr(
  address: string | undefined,
  port: number | undefined,
  family: string | undefined,
): SocketAddr {
  return { address: address ?? '', port: port ?? 0, family: family ?? '' };
}
