/**
 * A growable FIFO ring buffer: O(1) `push` and `shift` with no `Array.shift`
 * (which is O(n) once V8 leaves its fast path). The backing array's size is a
 * power of two so that a position is masked, not divided; it doubles when full
 * and never shrinks. A shifted slot is cleared so the buffer keeps no
 * reference to a value that has left it.
 */
export class RingBuffer<T> {
  #items: (T | undefined)[];
  #head = 0;
  #length = 0;
  #mask: number;

  /** @param initial slots to start with (rounded up to a power of two, at least 4) */
  constructor(initial = 16) {
    let size = 4;
    while (size < initial) size *= 2;
    this.#items = new Array<T | undefined>(size).fill(undefined);
    this.#mask = size - 1;
  }

  get length(): number {
    return this.#length;
  }

  get isEmpty(): boolean {
    return this.#length === 0;
  }

  /** Replaces the oldest value (for a partly consumed chunk). No-op when empty. */
  replaceHead(value: T): void {
    if (this.#length > 0) this.#items[this.#head] = value;
  }

  /** Appends `value` at the tail. */
  push(value: T): void {
    if (this.#length > this.#mask) this.#grow();
    this.#items[(this.#head + this.#length) & this.#mask] = value;
    this.#length++;
  }

  /** Removes and returns the oldest value (undefined when empty). */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const i = this.#head;
    const value = this.#items[i];
    this.#items[i] = undefined;
    this.#head = (i + 1) & this.#mask;
    this.#length--;
    return value;
  }

  /** The oldest value, left in place. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  /** The value `i` places from the head (0 = oldest). */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.#length) return undefined;
    return this.#items[(this.#head + i) & this.#mask];
  }

  /** Moves up to `limit` of the oldest values onto the end of `into`; returns how many. */
  moveInto(into: T[], limit: number): number {
    const n = limit < this.#length ? limit : this.#length;
    const items = this.#items;
    const mask = this.#mask;
    let i = this.#head;
    for (let k = 0; k < n; k++) {
      into.push(items[i] as T);
      items[i] = undefined;
      i = (i + 1) & mask;
    }
    this.#head = i;
    this.#length -= n;
    return n;
  }

  /** Removes every value, oldest first, handing each to `fn`. */
  drain(fn: (value: T) => void): void {
    while (this.#length > 0) fn(this.shift() as T);
  }

  /** Removes every value. */
  clear(): void {
    this.#items.fill(undefined);
    this.#head = 0;
    this.#length = 0;
  }

  #grow(): void {
    const old = this.#items;
    const size = old.length;
    const items = new Array<T | undefined>(size * 2).fill(undefined);
    for (let k = 0; k < size; k++) items[k] = old[(this.#head + k) & this.#mask];
    this.#items = items;
    this.#head = 0;
    this.#mask = size * 2 - 1;
  }
}
