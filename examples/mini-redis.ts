/**
 * mini-redis on weft: the server of Tokio's tutorial (https://tokio.rs/tokio/tutorial),
 * written the way weft's README and JSDoc describe. It speaks RESP, the Redis
 * protocol, so `redis-cli` and `redis-benchmark` talk to it:
 *
 *   node --conditions=weft-source --import tsx examples/mini-redis.ts [port]   # default 6379
 *   redis-cli -p 6379 set hello world && redis-cli -p 6379 get hello
 *
 * Walkthrough (docs/mini-redis.md tells the same story with the Tokio names side by side):
 *
 * 1. Frames. RESP is a byte protocol: a request is an array of bulk strings
 *    (`*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n`). `RespCodec` implements weft's
 *    `Codec`: `decode(buf)` returns one complete frame or undefined when more
 *    bytes are needed, `encode(frame, dst)` appends one. Values are bytes, not
 *    text: keys are read with `BytesBuffer.latin1` (one char per byte, so any
 *    key round-trips) and values are copied out as `Uint8Array`s that own their
 *    memory (a kept value never pins a read buffer).
 * 2. Connections. `Framed(stream, new RespCodec())` turns a `TcpStream` into a
 *    stream of frames; each connection runs in its own task
 *    (`spawn(() => serveConnection(...))`), as `tokio::spawn` per socket.
 * 3. Pipelining. A client may send many requests before reading a reply.
 *    `next()` then returns the buffered requests without reading, and the
 *    replies, each `send()` in the same turn, reach the socket as one write
 *    (weft coalesces writes made in one turn on one stream). For explicit
 *    batches, `feed()` replies and `flush()` once.
 * 4. State. The database is a `Map` shared by all connections. No lock is
 *    needed: tasks run on one thread and each command runs without awaiting
 *    (Tokio's tutorial needs `Arc<Mutex<HashMap>>` for the same thing).
 * 5. Errors. A malformed request makes `decode` throw `RespProtocolError`;
 *    the connection answers `-ERR Protocol error` and is closed, as Redis does.
 *    An unknown command gets an error reply and the connection goes on.
 */
import { main, spawn } from 'weft';
import { TcpListener, type TcpStream } from 'weft/net';
import { Framed, FrameTooLargeError, type BytesBuffer, type Codec } from 'weft/codec';

/** A RESP value. Bulk strings are bytes; `null` is the null bulk string. */
export type Frame =
  | { type: 'simple'; value: string }
  | { type: 'error'; value: string }
  | { type: 'integer'; value: number }
  | { type: 'bulk'; value: Uint8Array }
  | { type: 'null' }
  | { type: 'array'; value: Frame[] };

/** The peer sent bytes that are not RESP. */
export class RespProtocolError extends Error {
  override readonly name = 'RespProtocolError';
  readonly code = 'ERR_RESP_PROTOCOL';
}

const CR = 13;
const MAX_BULK = 512 * 1024 * 1024; // Redis's proto-max-bulk-len
const MAX_ARRAY = 1024 * 1024;

/** Where a parse got to: the next unread index, or NEED (more bytes needed). */
const NEED = -1;

/**
 * RESP2 frames (`+simple`, `-error`, `:integer`, `$bulk`, `*array`). Decoding
 * parses a whole frame before consuming anything, so a frame split across
 * reads is simply parsed again when more bytes arrive.
 */
export class RespCodec implements Codec<Frame, Frame> {
  readonly maxBulkLength: number;
  #frame: Frame | undefined = undefined;

  constructor(options?: { maxBulkLength?: number }) {
    this.maxBulkLength = options?.maxBulkLength ?? MAX_BULK;
  }

  decode(buf: BytesBuffer): Frame | undefined {
    if (buf.length === 0) return undefined;
    const end = this.#parse(buf, 0, 0);
    if (end === NEED) return undefined;
    const frame = this.#frame!;
    this.#frame = undefined;
    buf.advance(end);
    return frame;
  }

  encode(frame: Frame, dst: BytesBuffer): void {
    switch (frame.type) {
      case 'simple':
        dst.writeLatin1(`+${frame.value}\r\n`);
        return;
      case 'error':
        dst.writeLatin1(`-${frame.value}\r\n`);
        return;
      case 'integer':
        dst.writeLatin1(`:${frame.value}\r\n`);
        return;
      case 'null':
        dst.writeLatin1('$-1\r\n');
        return;
      case 'bulk':
        dst.writeLatin1(`$${frame.value.length}\r\n`);
        dst.write(frame.value);
        dst.writeLatin1('\r\n');
        return;
      case 'array':
        dst.writeLatin1(`*${frame.value.length}\r\n`);
        for (const f of frame.value) this.encode(f, dst);
    }
  }

  /** Parses the frame at `at`, leaving it in `#frame`; returns the index after it, or NEED. */
  #parse(buf: BytesBuffer, at: number, depth: number): number {
    if (at >= buf.length) return NEED;
    const lineEnd = buf.indexOf(CR, at + 1);
    if (lineEnd < 0 || lineEnd + 1 >= buf.length) {
      if (buf.length - at > 64 * 1024) throw new RespProtocolError('a RESP header line is too long');
      return NEED;
    }
    if (buf.at(lineEnd + 1) !== 10) throw new RespProtocolError('expected \\n after \\r');
    const next = lineEnd + 2;
    switch (buf.at(at)) {
      case 0x2b: // '+'
        this.#frame = { type: 'simple', value: buf.latin1(at + 1, lineEnd) };
        return next;
      case 0x2d: // '-'
        this.#frame = { type: 'error', value: buf.latin1(at + 1, lineEnd) };
        return next;
      case 0x3a: // ':'
        this.#frame = { type: 'integer', value: decimal(buf, at + 1, lineEnd, true) };
        return next;
      case 0x24: {
        // '$'
        if (lineEnd === at + 3 && buf.at(at + 1) === 0x2d && buf.at(at + 2) === 0x31) {
          this.#frame = { type: 'null' };
          return next;
        }
        const len = decimal(buf, at + 1, lineEnd, false);
        if (len > this.maxBulkLength) throw new FrameTooLargeError(len, this.maxBulkLength, 'bulk string');
        if (next + len + 2 > buf.length) return NEED;
        if (buf.at(next + len) !== CR || buf.at(next + len + 1) !== 10) {
          throw new RespProtocolError('a bulk string is not followed by \\r\\n');
        }
        this.#frame = { type: 'bulk', value: new Uint8Array(buf.view(next, next + len)) }; // a copy of its own
        return next + len + 2;
      }
      case 0x2a: {
        // '*'
        const n = decimal(buf, at + 1, lineEnd, false);
        if (n > MAX_ARRAY || depth > 8) throw new RespProtocolError('a RESP array is too large or too deep');
        const items: Frame[] = new Array<Frame>(n);
        let pos = next;
        for (let i = 0; i < n; i++) {
          pos = this.#parse(buf, pos, depth + 1);
          if (pos === NEED) return NEED;
          items[i] = this.#frame!;
        }
        this.#frame = { type: 'array', value: items };
        return pos;
      }
      default:
        throw new RespProtocolError(`unknown RESP type byte 0x${(buf.at(at) ?? 0).toString(16)}`);
    }
  }
}

/** The decimal integer in bytes `[from, to)`; throws RespProtocolError unless it is one. */
function decimal(buf: BytesBuffer, from: number, to: number, signed: boolean): number {
  let i = from;
  let sign = 1;
  if (signed && buf.at(i) === 0x2d) {
    sign = -1;
    i++;
  }
  if (i >= to || to - i > 15) throw new RespProtocolError('expected a decimal integer');
  let n = 0;
  for (; i < to; i++) {
    const d = buf.at(i)! - 0x30;
    if (d < 0 || d > 9) throw new RespProtocolError('expected a decimal integer');
    n = n * 10 + d;
  }
  return sign * n;
}

const OK: Frame = { type: 'simple', value: 'OK' };
const PONG: Frame = { type: 'simple', value: 'PONG' };
const NULL: Frame = { type: 'null' };
const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
const wrongArgs = (cmd: string): Frame => ({
  type: 'error',
  value: `ERR wrong number of arguments for '${cmd.toLowerCase()}' command`,
});

/** The shared database: keys (Latin-1, so any bytes) to values (bytes). */
export type Db = Map<string, Uint8Array>;

/** Runs one command (an array of bulk strings) against `db` and returns the reply. */
export function execute(db: Db, frame: Frame): Frame {
  if (frame.type !== 'array' || frame.value.length === 0 || frame.value.some((f) => f.type !== 'bulk')) {
    return { type: 'error', value: 'ERR Protocol error: expected an array of bulk strings' };
  }
  const args = (frame.value as { type: 'bulk'; value: Uint8Array }[]).map((f) => f.value);
  const cmd = latin1(args[0]!).toUpperCase();
  switch (cmd) {
    case 'PING':
      if (args.length > 2) return wrongArgs(cmd);
      return args.length === 2 ? { type: 'bulk', value: args[1]! } : PONG;
    case 'ECHO':
      return args.length === 2 ? { type: 'bulk', value: args[1]! } : wrongArgs(cmd);
    case 'SET':
      if (args.length !== 3) return wrongArgs(cmd);
      db.set(latin1(args[1]!), args[2]!);
      return OK;
    case 'GET': {
      if (args.length !== 2) return wrongArgs(cmd);
      const value = db.get(latin1(args[1]!));
      return value === undefined ? NULL : { type: 'bulk', value };
    }
    case 'DEL': {
      if (args.length < 2) return wrongArgs(cmd);
      let n = 0;
      for (let i = 1; i < args.length; i++) if (db.delete(latin1(args[i]!))) n++;
      return { type: 'integer', value: n };
    }
    case 'INCR': {
      if (args.length !== 2) return wrongArgs(cmd);
      const key = latin1(args[1]!);
      const old = db.get(key);
      const text = old === undefined ? '0' : latin1(old);
      const n = /^-?\d{1,16}$/.test(text) ? Number(text) + 1 : NaN;
      if (!Number.isSafeInteger(n)) return { type: 'error', value: 'ERR value is not an integer or out of range' };
      db.set(key, Buffer.from(String(n), 'latin1'));
      return { type: 'integer', value: n };
    }
    default:
      return { type: 'error', value: `ERR unknown command '${cmd.toLowerCase()}'` };
  }
}

/**
 * Serves one connection until the client closes it: decode a request, run it,
 * send the reply. Pipelined requests are answered in the same turn, so their
 * replies leave in one socket write.
 */
export async function serveConnection(stream: TcpStream, db: Db): Promise<void> {
  const framed = new Framed(stream, new RespCodec());
  try {
    for (let request = await framed.next(); request !== undefined; request = await framed.next()) {
      await framed.send(execute(db, request));
    }
  } catch (err) {
    if (!(err instanceof RespProtocolError || err instanceof FrameTooLargeError)) throw err;
    await framed.send({ type: 'error', value: `ERR Protocol error: ${err.message}` });
  } finally {
    await framed.close(); // plain try/finally: the same file runs as .mjs on Node 20, where `await using` does not parse
  }
}

/** Accepts connections until the listener closes (or the calling task is aborted), one task each. */
export async function runMiniRedis(listener: TcpListener, db: Db = new Map()): Promise<void> {
  for await (const stream of listener) {
    spawn(() => serveConnection(stream, db).catch(() => {})); // a reset ends only its own connection
  }
}

async function cli(): Promise<void> {
  const port = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 6379);
  await main(async () => {
    const listener = await TcpListener.bind({ host: '127.0.0.1', port });
    try {
      const { address, port: bound } = listener.localAddr();
      console.log(`mini-redis on ${address}:${bound}; Ctrl-C to stop`);
      await runMiniRedis(listener);
    } finally {
      await listener.close();
    }
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await cli();
