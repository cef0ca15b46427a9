import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TimerHeap, type TimerEntry } from '../../src/core/timer-heap.js';

class Entry implements TimerEntry {
  heapIndex = -1;
  constructor(
    public deadline: number,
    readonly id: number,
  ) {}
  fire(): void {}
}

function drain(heap: TimerHeap, now: number): number[] {
  const out: number[] = [];
  for (let e = heap.popDue(now); e !== undefined; e = heap.popDue(now)) out.push((e as Entry).id);
  return out;
}

void test('timers at the same millisecond come out in the order they were added', () => {
  const heap = new TimerHeap();
  const entries = Array.from({ length: 10_000 }, (_, i) => new Entry(100, i));
  for (const e of entries) heap.push(e);
  assert.equal(heap.size, 10_000);
  assert.equal(heap.nextKey, 100);
  assert.deepEqual(drain(heap, 99.999), []);
  assert.deepEqual(
    drain(heap, 100),
    entries.map((e) => e.id),
  );
  assert.equal(heap.size, 0);
  assert.equal(heap.nextKey, Infinity);
  assert.ok(entries.every((e) => e.heapIndex === -1));
});

void test('inside one millisecond, timers come out in deadline order, then insertion order', () => {
  const heap = new TimerHeap();
  const deadlines = [10.9, 10.2, 10.5, 10.2, 10.05, 10.9, 10.5, 9.5, 11];
  const entries = deadlines.map((d, i) => new Entry(d, i));
  for (const e of entries) heap.push(e);
  assert.equal(heap.peek(), entries[7]);
  assert.deepEqual(drain(heap, 10.3), [7, 4, 1, 3]);
  assert.deepEqual(drain(heap, 10.9), [2, 6, 0, 5]);
  assert.deepEqual(drain(heap, 20), [8]);
});

void test('a timer removed from the middle of a bucket leaves at once; the rest keep their order', () => {
  const heap = new TimerHeap();
  const entries = Array.from({ length: 7 }, (_, i) => new Entry(50, i));
  for (const e of entries) heap.push(e);
  heap.remove(entries[3]!);
  heap.remove(entries[3]!); // a second removal is a no-op
  assert.equal(entries[3]!.heapIndex, -1);
  assert.equal(heap.size, 6);
  heap.remove(entries[0]!);
  heap.remove(entries[6]!);
  assert.deepEqual(drain(heap, 50), [1, 2, 4, 5]);
});

void test('removing every timer of a millisecond drops its bucket; re-adding puts a timer last', () => {
  const heap = new TimerHeap();
  const a = new Entry(5, 0);
  const b = new Entry(5, 1);
  const c = new Entry(8, 2);
  heap.push(a);
  heap.push(b);
  heap.push(c);
  heap.remove(a);
  heap.remove(b);
  assert.equal(heap.nextKey, 8);
  heap.push(a);
  heap.push(b);
  heap.remove(a);
  heap.push(a); // now added after b
  assert.deepEqual(drain(heap, 10), [1, 0, 2]);
});

void test('a burst of timers gives its memory back and the heap keeps working after it', () => {
  const heap = new TimerHeap();
  const burst = Array.from({ length: 5000 }, (_, i) => new Entry(1 + (i % 37) + (i % 3) / 4, i));
  for (const e of burst) heap.push(e);
  for (const e of burst) if (e.id % 2 === 0) heap.remove(e);
  assert.equal(drain(heap, 1000).length, 2500);
  heap.push(new Entry(3, 1));
  heap.push(new Entry(2, 2));
  assert.deepEqual(drain(heap, 3), [2, 1]);
});

type Op =
  | { kind: 'add'; ms: number; frac: number }
  | { kind: 'remove'; pick: number }
  | { kind: 'peek' }
  | { kind: 'advance'; by: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      ms: fc.integer({ min: -1, max: 6 }),
      // Whole, simple and arbitrary fractions: many equal deadlines, and out-of-order ones in one ms.
      frac: fc.oneof(
        fc.constantFrom(0, 0.25, 0.5, 0.75),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('peek' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), by: fc.double({ min: 0, max: 3, noNaN: true }) }),
  },
);

void test('property: the bucket heap fires exactly as a heap on (deadline, insertion order)', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const heap = new TimerHeap();
      // The model: pending entries in insertion order.
      let pending: Entry[] = [];
      const first = (): Entry | undefined =>
        pending.reduce<Entry | undefined>((m, e) => (m === undefined || e.deadline < m.deadline ? e : m), undefined);
      let now = 0;
      let id = 0;
      for (const o of ops) {
        if (o.kind === 'add') {
          const e = new Entry(now + o.ms + o.frac, id++);
          heap.push(e);
          pending.push(e);
        } else if (o.kind === 'remove') {
          if (pending.length === 0) continue;
          const e = pending[o.pick % pending.length]!;
          heap.remove(e);
          pending = pending.filter((x) => x !== e);
          assert.equal(e.heapIndex, -1);
        } else if (o.kind === 'peek') {
          assert.equal(heap.peek(), first());
        } else {
          now += o.by;
          const expected: number[] = [];
          for (let e = first(); e !== undefined && e.deadline <= now; e = first()) {
            expected.push(e.id);
            pending = pending.filter((x) => x !== e);
          }
          assert.deepEqual(drain(heap, now), expected);
        }
        assert.equal(heap.size, pending.length);
        assert.ok(pending.every((e) => e.heapIndex >= 0));
      }
      assert.deepEqual(
        drain(heap, Infinity),
        [...pending].sort((a, b) => a.deadline - b.deadline || a.id - b.id).map((e) => e.id),
      );
    }),
    { numRuns: 500 },
  );
});
