import { duration, integer } from '../core/validate.js';
import type { IoOptions } from './socket-io.js';
import { resourceName } from '../core/resources.js';

/** Options of a stream (given to `connect`, or to `bind` for the streams a listener accepts). */
export interface StreamOptions {
  /**
   * A read (`read`, `readExact`, `BufReader.readLine`, `Framed.next`) that
   * receives nothing for this many ms rejects with `ReadTimeoutError` and the
   * stream is closed. Default Infinity (no limit).
   */
  readTimeout?: number;
  /** Received bytes buffered before the socket is paused, 1 B to 1 GiB. Default 64 KiB. */
  readHighWaterMark?: number;
  /** Shown by introspection (`runtime.resources()`): names the stream (`connect`) or the listener (`bind`). */
  name?: string;
}

/** Options of a TCP stream. */
export interface TcpStreamOptions extends StreamOptions {
  /** Disable Nagle's algorithm (TCP_NODELAY), so small writes go out at once. Default true. */
  noDelay?: boolean;
}

export const DEFAULT_READ_HWM = 64 * 1024;

export function ioOptions(options: StreamOptions | undefined, fn: string): IoOptions {
  if (options === undefined) return { readTimeout: Infinity, readHighWaterMark: DEFAULT_READ_HWM, name: undefined };
  if (typeof options !== 'object' || options === null) throw new TypeError(`${fn}: options must be an object`);
  return {
    name: resourceName(options, fn),
    readTimeout: options.readTimeout === undefined ? Infinity : duration(options.readTimeout, fn, 'readTimeout'),
    readHighWaterMark:
      options.readHighWaterMark === undefined
        ? DEFAULT_READ_HWM
        : integer(options.readHighWaterMark, fn, 'readHighWaterMark', 1, 2 ** 30),
  };
}

export function noDelayOption(options: TcpStreamOptions | undefined, fn: string): boolean {
  const value = options?.noDelay;
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw new TypeError(`${fn}: noDelay must be a boolean`);
  return value;
}
