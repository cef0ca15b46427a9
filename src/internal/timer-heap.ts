/** Something due at an instant on the runtime clock. */
export interface TimerEntry {
  deadline: number;
  /** Insertion order: entries due at the same instant fire in the order they were set. */
  seq: number;
  /** Position in the heap, -1 when not in it. */
  heapIndex: number;
  fire(): void;
}

function before(a: TimerEntry, b: TimerEntry): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}

/**
 * A binary min-heap of timers with O(log n) removal from the middle, so a
 * cancelled `sleep` or `timeout` leaves at once instead of lingering until its
 * deadline (a server setting one timeout per request cancels almost all of them).
 */
export class TimerHeap {
  #items: TimerEntry[] = [];
  #seq = 0;

  get size(): number {
    return this.#items.length;
  }

  peek(): TimerEntry | undefined {
    return this.#items[0];
  }

  push(entry: TimerEntry): void {
    entry.seq = this.#seq++;
    entry.heapIndex = this.#items.length;
    this.#items.push(entry);
    this.#up(entry.heapIndex);
  }

  pop(): TimerEntry | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  remove(entry: TimerEntry): void {
    const i = entry.heapIndex;
    const items = this.#items;
    if (i < 0 || items[i] !== entry) return;
    entry.heapIndex = -1;
    const last = items.pop()!;
    if (i === items.length) return;
    items[i] = last;
    last.heapIndex = i;
    this.#up(i);
    this.#down(last.heapIndex);
  }

  #up(i: number): void {
    const items = this.#items;
    const entry = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!before(entry, parent)) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    items[i] = entry;
    entry.heapIndex = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const entry = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(items[r]!, items[l]!)) c = r;
      const child = items[c]!;
      if (!before(child, entry)) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = entry;
    entry.heapIndex = i;
  }
}
