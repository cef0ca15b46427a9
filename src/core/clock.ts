import { performance } from 'node:perf_hooks';
import { TimerHeap, type TimerEntry } from './timer-heap.js';
import { scheduler } from './scheduler.js';

/** The longest delay a Node timer takes (2^31 - 1 ms, about 24.8 days); a longer deadline is reached in steps of at most this. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** How far ahead an idle Node timer may be kept armed (unref'd) for reuse, in ms. */
const IDLE_KEEP = 60_000;

/**
 * A runtime's clock and its timer driver: every weft timer (sleeps, intervals,
 * timeouts) is an entry in one `TimerHeap` (a heap of per-millisecond
 * buckets), and one Node timer at a time is armed for the earliest deadline.
 * Timers fire in deadline order, then in the order they were set; on the real
 * clock, what they woke runs before the next millisecond's timers fire. With
 * no weft timer pending, no Node timer holds the process open (one may stay
 * armed, unref'd, for reuse: see `#idle`), so weft never keeps the process
 * alive by itself.
 *
 * Paused, the clock stands still: it moves only through `advance()` or, when the
 * program is idle (a whole macrotask turn passed with no weft activity) and a
 * timer is pending, by jumping to the next deadline (auto-advance, as Tokio's
 * paused clock does). Tests of hours of intervals then run in milliseconds and
 * give the same result every run.
 */
export class Clock {
  readonly timers = new TimerHeap();
  #offset = 0;
  #paused = false;
  #frozenAt = 0;
  #nodeTimer: NodeJS.Timeout | undefined = undefined;
  #armedFor = Infinity;
  /** The Node timer is armed but unref'd: the heap emptied before it fired (see `remove`). */
  #idleArmed = false;
  #autoAdvance: NodeJS.Immediate | undefined = undefined;
  #activityMark = 0;
  #manualAdvance = 0;
  /** The Node timer fired and due timers are being fired, one millisecond at a time. */
  #draining = false;
  #drainNow = 0;

  /** Monotonic milliseconds (virtual while paused). */
  now(): number {
    return this.#paused ? this.#frozenAt : performance.now() + this.#offset;
  }

  /** `now()` for a `performance.now()` reading the caller already has (saves a second clock read). */
  nowFrom(perf: number): number {
    return this.#paused ? this.#frozenAt : perf + this.#offset;
  }

  get paused(): boolean {
    return this.#paused;
  }

  pause(): void {
    if (this.#paused) throw new RangeError('pause(): the clock is already paused (pause() does not nest)');
    // A whole number, so that whole-ms sleeps and advances add up exactly
    // (fractional performance.now() values would drift: 0.1 + 0.2 !== 0.3).
    this.#frozenAt = Math.ceil(this.now());
    this.#paused = true;
    this.#disarm();
    this.#schedule();
  }

  resume(): void {
    if (!this.#paused) throw new RangeError('resume(): the clock is not paused');
    this.#offset = this.#frozenAt - performance.now();
    this.#paused = false;
    this.#cancelAutoAdvance();
    this.#schedule();
  }

  /**
   * Moves a paused clock forward by `ms`, firing the timers due on the way in
   * deadline order and letting woken tasks run (one macrotask turn) after each instant.
   */
  advance(ms: number): Promise<void> {
    // Not async: bad input throws synchronously, as everywhere in weft.
    if (typeof ms !== 'number') throw new TypeError(`advance(): ms must be a number of milliseconds, got ${typeof ms}`);
    if (Number.isNaN(ms) || ms < 0 || ms === Infinity) {
      throw new RangeError(`advance(): expected a finite duration >= 0 in ms, got ${String(ms)}`);
    }
    if (!this.#paused) throw new RangeError('advance(): the clock is not paused (call pause() first)');
    return this.#advance(ms);
  }

  async #advance(ms: number): Promise<void> {
    this.#manualAdvance++;
    try {
      // Let tasks that are ready (just spawned, just woken) run and set their timers first.
      await turn();
      const target = this.#frozenAt + ms;
      for (;;) {
        const next = this.timers.peek();
        if (next === undefined || next.deadline > target) break;
        this.#frozenAt = Math.max(this.#frozenAt, next.deadline);
        this.#fireDue();
        await turn();
      }
      this.#frozenAt = Math.max(this.#frozenAt, target);
      await turn();
    } finally {
      this.#manualAdvance--;
      this.#schedule();
    }
  }

  /** Adds a timer. Its `fire()` runs once the clock reaches its deadline. */
  add(entry: TimerEntry): void {
    this.timers.push(entry);
    // Only an entry due before whatever is armed needs a new arming.
    if (this.#paused ? this.#autoAdvance === undefined : entry.deadline < this.#armedFor) this.#schedule();
    else this.#reuseIdle(); // the armed (maybe idle) timer fires first
  }

  /** Removes a timer that has not fired (no-op otherwise). */
  remove(entry: TimerEntry): void {
    this.timers.remove(entry);
    if (this.timers.size === 0) {
      this.#idle();
      this.#cancelAutoAdvance();
    }
  }

  /** A timer is pending again: an idle Node timer holds the process open again, as any pending timer does. */
  #reuseIdle(): void {
    if (!this.#idleArmed) return;
    this.#nodeTimer!.ref();
    this.#idleArmed = false;
  }

  /**
   * The last timer left before its deadline (an ask answered, a timeout whose
   * work finished). Clearing the Node timer and arming a new one for the next
   * such timer costs a `setTimeout` and a `clearTimeout` each time (about
   * 600 ns, more than the rest of an ask): when it is due within
   * {@link IDLE_KEEP} ms it stays armed, unref'd so it holds nothing open,
   * and a later timer due no earlier reuses it; when it fires it finds
   * nothing due and arms nothing.
   */
  #idle(): void {
    const timer = this.#nodeTimer;
    if (timer === undefined) return;
    if (this.#armedFor - this.now() > IDLE_KEEP) this.#disarm();
    else if (!this.#idleArmed) {
      timer.unref();
      this.#idleArmed = true;
    }
  }

  /** Stops driving timers (runtime shut down). Pending entries stay where they are. */
  close(): void {
    this.#draining = false;
    this.#disarm();
    this.#cancelAutoAdvance();
  }

  #fireDue(): void {
    const now = this.now();
    for (let e = this.timers.popDue(now); e !== undefined; e = this.timers.popDue(now)) e.fire();
  }

  /** Arms whatever drives the next timer: a Node timer, or auto-advance while paused. */
  #schedule(): void {
    if (this.#draining) return; // #drain arms the next one when it is done
    const top = this.timers.peek();
    if (top === undefined) {
      this.#disarm();
      this.#cancelAutoAdvance();
      return;
    }
    if (this.#paused) {
      if (this.#autoAdvance === undefined && this.#manualAdvance === 0) {
        this.#activityMark = scheduler.activity;
        this.#autoAdvance = setImmediate(this.#onIdle);
      }
      return;
    }
    if (this.#nodeTimer !== undefined && this.#armedFor <= top.deadline) {
      this.#reuseIdle();
      return;
    }
    this.#disarm();
    const now = this.now();
    const delay = Math.max(0, Math.ceil(top.deadline - now));
    if (delay > MAX_TIMER_DELAY) {
      // Node clamps a longer delay to 1 ms (with a TimeoutOverflowWarning): arm
      // the longest step instead; #drain finds nothing due then and re-arms.
      this.#armedFor = now + MAX_TIMER_DELAY;
      this.#nodeTimer = setTimeout(this.#onTimer, MAX_TIMER_DELAY);
    } else {
      this.#armedFor = top.deadline;
      this.#nodeTimer = setTimeout(this.#onTimer, delay);
    }
  }

  #disarm(): void {
    if (this.#nodeTimer !== undefined) {
      clearTimeout(this.#nodeTimer);
      this.#nodeTimer = undefined;
      this.#armedFor = Infinity;
      this.#idleArmed = false;
    }
  }

  #cancelAutoAdvance(): void {
    if (this.#autoAdvance !== undefined) {
      clearImmediate(this.#autoAdvance);
      this.#autoAdvance = undefined;
    }
  }

  #onTimer = (): void => {
    this.#nodeTimer = undefined;
    this.#armedFor = Infinity;
    this.#idleArmed = false;
    this.#drainNow = this.now();
    this.#draining = true;
    this.#drain();
  };

  /**
   * Fires the timers due at the Node timer's turn one millisecond (bucket) at a
   * time, and lets the continuations they woke run (the microtasks queued so
   * far) before the next millisecond, as Node runs microtasks after each timer
   * callback: a sleep resumes as soon as its own millisecond has fired, not
   * after every timer due in this turn has, and code woken at one millisecond
   * can still cancel a timer of the next before it fires.
   */
  #drain = (): void => {
    if (!this.#draining) return; // closed meanwhile
    let more = false;
    try {
      if (this.#paused) return; // paused meanwhile: advance() and auto-advance fire the rest
      const timers = this.timers;
      const now = this.#drainNow;
      const key = timers.nextKey;
      for (let e = timers.popDue(now); e !== undefined;) {
        e.fire();
        if (timers.nextKey !== key) break;
        e = timers.popDue(now);
      }
      const top = timers.peek();
      more = top !== undefined && top.deadline <= now;
      if (more) queueMicrotask(this.#drain);
    } finally {
      if (!more) {
        this.#draining = false;
        this.#schedule();
      }
    }
  };

  #onIdle = (): void => {
    this.#autoAdvance = undefined;
    if (!this.#paused || this.#manualAdvance > 0) return;
    const top = this.timers.peek();
    if (top === undefined) return;
    // Something ran during the last turn: the program is not idle yet.
    if (scheduler.activity !== this.#activityMark) {
      this.#schedule();
      return;
    }
    this.#frozenAt = Math.max(this.#frozenAt, top.deadline);
    this.#fireDue();
    this.#schedule();
  };
}

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
