import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { spawn } from 'weft';
import { BufReader } from 'weft/net';
import { Framed, LinesCodec } from 'weft/codec';
import { tcpPair } from './helpers.js';

type Op =
  | { kind: 'write'; size: number }
  | { kind: 'read'; size: number; abort: 'none' | 'before' | 'now' | 'soon' | 'task' }
  | { kind: 'readExact'; size: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), size: fc.integer({ min: 1, max: 3000 }) }),
  fc.record({
    kind: fc.constant('read' as const),
    size: fc.integer({ min: 1, max: 4000 }),
    abort: fc.constantFrom('none' as const, 'before' as const, 'now' as const, 'soon' as const, 'task' as const),
  }),
  fc.record({ kind: fc.constant('readExact' as const), size: fc.integer({ min: 1, max: 500 }) }),
);

const runs = Number(process.env['WEFT_NET_PROPERTY_RUNS'] ?? 40);

test('reads with random aborts never lose, duplicate or reorder bytes', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
      await using p = await tcpPair();
      let next = 0; // next byte value to write (mod 251)
      let written = 0;
      const received: number[] = [];
      const take = (buf: Uint8Array, n: number): void => {
        for (let i = 0; i < n; i++) received.push(buf[i]!);
      };
      for (const o of ops) {
        if (o.kind === 'write') {
          const buf = new Uint8Array(o.size);
          for (let i = 0; i < o.size; i++) buf[i] = next++ % 251;
          await p.client.writeAll(buf);
          written += o.size;
        } else if (o.kind === 'readExact') {
          if (written - received.length < o.size) continue; // would wait forever
          const buf = new Uint8Array(o.size);
          // Bounded: if bytes were lost, this fails instead of waiting forever.
          const ac = new AbortController();
          const timer = setTimeout(() => ac.abort(new Error('bytes that were written never arrived')), 2000);
          try {
            await p.server.readExact(buf, { signal: ac.signal });
          } finally {
            clearTimeout(timer);
          }
          take(buf, o.size);
        } else {
          const buf = new Uint8Array(o.size);
          const available = written - received.length;
          if (o.abort === 'task') {
            const t = spawn(() => p.server.read(buf));
            if (available === 0) t.abort();
            const n = await Promise.resolve(t).then(
              (v) => v,
              () => 0,
            );
            take(buf, n);
          } else if (o.abort === 'none') {
            if (available === 0) continue;
            take(buf, await p.server.read(buf));
          } else {
            const ac = new AbortController();
            if (o.abort === 'before') ac.abort();
            const reading = p.server.read(buf, { signal: ac.signal });
            if (o.abort === 'now') ac.abort();
            else setImmediate(() => ac.abort());
            const n = await reading.then(
              (v) => v,
              () => 0,
            );
            take(buf, n);
          }
        }
      }
      // Whatever was not read yet is still there, in order.
      await p.client.shutdown();
      const rest = new Uint8Array(65536);
      for (let n; (n = await p.server.read(rest)) > 0;) take(rest, n);
      assert.equal(received.length, written);
      for (let i = 0; i < received.length; i++) assert.equal(received[i], i % 251, `byte ${i}`);
    }),
    { numRuns: runs },
  );
});

test('BufReader.readLine and Framed.next with random aborts deliver every line exactly once', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          line: fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, '')),
          split: fc.nat(),
          abort: fc.boolean(),
        }),
        {
          maxLength: 15,
        },
      ),
      fc.boolean(),
      async (items, useFramed) => {
        await using p = await tcpPair();
        const reader = useFramed ? new Framed(p.server, new LinesCodec()) : new BufReader(p.server);
        const next = (signal?: AbortSignal): Promise<string | undefined> => {
          const options = signal === undefined ? undefined : { signal };
          return reader instanceof Framed ? reader.next(options) : reader.readLine(options);
        };
        const got: string[] = [];
        for (let i = 0; i < items.length; i++) {
          const { line, split, abort } = items[i]!;
          const bytes = new TextEncoder().encode(line + '\n');
          const cut = split % (bytes.length + 1);
          await p.client.writeAll(bytes.subarray(0, cut));
          if (abort) {
            const ac = new AbortController();
            const pending = next(ac.signal);
            setImmediate(() => ac.abort());
            const r = await pending.then(
              (v) => v,
              () => null,
            );
            if (r !== null && r !== undefined) got.push(r);
          }
          await p.client.writeAll(bytes.subarray(cut));
          if (got.length < i + 1) {
            const r = await next();
            if (r !== undefined) got.push(r);
          }
        }
        await p.client.shutdown();
        for (let r = await next(); r !== undefined; r = await next()) got.push(r);
        assert.deepEqual(
          got,
          items.map((i) => i.line),
        );
      },
    ),
    { numRuns: runs },
  );
});
