/**
 * Fuzz properties for every codec, shared by `fuzz.test.ts` (100,000 inputs in
 * `npm test`) and `scripts/fuzz-codecs.mjs` (1,000,000 inputs).
 *
 * Each property feeds bytes to a codec the way `Framed` does (append a chunk,
 * decode until it needs more, repeat; at the end `decodeEof`) and checks:
 * - the only exceptions are the codec's typed errors;
 * - the buffer stays bounded (by the codec's limit, not by the input);
 * - the frames and errors do not depend on how the input was split into reads
 *   (for short inputs, at every possible split point; otherwise random splits);
 * - encoding then decoding gives back the frames;
 * - an oversize length header fails after reading only the header.
 */
import fc from 'fast-check';
import {
  BytesBuffer,
  BytesCodec,
  FrameTooLargeError,
  LengthDelimitedCodec,
  LinesCodec,
  UnexpectedEofError,
  type Codec,
} from 'weft/codec';

type Event = string; // 'f:<hex or text>' for a frame, 'e:<Name>' for an error

interface Setup {
  make(): Codec<unknown, unknown>;
  /** After decode returned undefined, the buffer holds at most this many bytes. */
  bound: number;
  /** Errors that end decoding (the codec refuses to continue). */
  sticky: boolean;
}

const TYPED = [FrameTooLargeError, UnexpectedEofError];

function show(frame: unknown): string {
  if (frame instanceof Uint8Array)
    return `f:${Buffer.from(frame.buffer, frame.byteOffset, frame.length).toString('hex')}`;
  return `f:${JSON.stringify(frame)}`;
}

class UntypedError extends Error {}

/** Decodes `input` delivered as the given chunks; returns events, or throws UntypedError / a bound violation. */
export function decodeChunks(setup: Setup, chunks: Uint8Array[]): Event[] {
  const codec = setup.make();
  const buf = new BytesBuffer(16);
  const events: Event[] = [];
  const step = (eof: boolean): boolean => {
    for (let guard = 0; guard < 100_000; guard++) {
      let frame: unknown;
      try {
        frame = eof && codec.decodeEof !== undefined ? codec.decodeEof(buf) : codec.decode(buf);
      } catch (err) {
        if (!TYPED.some((T) => err instanceof T)) throw new UntypedError(`untyped error: ${String(err)}`);
        events.push(`e:${(err as Error).name}`);
        if (setup.sticky || eof) return false;
        continue;
      }
      if (frame === undefined) {
        if (!eof && buf.length > setup.bound) {
          throw new Error(`buffer holds ${buf.length} bytes after decode, bound ${setup.bound}`);
        }
        return true;
      }
      events.push(show(frame));
    }
    throw new Error('decode made no progress');
  };
  for (const chunk of chunks) {
    buf.write(chunk);
    if (!step(false)) return events;
  }
  if (buf.length > 0 || codec.decodeEof !== undefined) step(true);
  return events;
}

function split(input: Uint8Array, points: number[]): Uint8Array[] {
  const cuts = [...new Set(points.map((p) => p % (input.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of cuts) {
    out.push(input.subarray(prev, c));
    prev = c;
  }
  out.push(input.subarray(prev));
  return out;
}

// ---- generators ----

const lineBytes = fc
  .array(
    fc.oneof(
      { weight: 1, arbitrary: fc.constantFrom(10, 13) },
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 255 }) },
    ),
    {
      maxLength: 96,
    },
  )
  .map((a) => Uint8Array.from(a));
const anyBytes = fc.uint8Array({ maxLength: 96 });
const splitPoints = fc.array(fc.nat(), { maxLength: 12 });

const linesSetup = fc
  .integer({ min: 0, max: 24 })
  .map((max): Setup => ({ make: () => new LinesCodec({ maxLength: max }), bound: max, sticky: false }));
const ldSetup = fc
  .record({ field: fc.constantFrom<1 | 2 | 4 | 8>(1, 2, 4, 8), max: fc.integer({ min: 0, max: 40 }) })
  .map(({ field, max }): Setup => ({
    make: () => new LengthDelimitedCodec({ lengthFieldLength: field, maxFrameLength: max }),
    bound: field + max,
    sticky: true,
  }));
const bytesSetup = fc.constant<Setup>({ make: () => new BytesCodec(), bound: 0, sticky: false });

/** Valid encoded input for a codec: frames encoded with the codec's own encoder, as bytes. */
function encoded(make: () => Codec<unknown, unknown>, frames: unknown[]): Uint8Array {
  const codec = make();
  const dst = new BytesBuffer(0);
  for (const f of frames) codec.encode(f, dst);
  return dst.toUint8Array();
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), value: fc.constant(0) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), value: fc.constant(0) }),
);
type Mutation = { kind: 'flip' | 'insert' | 'delete' | 'truncate'; at: number; value: number };

function mutate(input: Uint8Array, muts: Mutation[]): Uint8Array {
  let bytes = Array.from(input);
  for (const m of muts) {
    const at = bytes.length === 0 ? 0 : m.at % bytes.length;
    if (m.kind === 'flip' && bytes.length > 0) bytes[at] = m.value;
    else if (m.kind === 'insert') bytes.splice(at, 0, m.value);
    else if (m.kind === 'delete') bytes.splice(at, 1);
    else if (m.kind === 'truncate') bytes = bytes.slice(0, at);
  }
  return Uint8Array.from(bytes);
}

/** Same events for the whole input, for random splits, and (short inputs) for every single split point. */
function splitInvariant(setup: Setup, input: Uint8Array, points: number[]): boolean {
  const whole = decodeChunks(setup, [input]).join('|');
  if (decodeChunks(setup, split(input, points)).join('|') !== whole) return false;
  if (input.length <= 24) {
    for (let i = 0; i <= input.length; i++) {
      if (decodeChunks(setup, [input.subarray(0, i), input.subarray(i)]).join('|') !== whole) return false;
    }
    // and one byte per read
    if (
      decodeChunks(
        setup,
        Array.from(input, (b) => Uint8Array.of(b)),
      ).join('|') !== whole
    )
      return false;
  }
  return true;
}

// BytesCodec's frames are the reads themselves, so it is checked by concatenation instead.
const setups = fc.oneof(linesSetup, ldSetup);

/** The properties and the share of the total inputs each gets. */
export const properties: { name: string; share: number; property: fc.IProperty<any> }[] = [
  {
    name: 'random bytes, random splits: only typed errors, bounded buffer, split-invariant',
    share: 0.3,
    property: fc.property(setups, fc.oneof(lineBytes, anyBytes), splitPoints, (setup, input, points) =>
      splitInvariant(setup, input, points),
    ),
  },
  {
    name: 'mutated valid line streams: only typed errors, bounded buffer, split-invariant',
    share: 0.2,
    property: fc.property(
      fc.integer({ min: 0, max: 24 }),
      fc.array(
        fc.string({ maxLength: 20 }).map((s) => s.replace(/\n/g, '')),
        { maxLength: 6 },
      ),
      fc.array(mutation, { maxLength: 4 }),
      splitPoints,
      (max, lines, muts, points) => {
        const setup: Setup = { make: () => new LinesCodec({ maxLength: max }), bound: max, sticky: false };
        const fitting = lines.filter((l) => Buffer.byteLength(l) <= max);
        return splitInvariant(setup, mutate(encoded(setup.make, fitting), muts), points);
      },
    ),
  },
  {
    name: 'mutated valid length-delimited streams: only typed errors, bounded buffer, split-invariant',
    share: 0.2,
    property: fc.property(
      ldSetup,
      fc.array(fc.uint8Array({ maxLength: 12 }), { maxLength: 5 }),
      fc.array(mutation, { maxLength: 4 }),
      splitPoints,
      (setup, frames, muts, points) => {
        const max = setup.bound - (setup.make() as LengthDelimitedCodec).lengthFieldLength;
        const fitting = frames.filter((f) => f.length <= max);
        return splitInvariant(setup, mutate(encoded(setup.make, fitting), muts), points);
      },
    ),
  },
  {
    name: 'encode then decode gives the frames back, however the bytes are split',
    share: 0.2,
    property: fc.property(
      fc.oneof(
        fc
          .array(
            fc.string({ maxLength: 16 }).map((s) => s.replace(/[\r\n]/g, '')),
            { maxLength: 6 },
          )
          .map((frames) => ({
            make: (): Codec<unknown, unknown> => new LinesCodec(),
            frames: frames as unknown[],
            shown: frames.map(show),
          })),
        fc
          .record({
            field: fc.constantFrom<1 | 2 | 4 | 8>(1, 2, 4, 8),
            frames: fc.array(fc.uint8Array({ maxLength: 24 }), { maxLength: 6 }),
          })
          .map(({ field, frames }) => ({
            make: (): Codec<unknown, unknown> => new LengthDelimitedCodec({ lengthFieldLength: field }),
            frames: frames as unknown[],
            shown: frames.map(show),
          })),
      ),
      splitPoints,
      ({ make, frames, shown }, points) => {
        const bytes = encoded(make, frames);
        const got = decodeChunks({ make, bound: Infinity, sticky: true }, split(bytes, points));
        return got.join('|') === shown.join('|');
      },
    ),
  },
  {
    name: 'an oversize length header fails with FrameTooLargeError after reading only the header',
    share: 0.05,
    property: fc.property(
      fc.constantFrom<1 | 2 | 4 | 8>(1, 2, 4, 8),
      fc.integer({ min: 0, max: 200 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (field, max, t) => {
        const limit = field === 8 ? 2 ** 64 - 1 : 2 ** (8 * field) - 1;
        const effectiveMax = Math.min(max, limit);
        if (effectiveMax >= limit) return true;
        const declared = BigInt(effectiveMax + 1) + BigInt(Math.floor(t * Math.min(limit - effectiveMax - 1, 2 ** 52)));
        const header = new Uint8Array(field);
        let v = declared;
        for (let i = field - 1; i >= 0; i--) {
          header[i] = Number(v & 0xffn);
          v >>= 8n;
        }
        const codec = new LengthDelimitedCodec({ lengthFieldLength: field, maxFrameLength: max });
        const buf = new BytesBuffer(0);
        for (let i = 0; i < field - 1; i++) {
          buf.writeUint8(header[i]!);
          if (codec.decode(buf) !== undefined) return false; // header incomplete: just waits
        }
        buf.writeUint8(header[field - 1]!);
        try {
          codec.decode(buf);
          return false;
        } catch (e) {
          return e instanceof FrameTooLargeError && buf.length === field && buf.capacity < 1024;
        }
      },
    ),
  },
  {
    name: 'BytesCodec returns the input bytes, in order, however they are split',
    share: 0.05,
    property: fc.property(bytesSetup, anyBytes, splitPoints, (setup, input, points) => {
      const events = decodeChunks(setup, split(input, points));
      const hex = events.map((e) => e.slice(2)).join('');
      return hex === Buffer.from(input).toString('hex');
    }),
  },
];

/** Runs every property with its share of `total` inputs; returns the inputs run per property. */
export function runProperties(total: number, log?: (line: string) => void, seed?: number): number {
  let ran = 0;
  for (const { name, share, property } of properties) {
    const numRuns = Math.max(1, Math.round(total * share));
    const t0 = performance.now();
    fc.assert(property, { numRuns, ...(seed === undefined ? {} : { seed }) });
    ran += numRuns;
    log?.(`${numRuns.toLocaleString('en-US')} inputs in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${name}`);
  }
  return ran;
}
