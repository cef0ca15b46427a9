import { signalOf, integer } from '../core/validate.js';
import { FrameTooLargeError } from '../io/errors.js';
import { bytesArg, type AsyncRead } from '../io/traits.js';

/** Options of a `BufReader`. */
export interface BufReaderOptions {
  /** The longest line `readLine` accepts, in bytes before the `\n`. Default 64 KiB. */
  maxLineLength?: number;
}

const NL = 10;
const CR = 13;

/**
 * Adds a buffer to a reader (Tokio's `BufReader`): small reads are served from
 * one larger read, and `readLine()` / `lines()` split the stream into lines.
 * Lines end with `\n` or `\r\n` (neither is included) and are decoded as UTF-8;
 * a last line without a newline is returned at end of stream. A line longer
 * than `maxLineLength` rejects with `FrameTooLargeError`; the rest of that line
 * is then skipped and the next `readLine()` returns the line after it, so
 * memory stays bounded by `maxLineLength` plus one read.
 *
 * One operation at a time: a call made while another is pending rejects with
 * a TypeError.
 *
 * @example
 * ```ts
 * import { TcpListener, TcpStream, BufReader } from 'weft/net';
 * await using listener = await TcpListener.bind('127.0.0.1:0');
 * await using client = await TcpStream.connect(listener.localAddr());
 * await using server = await listener.accept();
 * await client.writeAll(new TextEncoder().encode('one\r\ntwo\nthree'));
 * await client.shutdown();
 * const lines: string[] = [];
 * for await (const line of new BufReader(server).lines()) lines.push(line);
 * console.assert(lines.join(',') === 'one,two,three');
 * ```
 */
export class BufReader implements AsyncRead {
  readonly #r: AsyncRead;
  readonly #capacity: number;
  readonly #maxLine: number;
  #buf: Buffer;
  #start = 0;
  #end = 0;
  #scanned = 0;
  #eof = false;
  #discarding = false;
  #busy = false;

  /**
   * @param r what to read from: a stream, a `ReadHalf`, or any `AsyncRead`
   * @param capacity the buffer size in bytes (default 8 KiB); it grows as needed for a long line, up to
   *   `maxLineLength` plus `capacity`
   * @throws TypeError if `r` has no `read` method; RangeError for a bad capacity or limit
   */
  constructor(r: AsyncRead, capacity = 8192, options?: BufReaderOptions) {
    if (typeof (r as Partial<AsyncRead> | null)?.read !== 'function') {
      throw new TypeError('BufReader: the reader must have a read(buf) method');
    }
    this.#r = r;
    this.#capacity = integer(capacity, 'BufReader', 'capacity', 1, 2 ** 30);
    this.#maxLine =
      options?.maxLineLength === undefined
        ? 64 * 1024
        : integer(options.maxLineLength, 'BufReader', 'maxLineLength', 0, 2 ** 30);
    this.#buf = Buffer.allocUnsafe(this.#capacity);
  }

  /** Bytes read from the underlying reader and not consumed yet. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /**
   * Reads at least one byte into `buf`: from the buffer when it holds some,
   * else with one read of the underlying reader (straight into `buf` when `buf`
   * is at least as large as the buffer). Returns 0 at end of stream.
   *
   * **Cancellation**: cancel-safe when the underlying reader's `read` is (weft streams' is):
   * an aborted read consumed nothing.
   */
  read(buf: Uint8Array, options?: { signal?: AbortSignal }): Promise<number> {
    bytesArg(buf, 'BufReader.read');
    const signal = signalOf(options, 'BufReader.read');
    if (this.#busy) return Promise.reject(busy());
    if (this.#end > this.#start || buf.length === 0) return Promise.resolve(this.#copyOut(buf));
    if (this.#eof) return Promise.resolve(0);
    if (buf.length >= this.#capacity) return this.#r.read(buf, signal === undefined ? undefined : { signal });
    return this.#guard(this.#fillThenCopy(buf, signal));
  }

  /**
   * Reads the next line, without its `\n` or `\r\n`.
   *
   * @returns the line, or undefined at end of stream
   * @rejects FrameTooLargeError for a line over `maxLineLength` (the next call resumes after that line);
   *   TypeError if another operation is pending; any error of the underlying reader
   *
   * **Cancellation**: cancel-safe when the underlying reader's `read` is: bytes
   * of a partly received line stay buffered, and the next `readLine()` continues it.
   */
  readLine(options?: { signal?: AbortSignal }): Promise<string | undefined> {
    const signal = signalOf(options, 'BufReader.readLine');
    if (this.#busy) return Promise.reject(busy());
    const line = this.#tryLine();
    if (line !== null) return line instanceof Error ? Promise.reject(line) : Promise.resolve(line);
    return this.#guard(this.#readLineSlow(signal));
  }

  /**
   * The remaining lines, until end of stream. A `FrameTooLargeError` ends the
   * iteration with that error.
   */
  async *lines(): AsyncGenerator<string, void, undefined> {
    for (let line = await this.readLine(); line !== undefined; line = await this.readLine()) yield line;
  }

  async #guard<T>(work: Promise<T>): Promise<T> {
    this.#busy = true;
    try {
      return await work;
    } finally {
      this.#busy = false;
    }
  }

  async #fillThenCopy(buf: Uint8Array, signal: AbortSignal | undefined): Promise<number> {
    await this.#fill(signal);
    return this.#copyOut(buf);
  }

  async #readLineSlow(signal: AbortSignal | undefined): Promise<string | undefined> {
    for (;;) {
      await this.#fill(signal);
      const line = this.#tryLine();
      if (line instanceof Error) throw line;
      if (line !== null) return line;
    }
  }

  /** A line, undefined at end of stream, an error for an overlong line, or null when more bytes are needed. */
  #tryLine(): string | undefined | Error | null {
    for (;;) {
      const buf = this.#buf;
      const start = this.#start;
      const length = this.#end - start;
      const i = length === 0 ? -1 : buf.subarray(start + this.#scanned, this.#end).indexOf(NL);
      if (i >= 0) {
        const at = this.#scanned + i;
        this.#start += at + 1;
        this.#scanned = 0;
        if (this.#discarding) {
          this.#discarding = false;
          continue;
        }
        if (at > this.#maxLine) return new FrameTooLargeError(at, this.#maxLine, 'line');
        const end = at > 0 && buf[start + at - 1] === CR ? at - 1 : at;
        return buf.toString('utf8', start, start + end);
      }
      this.#scanned = length;
      if (this.#discarding) {
        this.#start = this.#end;
        this.#scanned = 0;
      } else if (length > this.#maxLine) {
        this.#discarding = true;
        this.#start = this.#end;
        this.#scanned = 0;
        return new FrameTooLargeError(length, this.#maxLine, 'line');
      }
      if (!this.#eof) return null;
      this.#discarding = false;
      if (this.#end === this.#start) return undefined;
      const end = this.#end > this.#start && buf[this.#end - 1] === CR ? this.#end - 1 : this.#end;
      const last = buf.toString('utf8', this.#start, end);
      this.#start = this.#end;
      this.#scanned = 0;
      return last;
    }
  }

  #copyOut(buf: Uint8Array): number {
    const n = Math.min(buf.length, this.#end - this.#start);
    buf.set(this.#buf.subarray(this.#start, this.#start + n));
    this.#start += n;
    if (this.#start === this.#end) this.#start = this.#end = this.#scanned = 0;
    return n;
  }

  /** One read of the underlying reader into free space (compacting or growing first). */
  async #fill(signal: AbortSignal | undefined): Promise<void> {
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#end === this.#buf.length) {
      if (this.#start > 0) {
        this.#buf.copy(this.#buf, 0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
      } else {
        const grown = Buffer.allocUnsafe(Math.min(this.#buf.length * 2, this.#maxLine + this.#capacity + 1));
        this.#buf.copy(grown, 0, 0, this.#end);
        this.#buf = grown;
      }
    }
    const n = await this.#r.read(this.#buf.subarray(this.#end), signal === undefined ? undefined : { signal });
    if (n === 0) this.#eof = true;
    else this.#end += n;
  }
}

function busy(): TypeError {
  return new TypeError('BufReader: another read is still pending on this reader (one operation at a time)');
}
