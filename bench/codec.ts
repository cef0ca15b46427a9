/**
 * Codec decode throughput: weft's LinesCodec and LengthDelimitedCodec against
 * the hand-written split loops a node:net program would use (keep the rest of
 * the last chunk, `Buffer.concat` it with the next, `indexOf('\n')` /
 * `readUInt32BE`). Input: 16 MiB (4 MiB with --quick) delivered in 64 KiB
 * chunks, as socket reads deliver it. Both sides decode to the same frames
 * (checked); the baseline's length-delimited frames are views into its chunk
 * buffer, weft's are copies (they outlive the read buffer).
 *
 *   node --conditions=weft-source --import tsx bench/codec.ts [--quick]
 */
import { BytesBuffer, Framed, LengthDelimitedCodec, LinesCodec, type Codec } from 'weft/codec';
import { header, measureInterleaved, pick, printTable, ratioRow, type Row } from './lib.js';

const TOTAL = pick(16, 4) * 1024 * 1024;
const CHUNK = 64 * 1024;

function chunks(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += CHUNK) out.push(data.subarray(i, Math.min(data.length, i + CHUNK)));
  return out;
}

function linesInput(): { chunks: Buffer[]; count: number } {
  const parts: string[] = [];
  let size = 0;
  let count = 0;
  for (let i = 0; size < TOTAL; i++) {
    const line = `line ${i} ${'abcdefghijklmnopqrstuvwxyz'.slice(0, 10 + (i % 60))}${i % 7 === 0 ? '\r' : ''}\n`;
    parts.push(line);
    size += line.length;
    count++;
  }
  return { chunks: chunks(Buffer.from(parts.join(''))), count };
}

function ldInput(): { chunks: Buffer[]; count: number } {
  const bufs: Buffer[] = [];
  let size = 0;
  let count = 0;
  for (let i = 0; size < TOTAL; i++) {
    const len = 50 + ((i * 37) % 400);
    const frame = Buffer.alloc(4 + len, i & 0xff);
    frame.writeUInt32BE(len, 0);
    bufs.push(frame);
    size += frame.length;
    count++;
  }
  return { chunks: chunks(Buffer.concat(bufs)), count };
}

/** What weft's Framed does per read: append, decode until more bytes are needed. */
function weftDecode(input: Buffer[], codec: Codec<unknown, unknown>): number {
  const buf = new BytesBuffer(CHUNK);
  let frames = 0;
  for (const chunk of input) {
    buf.write(chunk);
    while (codec.decode(buf) !== undefined) frames++;
  }
  return frames;
}

/** The usual hand-written node:net line splitter. */
function rawLines(input: Buffer[]): number {
  let rest: Buffer | undefined;
  let frames = 0;
  for (const chunk of input) {
    const buf = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
    let start = 0;
    for (let i = buf.indexOf(10, start); i !== -1; i = buf.indexOf(10, start)) {
      const end = i > start && buf[i - 1] === 13 ? i - 1 : i;
      if (buf.toString('utf8', start, end).length < 0) throw new Error('unreachable');
      frames++;
      start = i + 1;
    }
    rest = start < buf.length ? buf.subarray(start) : undefined;
  }
  return frames;
}

/** The usual hand-written node:net length-prefix parser (frames are views, not copies; `copy` copies them). */
function rawLengthDelimited(input: Buffer[], copy = false): number {
  let rest: Buffer | undefined;
  let frames = 0;
  for (const chunk of input) {
    const buf = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32BE(off);
      if (buf.length - off - 4 < len) break;
      const frame = copy ? Buffer.from(buf.subarray(off + 4, off + 4 + len)) : buf.subarray(off + 4, off + 4 + len);
      if (frame.length !== len) throw new Error('unreachable');
      frames++;
      off += 4 + len;
    }
    rest = off < buf.length ? buf.subarray(off) : undefined;
  }
  return frames;
}

/** Framed.next() over an in-memory reader: the per-frame cost of the async API on top of the codec. */
async function framedDecode(input: Buffer[], codec: Codec<unknown, unknown>): Promise<number> {
  let i = 0;
  let off = 0;
  const reader = {
    read(dst: Uint8Array): Promise<number> {
      const c = input[i];
      if (c === undefined) return Promise.resolve(0);
      const n = Math.min(dst.length, c.length - off);
      dst.set(c.subarray(off, off + n));
      off += n;
      if (off === c.length) {
        i++;
        off = 0;
      }
      return Promise.resolve(n);
    },
  };
  const framed = new Framed(reader, codec, { readSize: CHUNK });
  let frames = 0;
  while ((await framed.next()) !== undefined) frames++;
  return frames;
}

async function main(): Promise<void> {
  header('codec', `decode ${TOTAL / 1024 / 1024} MiB in ${CHUNK / 1024} KiB chunks; MB/s of input (higher is better)`);
  const lines = linesInput();
  const ld = ldInput();
  const check = (what: string, got: number, want: number): void => {
    if (got !== want) throw new Error(`${what}: decoded ${got} frames, expected ${want}`);
  };
  check('weft lines', weftDecode(lines.chunks, new LinesCodec()), lines.count);
  check('raw lines', rawLines(lines.chunks), lines.count);
  check('weft length-delimited', weftDecode(ld.chunks, new LengthDelimitedCodec()), ld.count);
  check('raw length-delimited', rawLengthDelimited(ld.chunks), ld.count);
  check('Framed lines', await framedDecode(lines.chunks, new LinesCodec()), lines.count);

  const mb = TOTAL / 1e6;
  const opts = { unit: 'ms' as const, warmup: pick(3, 1), samples: pick(9, 5) };
  // Framed.next() runs in the same interleaved group as the codec alone: its target is a ratio to it.
  const [wl, rl, fl] = await measureInterleaved(
    [
      { name: 'weft lines', fn: () => weftDecode(lines.chunks, new LinesCodec()) },
      { name: 'raw lines', fn: () => rawLines(lines.chunks) },
      { name: 'Framed lines', fn: () => framedDecode(lines.chunks, new LinesCodec()) },
    ],
    opts,
  );
  const [wd, rd, rdc, fd] = await measureInterleaved(
    [
      { name: 'weft ld', fn: () => weftDecode(ld.chunks, new LengthDelimitedCodec()) },
      { name: 'raw ld', fn: () => rawLengthDelimited(ld.chunks) },
      { name: 'raw ld, copying', fn: () => rawLengthDelimited(ld.chunks, true) },
      { name: 'Framed ld', fn: () => framedDecode(ld.chunks, new LengthDelimitedCodec()) },
    ],
    opts,
  );
  const rate = (ms: number): number => mb / (ms / 1000);
  const rows: Row[] = [
    ratioRow('lines decode (LinesCodec), MB/s', rate(wl!.median), rate(rl!.median), undefined, { unit: 'MB/s' }),
    ratioRow('length-delimited decode, MB/s', rate(wd!.median), rate(rd!.median), undefined, { unit: 'MB/s' }),
    ratioRow('length-delimited vs a baseline that copies frames', rate(wd!.median), rate(rdc!.median), undefined, {
      unit: 'MB/s',
    }),
    ratioRow('lines via Framed.next(), MB/s', rate(fl!.median), rate(rl!.median), undefined, { unit: 'MB/s' }),
    ratioRow('length-delimited via Framed.next(), MB/s', rate(fd!.median), rate(rd!.median), undefined, {
      unit: 'MB/s',
    }),
    ratioRow(
      'lines: Framed.next() vs LinesCodec alone',
      rate(fl!.median),
      rate(wl!.median),
      { min: 0.9 },
      {
        unit: 'MB/s',
      },
    ),
    ratioRow(
      'length-delimited: Framed.next() vs the codec alone',
      rate(fd!.median),
      rate(wd!.median),
      { min: 0.9 },
      {
        unit: 'MB/s',
      },
    ),
  ];
  printTable(rows);
  console.log(
    "\nhigher is better; the Framed-vs-codec rows carry issue 11's target, the others none (issue 5 asks for the comparison).",
  );
  console.log(
    `${lines.count.toLocaleString('en-US')} lines, ${ld.count.toLocaleString('en-US')} length-delimited frames per pass; ratio = weft / hand-written baseline`,
  );
}

await main();
