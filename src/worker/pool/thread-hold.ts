/**
 * Whether the pool keeps the process alive: while calls are outstanding, or
 * while someone waits for the threads to boot (`workersReady()`); otherwise an
 * idle pool lets the process exit.
 *
 * The threads themselves are always unref'd; one unref'd interval timer is the
 * hold, ref'd while it holds. Toggling a timer's ref costs a counter in the
 * common case (and at most one cheap handle call), where ref'ing and unref'ing
 * every thread cost two handle calls per thread and per direction: eight per
 * serial call with two workers.
 */
export class ThreadHold {
  readonly #token: NodeJS.Timeout = setInterval(noop, 2 ** 30).unref();
  #calls = false;
  #booting = false;

  /** True while it holds the process. */
  get on(): boolean {
    return this.#calls || this.#booting;
  }

  /** Calls are outstanding (`true`) or none is (`false`). */
  calls(on: boolean): void {
    if (this.#calls === on) return;
    this.#calls = on;
    this.#apply();
  }

  /** Someone waits (`true`) or no longer waits for the threads to boot. */
  booting(on: boolean): void {
    if (this.#booting === on) return;
    this.#booting = on;
    this.#apply();
  }

  /** The pool closed: nothing held, no timer left. */
  close(): void {
    clearInterval(this.#token);
  }

  #apply(): void {
    if (this.on) this.#token.ref();
    else this.#token.unref();
  }
}

function noop(): void {}
