import { RESOLVED, newPromise, noop } from '../core/promise.js';
import type { Task } from '../task/task.js';
import { sleep } from '../time/sleep.js';
import { unboundedChannel, type UnboundedSender } from '../sync/mpsc/unbounded.js';
import type { Receiver } from '../sync/mpsc/receiver.js';
import { ActorRef } from './actor-ref.js';
import { isNormalReason } from './behavior.js';
import { BackoffState, checkChildSpec, checkLimits, SHUTDOWN_TIMEOUT, type ChildSpec } from './child-spec.js';
import { SupervisorGaveUpError } from './errors.js';
import { LocalActor, Phase, type ChildParent } from './local-actor.js';
import { RemoteCell } from './remote-actor.js';
import { systemOf, type ActorSystem } from './system.js';

/** A supervisor as returned by `supervisor()`. */
export interface Supervisor {
  /** The actor running now as child `id` (a restart in place keeps the ref; a fresh start makes a new one), or undefined. */
  ref(id: string): ActorRef<any> | undefined;
  /** The child running now as `id`: an actor's ref or a nested supervisor. */
  child(id: string): ActorRef<any> | Supervisor | undefined;
  /** Restarts this supervisor has made so far. */
  readonly restarts: number;
  /** Stops the children (in reverse start order, each within its `shutdown`), then the supervisor. Idempotent. */
  stop(): Promise<void>;
  /** Resolves with why the supervisor ended: `'normal'` (stopped), `'shutdown'` (by its parent or the runtime), or a `SupervisorGaveUpError`. */
  stopped(): Promise<unknown>;
}

/** What a supervisor is to a nested supervisor (its `Child` record in the parent). */
interface SupParent {
  childFailed(sup: SupervisorImpl, reason: unknown, generation: number): void;
  childStopped(sup: SupervisorImpl, reason: unknown): void;
}

type Event =
  | { type: 'failed'; child: Child; handle: object | undefined; reason: unknown; generation: number }
  | { type: 'stopped'; child: Child; handle: object | undefined; reason: unknown }
  | { type: 'start'; child: Child }
  | { type: 'stop'; reason: unknown };

type Spec = ReturnType<typeof checkChildSpec>;

/** An actor a supervisor restarts in place: here (`LocalActor`) or on a worker thread (`RemoteCell`). */
type Cell = LocalActor<any, any> | RemoteCell<any>;

function isCell(backend: object): backend is Cell {
  return backend instanceof LocalActor || backend instanceof RemoteCell;
}

/** One child of a supervisor: its spec, what runs now, its backoff. It is the parent its actor (or nested supervisor) reports to. */
class Child implements ChildParent, SupParent {
  kind: 'cell' | 'supervisor' | 'ref' | undefined = undefined;
  /** What runs now (an actor cell, a SupervisorImpl, or another backend); undefined when not running. */
  handle: object | undefined = undefined;
  cell: Cell | undefined = undefined;
  sup: SupervisorImpl | undefined = undefined;
  ref: ActorRef<any> | undefined = undefined;
  token: object | undefined = undefined;
  readonly backoff: BackoffState | undefined;

  constructor(
    readonly owner: SupervisorImpl,
    readonly spec: Spec,
  ) {
    this.backoff = spec.backoff === undefined ? undefined : new BackoffState(spec.backoff);
  }

  childFailed(handle: object, reason: unknown, generation: number): void {
    this.owner.post({ type: 'failed', child: this, handle, reason, generation });
  }

  childStopped(handle: object, reason: unknown): void {
    this.owner.post({ type: 'stopped', child: this, handle, reason });
  }

  get supervisorLabel(): string {
    return this.owner.label;
  }

  get shutdown(): number | 'brutal' {
    return this.spec.shutdown ?? (this.kind === 'supervisor' ? Infinity : SHUTDOWN_TIMEOUT);
  }

  get label(): string {
    return `${this.spec.id}${this.cell !== undefined && this.handle === this.cell ? ` (actor ${this.cell.id})` : ''}`;
  }
}

/** Resolves true if `work` settled within `ms` (on the runtime clock), false on timeout. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms === Infinity) {
    await work;
    return true;
  }
  const timer = new AbortController();
  const timedOut = await Promise.race([
    work.then(() => false),
    sleep(ms, { signal: timer.signal }).then(
      () => true,
      () => false,
    ),
  ]);
  timer.abort();
  return !timedOut;
}

/** The supervisor behind `supervisor()`: a weft task that starts the children and handles their exits one event at a time. */
export class SupervisorImpl implements Supervisor {
  readonly name: string | undefined;
  readonly strategy: 'one-for-one' | 'one-for-all' | 'rest-for-one';
  readonly intensity: number;
  readonly period: number;
  parent: SupParent | undefined = undefined;
  readonly #children: Child[];
  readonly #tx: UnboundedSender<Event>;
  readonly #rx: Receiver<Event>;
  readonly #system: ActorSystem;
  readonly #task: Task;
  /** When the restarts that count toward `intensity` happened, oldest first (from `#timesHead`). */
  #times: number[] = [];
  #timesHead = 0;
  #restarts = 0;
  #phase: 'starting' | 'running' | 'stopped' = 'starting';
  #final: unknown = undefined;
  #stopped: { promise: Promise<unknown>; resolve: ((v: unknown) => void) | undefined; reject: unknown };
  #started: (() => void)[] | undefined = undefined;
  #later = new Set<AbortController>();

  constructor(spec: Parameters<typeof supervisor>[0]) {
    if (typeof spec !== 'object' || spec === null) throw new TypeError('supervisor: spec must be an object');
    const { strategy } = spec;
    if (strategy !== 'one-for-one' && strategy !== 'one-for-all' && strategy !== 'rest-for-one') {
      throw new TypeError("supervisor: strategy must be 'one-for-one', 'one-for-all' or 'rest-for-one'");
    }
    if (spec.name !== undefined && typeof spec.name !== 'string')
      throw new TypeError('supervisor: name must be a string');
    if (!Array.isArray(spec.children)) throw new TypeError('supervisor: children must be an array of child specs');
    const { intensity, period } = checkLimits(spec.intensity, spec.period);
    const ids = new Set<string>();
    this.#children = spec.children.map((c, i) => new Child(this, checkChildSpec(c, i, ids)));
    this.name = spec.name;
    this.strategy = strategy;
    this.intensity = intensity;
    this.period = period;
    this.#system = systemOf();
    [this.#tx, this.#rx] = unboundedChannel<Event>();
    const d = { promise: undefined as unknown as Promise<unknown>, resolve: undefined, reject: undefined as unknown };
    d.promise = newPromise(d as never);
    this.#stopped = d;
    this.#task = this.#system.runtime.spawnTask(() => this.#main(), `supervisor ${spec.name ?? ''}`.trimEnd());
    this.#task.observed = true;
    // Children start now, in order, so their refs exist when supervisor()
    // returns; each actor's init waits for the previous child's to settle.
    const hold = {
      promise: undefined as unknown as Promise<void>,
      resolve: undefined as (() => void) | undefined,
      reject: undefined as unknown,
    };
    hold.promise = newPromise(hold as never);
    this.#hold = hold;
    queueMicrotask(() => this.#hold?.resolve!());
    let prev: Promise<void> = hold.promise;
    for (const c of this.#children) prev = this.#launch(c, prev);
    this.#allStarted = prev;
  }

  #hold: { resolve: (() => void) | undefined } | undefined;
  #allStarted: Promise<void>;

  /** @internal Makes this supervisor's first child wait for `prev` (a parent's previous child) before its init. */
  holdUntil(prev: Promise<void>): void {
    const hold = this.#hold;
    this.#hold = undefined;
    if (hold !== undefined) void prev.then(hold.resolve);
  }

  get label(): string {
    return this.name ?? `supervisor (task ${this.#task.id})`;
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** True until the supervisor has ended. */
  get isAlive(): boolean {
    return this.#phase !== 'stopped';
  }

  ref(id: string): ActorRef<any> | undefined {
    const c = this.#children.find((x) => x.spec.id === id);
    if (c === undefined || c.handle === undefined) return undefined;
    return c.kind === 'cell' ? c.cell!.ref : c.kind === 'ref' ? c.ref : undefined;
  }

  child(id: string): ActorRef<any> | Supervisor | undefined {
    const c = this.#children.find((x) => x.spec.id === id);
    if (c?.kind === 'supervisor' && c.handle !== undefined) return c.sup;
    return this.ref(id);
  }

  stop(): Promise<void> {
    return this.stopWith('normal');
  }

  /** @internal stop with a reason ('shutdown' when a parent stops it). */
  stopWith(reason: unknown): Promise<void> {
    if (this.#phase !== 'stopped') this.#tx.send({ type: 'stop', reason });
    return this.#stopped.promise.then(noop);
  }

  stopped(): Promise<unknown> {
    return this.#stopped.promise;
  }

  /** @internal Resolves once every child has been started (in order), or the supervisor ended. */
  whenStarted(): Promise<void> {
    if (this.#phase !== 'starting') return Promise.resolve();
    return new Promise((resolve) => (this.#started ??= []).push(resolve));
  }

  /** @internal Stops everything at once: the children are killed (no terminate), newest first. */
  kill(reason: unknown = 'killed'): void {
    if (this.#phase === 'stopped') return;
    for (let i = this.#children.length - 1; i >= 0; i--) {
      const c = this.#children[i]!;
      if (c.handle === undefined) continue;
      if (c.kind === 'cell') {
        c.cell!.parent = undefined;
        c.cell!.kill(reason);
      } else if (c.kind === 'supervisor') {
        c.sup!.parent = undefined;
        c.sup!.kill(reason);
      } else void ActorRef.backendOf(c.ref!).stop(reason);
      c.handle = undefined;
    }
    this.#task.abort(reason);
    this.#finish(reason, false);
  }

  /** @internal An event from a child (or a delayed start): handled in order by the supervisor's task. */
  post(ev: Event): void {
    if (this.#phase !== 'stopped') this.#tx.send(ev);
  }

  async #main(): Promise<void> {
    try {
      await this.#allStarted;
      if (this.#phase === 'starting') this.#phase = 'running';
      this.#releaseStarted();
      for (;;) {
        const ev = await this.#rx.recv();
        if (ev === undefined || !this.isAlive) return;
        if (ev.type === 'stop') {
          await this.#stopAll();
          this.#finish(ev.reason, false);
          return;
        }
        await this.#onEvent(ev);
        if (!this.isAlive) return;
      }
    } catch {
      // The task was aborted: the runtime is shutting down (its children are aborted with it).
      if (this.#phase !== 'stopped') {
        this.#stopAllNow();
        this.#finish('shutdown', false);
      }
    }
  }

  async #onEvent(ev: Exclude<Event, { type: 'stop' }>): Promise<void> {
    const c = ev.child;
    if (!this.#children.includes(c)) return;
    if (ev.type === 'start') {
      if (c.handle === undefined) void this.#launch(c, undefined);
      return;
    }
    if (c.handle !== ev.handle) return; // stale: that child was replaced since
    if (ev.type === 'failed') {
      if (c.kind === 'cell') {
        const cell = c.cell!;
        if (cell.generation !== ev.generation || cell.phase !== Phase.AtGate) return;
      } else c.handle = undefined;
      await this.#exited(c, ev.reason, true);
    } else {
      c.handle = undefined;
      await this.#exited(c, ev.reason, !isNormalReason(ev.reason));
    }
  }

  /** A child ended (a failure, or a stop for good): restart it per its type and the strategy, or give up. */
  async #exited(c: Child, reason: unknown, abnormal: boolean): Promise<void> {
    const restart = c.spec.restart;
    const taskId = c.cell?.taskId ?? this.#task.id;
    if (restart === 'temporary' || (restart === 'transient' && !abnormal)) {
      if (abnormal) this.#system.report(taskId, c.label, reason, `${restart} child of ${this.label}: not restarted`);
      await this.#stopChild(c, reason);
      if (restart === 'temporary') this.#children.splice(this.#children.indexOf(c), 1);
      return;
    }
    const now = this.#system.runtime.clock.now();
    if (c.backoff === undefined) {
      if (this.#countRestart(now) > this.intensity) {
        await this.#giveUp(c, reason);
        return;
      }
    }
    this.#restarts++;
    const delay = c.backoff === undefined ? 0 : c.backoff.next(now);
    if (abnormal) {
      const how = delay > 0 ? `restarting in ${Math.round(delay)} ms` : 'restarting';
      this.#system.report(taskId, c.label, reason, `${how} (restart ${this.#restarts} by ${this.label})`);
    }
    if (this.strategy === 'one-for-one') {
      this.#restartOne(c, delay);
      return;
    }
    const from = this.strategy === 'one-for-all' ? 0 : this.#children.indexOf(c);
    await this.#restartGroup(c, this.#children.slice(from), delay);
  }

  /**
   * Records a restart at `now` and returns how many fell within the last
   * `period` ms. Times only grow, so expired ones are dropped from the front:
   * O(1) per restart however many the window holds.
   */
  #countRestart(now: number): number {
    const times = this.#times;
    let head = this.#timesHead;
    while (head < times.length && times[head]! <= now - this.period) head++;
    if (head > 64 && head * 2 > times.length) {
      times.splice(0, head);
      head = 0;
    }
    this.#timesHead = head;
    times.push(now);
    return times.length - head;
  }

  #restartOne(c: Child, delay: number): void {
    if (c.kind === 'cell' && c.handle === c.cell && c.cell!.phase === Phase.AtGate) {
      void c.cell!.resume(delay);
      return;
    }
    c.handle = undefined;
    if (delay <= 0) {
      void this.#launch(c, undefined);
      return;
    }
    const timer = new AbortController();
    this.#later.add(timer);
    sleep(delay, { signal: timer.signal }).then(() => {
      this.#later.delete(timer);
      this.post({ type: 'start', child: c });
    }, noop);
  }

  /** one-for-all / rest-for-one: end the others of `group` (last started first), then start the group again in order. */
  async #restartGroup(failed: Child, group: Child[], delay: number): Promise<void> {
    for (let i = group.length - 1; i >= 0; i--) {
      const o = group[i]!;
      if (o === failed || o.handle === undefined) continue;
      if (o.spec.restart === 'temporary') {
        await this.#stopChild(o, 'shutdown');
        this.#children.splice(this.#children.indexOf(o), 1);
      } else await this.#suspend(o);
    }
    for (const o of group) {
      if (!this.#children.includes(o) || this.#phase === 'stopped') continue;
      const d = o === failed ? delay : 0;
      if (o.kind === 'cell' && o.handle === o.cell && o.cell!.phase === Phase.AtGate) {
        await o.cell!.resume(d);
      } else if (o.handle === undefined) {
        if (d > 0) await sleep(d);
        await this.#launch(o, undefined);
      }
    }
  }

  /** Ends a sibling's incarnation for a group restart: an actor keeps its mailbox (at its gate), anything else is stopped. */
  async #suspend(o: Child): Promise<void> {
    if (o.kind !== 'cell') {
      await this.#stopChild(o, 'shutdown');
      return;
    }
    const cell = o.cell!;
    const shutdown = o.shutdown;
    if (shutdown !== 'brutal' && (await within(cell.suspend(), shutdown))) {
      if (cell.phase === Phase.AtGate) return;
    }
    cell.parent = undefined;
    cell.kill();
    o.handle = undefined;
  }

  /**
   * Starts child `c` through its `start()`, and attaches what it returns.
   * `hold` (initial start) delays the child's init until the previous child
   * settled. Returns a promise that resolves once the child's init settled
   * (a nested supervisor: all its children).
   */
  #launch(c: Child, hold: Promise<void> | undefined): Promise<void> {
    let made: unknown;
    try {
      made = c.spec.start();
    } catch (err) {
      c.handle = undefined;
      this.post({ type: 'failed', child: c, handle: undefined, reason: err, generation: -1 });
      return hold ?? RESOLVED;
    }
    if (made instanceof SupervisorImpl) {
      c.kind = 'supervisor';
      c.sup = made;
      c.handle = made;
      made.parent = c as SupParent;
      if (hold !== undefined) made.holdUntil(hold);
      if (!made.isAlive) this.post({ type: 'stopped', child: c, handle: made, reason: made.#final });
      return made.whenStarted();
    }
    if (made instanceof ActorRef) {
      const backend = ActorRef.backendOf(made);
      if (isCell(backend) && backend.parent === undefined && backend.system === this.#system) {
        c.kind = 'cell';
        c.cell = backend;
        c.handle = backend;
        backend.parent = c;
        if (backend.phase === Phase.Stopped) {
          void backend.stopped().then((reason) => this.post({ type: 'stopped', child: c, handle: backend, reason }));
          return hold ?? RESOLVED;
        }
        if (hold !== undefined) backend.holdUntil(hold);
        return backend.whenSettled();
      }
      c.kind = 'ref';
      c.ref = made;
      c.cell = undefined;
      c.handle = backend;
      c.token = backend.monitor((reason) => {
        if (isNormalReason(reason)) this.post({ type: 'stopped', child: c, handle: backend, reason });
        else this.post({ type: 'failed', child: c, handle: backend, reason, generation: -1 });
      });
      return hold ?? RESOLVED;
    }
    c.handle = undefined;
    const err = new TypeError(`supervisor: child ${c.spec.id}: start() must return an ActorRef or a Supervisor`);
    this.post({ type: 'failed', child: c, handle: undefined, reason: err, generation: -1 });
    return hold ?? RESOLVED;
  }

  /** Stops one child for good, within its `shutdown` (then kills it). */
  async #stopChild(c: Child, reason: unknown): Promise<void> {
    const handle = c.handle;
    if (handle === undefined) return;
    c.handle = undefined;
    const shutdown = c.shutdown;
    if (c.kind === 'cell') {
      const cell = c.cell!;
      cell.parent = undefined;
      if (shutdown === 'brutal' || !(await within(cell.stop(reason), shutdown))) cell.kill();
    } else if (c.kind === 'supervisor') {
      const sup = c.sup!;
      sup.parent = undefined;
      if (shutdown === 'brutal' || !(await within(sup.stopWith(reason), shutdown))) sup.kill();
    } else {
      const backend = ActorRef.backendOf(c.ref!);
      backend.demonitor(c.token!);
      if (shutdown === 'brutal') void backend.stop('killed');
      else await within(backend.stop(reason), shutdown);
    }
  }

  async #stopAll(): Promise<void> {
    for (const timer of this.#later) timer.abort();
    this.#later.clear();
    for (let i = this.#children.length - 1; i >= 0; i--) await this.#stopChild(this.#children[i]!, 'shutdown');
  }

  #stopAllNow(): void {
    for (const timer of this.#later) timer.abort();
    this.#later.clear();
    for (let i = this.#children.length - 1; i >= 0; i--) {
      const c = this.#children[i]!;
      if (c.handle === undefined) continue;
      if (c.kind === 'cell') c.cell!.parent = undefined;
      if (c.kind === 'supervisor') c.sup!.parent = undefined;
      c.handle = undefined;
    }
  }

  async #giveUp(c: Child, reason: unknown): Promise<void> {
    const err = new SupervisorGaveUpError(this.name, c.spec.id, this.intensity, this.period, reason);
    await this.#stopAll();
    this.#finish(err, true);
  }

  #releaseStarted(): void {
    const started = this.#started;
    this.#started = undefined;
    if (started !== undefined) for (const f of started) f();
  }

  #finish(reason: unknown, failed: boolean): void {
    if (this.#phase === 'stopped') return;
    this.#phase = 'stopped';
    this.#final = reason;
    this.#tx.close();
    this.#rx.close();
    for (let r = this.#rx.tryRecv(); r.state === 'ok'; r = this.#rx.tryRecv());
    this.#releaseStarted();
    const parent = this.parent;
    if (parent !== undefined) {
      if (failed) parent.childFailed(this, reason, -1);
      else parent.childStopped(this, reason);
    } else if (failed) this.#system.report(this.#task.id, this.label, reason, undefined);
    this.#stopped.resolve!(reason);
  }
}

/**
 * Starts a supervisor (OTP's): it starts `children` in list order (each
 * actor's `init` has returned before the next starts), restarts them when
 * they fail, and stops them in reverse order.
 *
 * - `one-for-one`: only the failed child is restarted; `one-for-all`: the
 *   others are ended too (last started first) and all start again in order;
 *   `rest-for-one`: the same for the failed child and those started after it.
 * - A failed actor is restarted in place: same ref, same mailbox (only the
 *   failing message went to dead letters); `terminate` ran for the old
 *   incarnation and `init` runs again. A child that stopped for good (a stop,
 *   a kill) is started again through `start()`.
 * - More than `intensity` restarts (default 3) within `period` ms (default
 *   5,000): the supervisor stops all children in reverse order and ends with
 *   a `SupervisorGaveUpError`, which its own supervisor sees as a failure
 *   of that child. Restarts with `backoff` do not count.
 * - Every failure is reported through the runtime's `onTaskError` policy
 *   (with what the supervisor does about it), never silently.
 *
 * @param spec strategy, intensity, period, children, name
 * @returns the running supervisor
 * @throws TypeError / RangeError for a malformed spec (synchronously)
 *
 * @example
 * ```ts
 * import { supervisor, spawnActor, type Reply } from 'weft/actor';
 * type Msg = { type: 'crash' } | { type: 'ping'; reply: Reply<string> };
 * const sup = supervisor({
 *   strategy: 'one-for-one',
 *   children: [{
 *     id: 'worker',
 *     start: () => spawnActor({ init: () => 0, receive: (s: number, m: Msg) => {
 *       if (m.type === 'crash') throw new Error('crash');
 *       m.reply.send('pong');
 *       return s;
 *     } }),
 *   }],
 * });
 * const ref = sup.ref('worker')!;
 * ref.tell({ type: 'crash' }); // restarted in place: same ref, same mailbox
 * console.assert((await ref.ask<string>((reply) => ({ type: 'ping', reply }))) === 'pong');
 * console.assert(sup.restarts === 1);
 * await sup.stop();
 * ```
 */
export function supervisor(spec: {
  strategy: 'one-for-one' | 'one-for-all' | 'rest-for-one';
  intensity?: number;
  period?: number;
  children: ChildSpec[];
  name?: string;
}): Supervisor {
  return new SupervisorImpl(spec);
}
