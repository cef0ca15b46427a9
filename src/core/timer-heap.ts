/** Something due at an instant on the runtime clock. */
export interface TimerEntry {
  /** Must not change while the entry is pending: remove it, change it, add it again. */
  deadline: number;
  /** The timers' own bookkeeping: >= 0 while pending, -1 otherwise. */
  heapIndex: number;
  fire(): void;
}

/**
 * The timers whose deadline falls in the whole millisecond (key - 1, key]: a
 * doubly linked list through the slots of the `TimerHeap`, in (deadline,
 * insertion) order once `sorted`. Timers added in that order (the usual case:
 * same delay, increasing start) are appended; one added out of order is
 * appended too and marks the list unsorted, to be sorted once, when its first
 * entry is asked for.
 */
class Bucket {
  head = -1;
  tail = -1;
  count = 0;
  sorted = true;
  /** Position in the heap of buckets. */
  index = -1;
  constructor(readonly key: number) {}
}

/** Bins per millisecond for sorting a bucket. */
const SUB = 256;

/** The bin of a deadline's fraction `x` of its millisecond, in (0, 1]: monotonic in x. */
function bin(x: number): number {
  const s = Math.floor(x * SUB);
  return s < 0 ? 0 : s >= SUB ? SUB - 1 : s;
}

/** Work arrays for sorting a bucket (sorting is synchronous, so one set serves every clock). */
const scratch = {
  starts: new Int32Array(SUB + 1),
  order: new Int32Array(0),
  when: new Float64Array(0),
  /** Room for n entries (0: let a large burst's arrays go). */
  grow(n: number): void {
    this.order = new Int32Array(n * 2);
    this.when = new Float64Array(n * 2);
  },
};

const MIN_SLOTS = 64;
/** Slots kept when the last timer leaves; a larger burst's arrays are let go. */
const KEEP_SLOTS = 1024;

/**
 * Every pending timer of a clock: one bucket per whole millisecond of deadline
 * (as Node keeps one list per duration), the buckets in a binary min-heap on
 * their millisecond. Adding a timer to a millisecond that already has one is a
 * list append, firing a bucket is a list walk, and cancelling unlinks in O(1),
 * so a server that sets a timeout per request and cancels almost all of them
 * pays next to nothing for those.
 *
 * The order is exactly that of a heap on (deadline, insertion): buckets hold
 * disjoint ranges of deadlines, and a bucket is in (deadline, insertion) order
 * before its first entry is taken.
 *
 * The list links live in two `Int32Array`s indexed by slot (an entry's slot is
 * its `heapIndex`), and the entries in one array of slots: a few large objects
 * for the garbage collector instead of one small growing array per bucket,
 * which costs far more to scavenge when 100,000 timers are set in one go.
 */
export class TimerHeap {
  #heap: Bucket[] = [];
  #byKey = new Map<number, Bucket>();
  #slots: (TimerEntry | undefined)[] = [];
  #next = new Int32Array(MIN_SLOTS);
  #prev = new Int32Array(MIN_SLOTS);
  /** Each slot's deadline, so that ordering never has to visit the entries. */
  #when = new Float64Array(MIN_SLOTS);
  /** Free slots, linked through #next. */
  #free = -1;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The whole millisecond the first entry is due in (its deadline rounded up); Infinity when empty. */
  get nextKey(): number {
    return this.#heap[0]?.key ?? Infinity;
  }

  /** The entry due first, or undefined. */
  peek(): TimerEntry | undefined {
    const b = this.#heap[0];
    if (b === undefined) return undefined;
    if (!b.sorted) this.#sort(b);
    return this.#slots[b.head];
  }

  push(entry: TimerEntry): void {
    const key = Math.ceil(entry.deadline);
    let b = this.#byKey.get(key);
    if (b === undefined) {
      b = new Bucket(key);
      this.#byKey.set(key, b);
      b.index = this.#heap.length;
      this.#heap.push(b);
      this.#up(b.index);
    }
    const i = this.#alloc();
    const d = entry.deadline;
    this.#slots[i] = entry;
    this.#when[i] = d;
    entry.heapIndex = i;
    const next = this.#next;
    const prev = this.#prev;
    const when = this.#when;
    if (b.head < 0) {
      next[i] = prev[i] = -1;
      b.head = b.tail = i;
    } else if (b.sorted && d < when[b.head]!) {
      // A new earliest one (a shorter sleep set later): still in order at the front.
      next[i] = b.head;
      prev[i] = -1;
      prev[b.head] = i;
      b.head = i;
    } else {
      if (d < when[b.tail]!) b.sorted = false;
      next[i] = -1;
      prev[i] = b.tail;
      next[b.tail] = i;
      b.tail = i;
    }
    b.count++;
    this.#size++;
  }

  /** Removes and returns the entry due first, if its deadline is at or before `now`. */
  popDue(now: number): TimerEntry | undefined {
    const b = this.#heap[0];
    if (b === undefined || b.key - 1 >= now) return undefined;
    if (!b.sorted) this.#sort(b);
    if (this.#when[b.head]! > now) return undefined;
    const e = this.#slots[b.head]!;
    this.#unlink(b, e);
    return e;
  }

  /** Removes a pending entry (no-op for one that is not). */
  remove(entry: TimerEntry): void {
    const i = entry.heapIndex;
    if (i < 0 || this.#slots[i] !== entry) return;
    this.#unlink(this.#byKey.get(Math.ceil(this.#when[i]!))!, entry);
  }

  #unlink(b: Bucket, e: TimerEntry): void {
    const i = e.heapIndex;
    const next = this.#next;
    const prev = this.#prev;
    const n = next[i]!;
    const p = prev[i]!;
    if (p < 0) b.head = n;
    else next[p] = n;
    if (n < 0) b.tail = p;
    else prev[n] = p;
    e.heapIndex = -1;
    this.#slots[i] = undefined;
    next[i] = this.#free;
    this.#free = i;
    this.#size--;
    if (--b.count === 0) this.#drop(b);
    if (this.#size === 0 && this.#slots.length > KEEP_SLOTS) this.#shrink();
  }

  #alloc(): number {
    const i = this.#free;
    if (i >= 0) {
      this.#free = this.#next[i]!;
      return i;
    }
    const slot = this.#slots.length;
    this.#slots.push(undefined);
    if (slot === this.#next.length) {
      const next = new Int32Array(slot * 2);
      next.set(this.#next);
      this.#next = next;
      const prev = new Int32Array(slot * 2);
      prev.set(this.#prev);
      this.#prev = prev;
      const when = new Float64Array(slot * 2);
      when.set(this.#when);
      this.#when = when;
    }
    return slot;
  }

  /** No timer left: give back the memory of the last burst. */
  #shrink(): void {
    this.#slots = [];
    this.#next = new Int32Array(MIN_SLOTS);
    this.#prev = new Int32Array(MIN_SLOTS);
    this.#when = new Float64Array(MIN_SLOTS);
    this.#free = -1;
  }

  /**
   * Puts a bucket in (deadline, insertion) order by relinking its slots: a
   * stable counting sort on the deadline's fraction of the millisecond (SUB
   * bins), then an insertion sort that only moves entries within their bin.
   * Its list is in insertion order wherever deadlines are equal, and both
   * passes are stable, so equal deadlines keep it.
   */
  #sort(b: Bucket): void {
    const next = this.#next;
    const prev = this.#prev;
    const deadline = this.#when;
    const base = b.key - 1;
    const starts = scratch.starts.fill(0);
    let n = 0;
    for (let i = b.head; i >= 0; i = next[i]!) {
      starts[bin(deadline[i]! - base) + 1]!++;
      n++;
    }
    for (let s = 1; s <= SUB; s++) starts[s]! += starts[s - 1]!;
    if (scratch.order.length < n) scratch.grow(n);
    const order = scratch.order;
    const when = scratch.when;
    for (let i = b.head; i >= 0; i = next[i]!) {
      const d = deadline[i]!;
      const at = starts[bin(d - base)]!++;
      order[at] = i;
      when[at] = d;
    }
    for (let j = 1; j < n; j++) {
      const i = order[j]!;
      const d = when[j]!;
      let k = j - 1;
      for (; k >= 0 && when[k]! > d; k--) {
        order[k + 1] = order[k]!;
        when[k + 1] = when[k]!;
      }
      order[k + 1] = i;
      when[k + 1] = d;
    }
    let p = -1;
    for (let j = 0; j < n; j++) {
      const i = order[j]!;
      prev[i] = p;
      if (p < 0) b.head = i;
      else next[p] = i;
      p = i;
    }
    next[p] = -1;
    b.tail = p;
    b.sorted = true;
    if (order.length > 4096) scratch.grow(0);
  }

  #drop(b: Bucket): void {
    this.#byKey.delete(b.key);
    const heap = this.#heap;
    const i = b.index;
    b.index = -1;
    const last = heap.pop()!;
    if (last === b) return;
    heap[i] = last;
    last.index = i;
    this.#up(i);
    this.#down(last.index);
  }

  #up(i: number): void {
    const heap = this.#heap;
    const b = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p]!;
      if (parent.key <= b.key) break;
      heap[i] = parent;
      parent.index = i;
      i = p;
    }
    heap[i] = b;
    b.index = i;
  }

  #down(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const b = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && heap[r]!.key < heap[l]!.key) c = r;
      const child = heap[c]!;
      if (child.key >= b.key) break;
      heap[i] = child;
      child.index = i;
      i = c;
    }
    heap[i] = b;
    b.index = i;
  }
}
