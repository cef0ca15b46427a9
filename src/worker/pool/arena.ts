/**
 * The main thread's allocator for job payloads in the pool's shared arena.
 * Only the main thread allocates and frees; workers only read the bytes of
 * jobs they own. Blocks are powers of two (64 B up to `MAX_BLOCK`), kept on one
 * free list per size after use; fresh blocks come from a bump pointer. When
 * nothing is allocated, everything resets, so a mix of sizes cannot fragment
 * the arena for good.
 */
const MIN_CLASS = 6;
const MAX_CLASS = 20;
/** The largest payload kept in the arena; larger ones go to one worker by message. */
export const MAX_BLOCK = 1 << MAX_CLASS;

export class Arena {
  readonly size: number;
  #top = 0;
  #live = 0;
  readonly #free: number[][] = [];

  constructor(size: number) {
    this.size = size;
    for (let c = 0; c <= MAX_CLASS; c++) this.#free.push([]);
  }

  /** Size class of a payload of `len` bytes. */
  static classOf(len: number): number {
    return Math.max(MIN_CLASS, 32 - Math.clz32(Math.max(len, 1) - 1));
  }

  /** Offset of a block for `len` bytes, or -1 when the arena has no room now. */
  alloc(len: number): number {
    const c = Arena.classOf(len);
    if (c > MAX_CLASS) return -1;
    const list = this.#free[c]!;
    let at: number;
    if (list.length > 0) at = list.pop()!;
    else {
      const size = 1 << c;
      if (this.#top + size > this.size) return -1;
      at = this.#top;
      this.#top += size;
    }
    this.#live++;
    return at;
  }

  free(at: number, len: number): void {
    this.#free[Arena.classOf(len)]!.push(at);
    if (--this.#live === 0) {
      this.#top = 0;
      for (const list of this.#free) list.length = 0;
    }
  }
}
