import { threadId } from 'node:worker_threads';
import { Parked } from '../core/wait-queue.js';
import { RESOLVED, newPromise, noop } from '../core/promise.js';
import { scheduler } from '../core/scheduler.js';
import { OWNER_FINISHES, runningTask, type Task, type TaskOwner } from '../task/task.js';
import { sleep } from '../time/sleep.js';
import { channel, type Sender } from '../sync/mpsc/bounded.js';
import type { Receiver } from '../sync/mpsc/receiver.js';
import { SendError } from '../sync/errors.js';
import type { Chan } from '../sync/mpsc/chan.js';
import { kMove } from '../core/move.js';
import { closeResource, observation, registerResource, resourceId } from '../core/resources.js';
import { TracedMessage, messageTracing, traceMessage, untraced } from '../core/message-trace.js';
import { ActorRef } from './actor-ref.js';
import type { ActorBackend } from './backend.js';
import type { Behavior } from './behavior.js';
import { ActorStoppedError, MailboxFullError } from './errors.js';
import { Context } from './context.js';
import type { ActorSystem } from './system.js';

/** What a local actor's supervisor is to it (`supervisor.ts`). */
export interface ChildParent {
  /** This incarnation failed (terminate has run); the actor waits at its gate for `resume` or `stop`. */
  childFailed(cell: object, reason: unknown, generation: number): void;
  /** The actor stopped for good, not at the supervisor's request. */
  childStopped(cell: object, reason: unknown): void;
  /** The supervisor's label, for introspection. */
  readonly supervisorLabel: string;
}

const PHASES = ['starting', 'running', 'restarting', 'stopped'] as const;

/** The attributes of an actor in `runtime.resources()` (a module function: it must not keep the actor alive). */
function describeActor(cell: LocalActor<any, any>): Record<string, number | string | boolean> {
  return {
    mailboxLength: cell.mailboxLength,
    mailboxCapacity: cell.capacity,
    restarts: cell.restarts,
    state: PHASES[cell.phase]!,
    supervisor: cell.parent?.supervisorLabel ?? '',
    thread: threadId,
  };
}

export const enum Phase {
  /** `init` is running (or about to). */
  Starting = 0,
  Running = 1,
  /** Between incarnations: terminate ran, waiting for the supervisor (or a backoff). */
  AtGate = 2,
  Stopped = 3,
}

/** Not a failure (an incarnation that ended by stop or suspend). */
const NONE: unique symbol = Symbol('none');
/** Wakes an idle receive without being a message (never handed to `receive`). */
const WAKE = Object.freeze({ __weftWake: true });
/** No message handed to a drive (`#drive`). */
const NO_MAIL: unique symbol = Symbol('no mail');
/** `resume` had not been called when the actor reached its gate. */
const NO_RESUME = -2;
/** The gate opened to stop, not to restart. */
const STOP = -1;

const gateSite = { op: 'actor.restart' } as const;
let nextActorId = 1;

class GateWait extends Parked<number> {}

/** A parked drive's receive was rejected (the task was aborted): the next drive rethrows it. */
class ReceiveFailed {
  constructor(readonly reason: unknown) {}
}

/** A message whose `receive` returned a thenable (or threw: a rejected promise) in `#serve`: the drive awaits it. */
class Pending {
  constructor(
    readonly msg: unknown,
    readonly next: PromiseLike<unknown>,
  ) {}
}

/** The budget ran out in `#serve`: the drive yields first. */
const HOP: unique symbol = Symbol('hop');

interface Monitor {
  fn: ((reason: unknown) => void) | undefined;
}

/**
 * `receive` of a message that came with its sender's trace context, inside
 * that context. A function of its own: a closure in the actor's loop would
 * move the loop's variables into a context object for every message.
 */
function receiveTraced<M, S>(traced: TracedMessage, behavior: Behavior<M, S, any>, state: S, ctx: Context<M>) {
  return traced.tracer.run(traced.context, () => behavior.receive(state, traced.msg as M, ctx));
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === 'object' || typeof v === 'function') &&
    typeof (v as PromiseLike<unknown>).then === 'function'
  );
}

/**
 * The local backend of an `ActorRef`: a bounded weft mpsc channel as the
 * mailbox, and one weft task that runs incarnations (`init`, then `receive`
 * one message at a time, then `terminate`) until the actor stops. A failed
 * incarnation waits at the gate for its supervisor; a restart runs `init`
 * again on the same mailbox, so only the failing message is lost (to dead
 * letters).
 */
export class LocalActor<M, S> implements ActorBackend<M>, TaskOwner {
  #id: string | undefined = undefined;
  #num = 0;
  readonly name: string | undefined;
  readonly ref: ActorRef<M>;
  readonly system: ActorSystem;
  readonly capacity: number;
  /** Its id among the runtime's resources (kind 'actor'). */
  readonly rid: number = resourceId();
  readonly #tx: Sender<M>;
  readonly #rx: Receiver<M>;
  /** The mailbox's channel state, for taking a buffered message without a result object. */
  readonly #chan: Chan<M>;
  readonly #behavior: Behavior<M, S, any>;
  readonly #args: unknown[];
  readonly #ctx: Context<M>;
  readonly #task: Task;
  phase = Phase.Starting;
  /** Bumped by every restart: a failure report of an older incarnation is stale. */
  generation = 0;
  restarts = 0;
  parent: ChildParent | undefined = undefined;
  #stopping = false;
  #stopReason: unknown = undefined;
  #finalReason: unknown = undefined;
  #killed = false;
  #suspending = false;
  #exiting = false;
  #exitReason: unknown = undefined;
  #idle = false;
  #gate: GateWait | undefined = undefined;
  #pendingResume = NO_RESUME;
  #backoff: AbortController | undefined = undefined;
  #front: (M | undefined)[] | undefined = undefined;
  #frontHead = 0;
  #stash: M[] | undefined = undefined;
  #monitors: Set<Monitor> | undefined = undefined;
  #controller: AbortController | undefined = undefined;
  #stopped: { promise: Promise<unknown>; resolve: ((v: unknown) => void) | undefined; reject: unknown } | undefined;
  #waiters: (() => void)[] | undefined = undefined;
  /** The behaviour's state while the actor is parked (no drive holds it then). */
  #state: unknown = undefined;

  /**
   * @param mailbox a capacity, or a capacity and the id chosen on the thread
   *   that placed the actor here (an actor on a worker)
   */
  constructor(
    system: ActorSystem,
    behavior: Behavior<M, S, any>,
    args: unknown[],
    name: string | undefined,
    mailbox: number | { capacity: number; id: string },
  ) {
    const capacity = typeof mailbox === 'number' ? mailbox : mailbox.capacity;
    if (typeof mailbox === 'number') this.#num = nextActorId++;
    else this.#id = mailbox.id;
    this.name = name;
    this.system = system;
    this.capacity = capacity;
    // Names for introspection are only made while some runtime observes (an idle actor stays small).
    const observed = observation.active;
    [this.#tx, this.#rx] = channel<M>(capacity, observed ? { name: `mailbox of actor ${name ?? this.id}` } : undefined);
    // A probe (true) only reads the receiver's channel; nothing moves.
    this.#chan = this.#rx[kMove](true)!;
    this.#behavior = behavior;
    this.#args = args;
    this.ref = new ActorRef(this);
    this.#ctx = new Context(this);
    this.#task = system.runtime.spawnTask(
      LocalActor.#start,
      observed || name !== undefined ? `actor ${name ?? this.id}` : undefined,
      this,
      undefined,
      true,
      'actor',
    );
    this.#task.observed = true;
    registerResource(this, this.rid, 'actor', name, describeActor);
  }

  /**
   * The task's body (one function for every actor: no closure per actor; the
   * actor is the task's owner). The task lives until the actor's last drive
   * ends, not until the first one parks: the drive finishes it.
   */
  static #start(this: void, task: unknown): typeof OWNER_FINISHES {
    void ((task as Task).owner as LocalActor<unknown, unknown>).#drive(false, NO_MAIL);
    return OWNER_FINISHES;
  }

  /** Called by the mailbox receive a parked drive left behind, in the actor task's frame (see `#park`). */
  static #mailArrived(this: void, msg: unknown): void {
    const actor = runningTask()!.owner as LocalActor<unknown, unknown>;
    actor.#idle = false;
    actor.#serve(msg);
  }

  /** The parked receive was cancelled: the task was aborted (runtime shutdown, or a kill). */
  static #mailFailed(this: void, err: unknown): void {
    const actor = runningTask()!.owner as LocalActor<unknown, unknown>;
    actor.#idle = false;
    void actor.#drive(true, new ReceiveFailed(err));
  }

  /** @internal (`TaskOwner`) Nothing to do: the actor's end is handled by its own loop. */
  taskDone(): void {}

  /** A unique id (`<thread>.<n>`), made on first use. */
  get id(): string {
    return (this.#id ??= `${threadId}.${this.#num}`);
  }

  get label(): string {
    return this.name === undefined ? this.id : `${this.id} (${this.name})`;
  }

  get isAlive(): boolean {
    return !this.#stopping;
  }

  /** Messages waiting in the mailbox. */
  get mailboxLength(): number {
    return this.#rx.length;
  }

  /**
   * Waiting for mail with nothing to handle: no message in the mailbox, none
   * stashed or unstashed, no `receive` running. Stopping it now drops nothing
   * (entity passivation waits for this).
   */
  get quiescent(): boolean {
    return this.#idle && this.#rx.length === 0 && this.#front === undefined && (this.#stash?.length ?? 0) === 0;
  }

  /** The id of the actor's task (for reports). */
  get taskId(): number {
    return this.#task.id;
  }

  tell(msg: M): void {
    if (this.#stopping) throw new ActorStoppedError(this.id, msg);
    if (!this.#tx.trySend(this.#traced(msg))) throw new MailboxFullError(this.id, msg);
  }

  send(msg: M, signal: AbortSignal | undefined): Promise<void> {
    if (this.#stopping) return Promise.reject(new ActorStoppedError(this.id, msg));
    if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
    const entry = this.#traced(msg);
    if (this.#tx.trySend(entry)) {
      return scheduler.budget() ? RESOLVED : scheduler.hop();
    }
    return this.#tx.send(entry, signal === undefined ? undefined : { signal }).then(undefined, (err: unknown) => {
      throw err instanceof SendError ? new ActorStoppedError(this.id, msg) : err;
    });
  }

  /**
   * The mailbox entry for `msg`: with a tracer installed on the runtime, the
   * message with the sender's trace context (`core/message-trace.ts`). (The
   * mailbox is always on this thread: a message from another thread is put
   * in by the agent serving that thread's ref, `ref-home.ts`.)
   */
  #traced(msg: M): M {
    return traceMessage(this.system.runtime, msg);
  }

  stop(reason: unknown): Promise<void> {
    this.#requestStop(reason);
    return this.stopped().then(noop);
  }

  stopped(): Promise<unknown> {
    if (this.#stopped === undefined) {
      if (this.phase === Phase.Stopped) return Promise.resolve(this.#finalReason);
      const d = { promise: undefined as unknown as Promise<unknown>, resolve: undefined, reject: undefined as unknown };
      d.promise = newPromise(d as never);
      this.#stopped = d;
    }
    return this.#stopped.promise;
  }

  monitor(fn: (reason: unknown) => void): object {
    const m: Monitor = { fn };
    if (this.phase === Phase.Stopped) {
      const reason = this.#finalReason;
      queueMicrotask(() => m.fn?.(reason));
    } else (this.#monitors ??= new Set()).add(m);
    return m;
  }

  demonitor(token: object): void {
    (token as Monitor).fn = undefined;
    this.#monitors?.delete(token as Monitor);
  }

  exit(reason: unknown): void {
    if (this.#stopping || this.phase === Phase.AtGate || this.#exiting) return;
    this.#exiting = true;
    this.#exitReason = reason;
    this.#wake();
  }

  /** Delivers a message the runtime makes (a `down`): waits for room rather than failing. */
  deliverSystem(msg: M): void {
    if (this.#stopping) return;
    if (!this.#tx.trySend(msg)) this.#tx.send(msg).then(noop, noop);
  }

  /** The signal of `ActorContext.signal`, made on first use. */
  get signal(): AbortSignal {
    const c = (this.#controller ??= new AbortController());
    if (this.phase === Phase.Stopped && !c.signal.aborted) c.abort(this.#finalReason);
    return c.signal;
  }

  stash(msg: M): void {
    const stash = (this.#stash ??= []);
    if (stash.length >= this.capacity) throw new MailboxFullError(this.id, msg);
    stash.push(msg);
  }

  unstashAll(): void {
    const stash = this.#stash;
    if (stash === undefined || stash.length === 0) return;
    this.#stash = undefined;
    const front = this.#front;
    this.#front = front === undefined ? stash : [...stash, ...front.slice(this.#frontHead)];
    this.#frontHead = 0;
  }

  // --- what a supervisor drives ------------------------------------------------

  /** Resolves once `init` of the current incarnation has returned or thrown (or the actor stopped). */
  whenSettled(): Promise<void> {
    if (this.phase !== Phase.Starting) return RESOLVED;
    return new Promise((resolve) => (this.#waiters ??= []).push(resolve));
  }

  /** Ends the current incarnation after its message in hand (terminate runs); resolves at the gate or once stopped. */
  suspend(): Promise<void> {
    if (this.phase === Phase.Stopped || this.phase === Phase.AtGate) return RESOLVED;
    this.#suspending = true;
    this.#wake();
    return new Promise((resolve) => (this.#waiters ??= []).push(resolve));
  }

  /** Opens the gate: a new incarnation starts after `delay` ms. Resolves once its init settled (or the actor stopped). */
  resume(delay: number): Promise<void> {
    if (this.phase !== Phase.AtGate || this.#stopping) return RESOLVED;
    this.#openGate(delay);
    return new Promise((resolve) => (this.#waiters ??= []).push(resolve));
  }

  /** Brutal kill: no terminate, the task is aborted, the mailbox goes to dead letters. */
  kill(reason: unknown = 'killed'): void {
    if (this.phase === Phase.Stopped) return;
    this.#killed = true;
    this.#stopping = true;
    this.#task.abort(reason);
    this.#finish(reason, true);
  }

  // --- the actor's task ----------------------------------------------------------

  #requestStop(reason: unknown): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#stopReason = reason;
    // Waiting senders are refused; an idle receive wakes (closed and empty).
    this.#rx.close();
    this.#wake();
    if (this.phase === Phase.AtGate) this.#openGate(STOP);
    this.#backoff?.abort();
  }

  #openGate(value: number): void {
    const gate = this.#gate;
    if (gate !== undefined) {
      this.#gate = undefined;
      gate.complete(value);
    } else this.#pendingResume = value;
  }

  #wake(): void {
    if (this.#idle && !this.#rx.isClosed) this.#tx.trySend(WAKE as M);
  }

  #release(): void {
    const waiters = this.#waiters;
    if (waiters === undefined) return;
    this.#waiters = undefined;
    for (const w of waiters) w();
  }

  /** @internal The first init waits for `prev` (the previous child of a supervisor that starts in order). */
  holdUntil(prev: Promise<void>): void {
    this.#hold = prev;
  }

  #hold: Promise<void> | undefined = undefined;

  /**
   * Runs incarnations (init, messages, terminate, the gate) until the actor
   * stops, or until the mailbox is empty: then it parks (`#park`) and returns,
   * so an idle actor holds no suspended async frame, only its mailbox
   * receive. The next message is served at that point (`#serve`), by a new
   * drive if it needs one (`resumed`, with `mail` what it was handed: a
   * message, a `Pending` receive, `HOP`, or the receive's rejection in a
   * `ReceiveFailed`).
   */
  async #drive(resumed: boolean, mail: unknown): Promise<void> {
    let parked = false;
    try {
      if (mail instanceof ReceiveFailed) throw mail.reason;
      if (mail === HOP) {
        mail = NO_MAIL;
        await scheduler.hop();
      }
      if (!resumed && this.#hold !== undefined) {
        await this.#hold;
        this.#hold = undefined;
      }
      for (;;) {
        // One incarnation: init, then messages until told otherwise or a failure, then terminate.
        const ctx = this.#ctx;
        const behavior = this.#behavior;
        let state: S;
        let failure: unknown = NONE;
        incarnation: {
          if (resumed) {
            resumed = false;
            state = this.#state as S;
            this.#state = undefined;
          } else {
            this.phase = Phase.Starting;
            try {
              const s = behavior.init(ctx, ...this.#args);
              state = (isThenable(s) ? await s : s) as S;
            } catch (err) {
              if (this.#killed || this.#task.cancelRequested) throw err;
              this.#release();
              failure = err === undefined ? new Error('init threw undefined') : err;
              break incarnation;
            }
            this.phase = Phase.Running;
            this.#release();
          }
          const chan = this.#chan;
          for (;;) {
            if (this.#endRequested()) break;
            let msg: M | undefined;
            let pending: Pending | undefined;
            const front = this.#front;
            if (mail !== NO_MAIL) {
              // What the parked receive got (undefined: the mailbox closed), or what #serve left.
              if (mail instanceof Pending) {
                pending = mail;
                msg = mail.msg as M;
              } else msg = mail as M | undefined;
              mail = NO_MAIL;
              if (msg === undefined && pending === undefined) continue;
            } else if (front !== undefined && this.#frontHead < front.length) {
              msg = front[this.#frontHead];
              front[this.#frontHead++] = undefined;
              if (this.#frontHead === front.length) {
                this.#front = undefined;
                this.#frontHead = 0;
              }
            } else if (chan.buffer.length > 0) {
              msg = chan.take();
            } else {
              this.#state = state;
              this.#park();
              parked = true;
              return;
            }
            if (msg === WAKE) continue;
            let traced: TracedMessage | undefined;
            if (messageTracing.used && msg instanceof TracedMessage) {
              traced = msg;
              msg = traced.msg as M;
            }
            try {
              // The sender's trace context is current while receive handles its message.
              const next =
                pending !== undefined
                  ? pending.next
                  : traced === undefined
                    ? behavior.receive(state, msg as M, ctx)
                    : receiveTraced(traced, behavior, state, ctx);
              state = (isThenable(next) ? await next : next) as S;
            } catch (err) {
              if (this.#killed || this.#task.cancelRequested) throw err;
              this.#failing = msg as M;
              failure = err === undefined ? new Error('receive threw undefined') : err;
              break;
            }
            if (this.#killed) return;
            if (!scheduler.budget()) await scheduler.hop();
          }
          if (failure === NONE && this.#exiting && !this.#stopping) failure = this.#exitReason;
          const terminate = behavior.terminate;
          if (terminate !== undefined) {
            const reason = failure !== NONE ? failure : this.#stopping ? this.#stopReason : 'shutdown';
            try {
              const r = terminate.call(behavior, state, reason, ctx);
              if (isThenable(r)) await r;
            } catch (err) {
              if (this.#killed || this.#task.cancelRequested) throw err;
              this.system.report(this.#task.id, `${this.label} terminate`, err, 'terminate threw; ignored');
            }
          }
        }
        if (this.#killed) return;
        if (failure !== NONE) {
          const parent = this.parent;
          const stopping = this.#stopping;
          // Unsupervised, the failure stops the actor: mark it stopped before
          // the failing message goes to dead letters (its asker then sees
          // ActorStoppedError rather than a dropped request).
          if (parent === undefined) this.#stopping = true;
          this.#dropFailing();
          if (parent === undefined || stopping) {
            this.#finish(stopping ? this.#stopReason : failure, !stopping);
            return;
          }
          this.phase = Phase.AtGate;
          // Monitors and links belong to the incarnation that ended (a restart is not a stop).
          this.#ctx.release();
          this.#release();
          parent.childFailed(this, failure, this.generation);
        } else if (this.#stopping) {
          this.#finish(this.#stopReason, false);
          return;
        } else {
          this.phase = Phase.AtGate;
          this.#suspending = false;
          this.#ctx.release();
          this.#release();
        }
        const delay = this.#pendingResume !== NO_RESUME ? this.#pendingResume : await this.#waitGate();
        this.#pendingResume = NO_RESUME;
        if (delay === STOP || this.#stopping) {
          this.#finish(this.#stopReason, false);
          return;
        }
        if (delay > 0) {
          const backoff = (this.#backoff = new AbortController());
          await sleep(delay, { signal: backoff.signal }).catch(noop);
          this.#backoff = undefined;
          if (this.#stopping) {
            this.#finish(this.#stopReason, false);
            return;
          }
        }
        this.generation++;
        this.restarts++;
        this.#suspending = this.#exiting = false;
        const stash = this.#stash;
        if (stash !== undefined && stash.length > 0) this.unstashAll();
      }
    } catch (err) {
      // The task was aborted (runtime shutdown, or a kill) in one of our waits.
      if (!this.#killed) this.#finish(this.#task.cancelRequested ? (this.#task.abortReason ?? 'shutdown') : err, false);
    } finally {
      // Every other way out of a drive is the actor's end: the task ends with it
      // (cancelled if it was aborted).
      if (!parked) this.#task.finish(false, undefined);
    }
  }

  /** The current incarnation is to end after the message in hand (a stop, a suspend, a linked exit). */
  #endRequested(): boolean {
    return this.#stopping || this.#suspending || this.#exiting;
  }

  /**
   * Waits for mail without a suspended frame: the receive's reaction, made
   * here in the actor task's frame, runs there too and starts the next drive.
   */
  #park(): void {
    this.#idle = true;
    void this.#rx.recv().then(LocalActor.#mailArrived, LocalActor.#mailFailed);
  }

  /**
   * Handles the mail that woke a parked actor, and what follows it in the
   * mailbox, without starting an async drive for as long as each `receive`
   * returns its state at once (a synchronous behaviour, the common case).
   * Anything else (a receive that returns a thenable or throws, a traced
   * message, a wake-up, the mailbox closing, a stop or suspend request,
   * unstashed messages, the budget spent) goes on in a drive from where it
   * stands.
   */
  #serve(mail: unknown): void {
    const behavior = this.#behavior;
    const ctx = this.#ctx;
    const chan = this.#chan;
    let state = this.#state as S;
    while (
      mail !== undefined &&
      mail !== WAKE &&
      !(messageTracing.used && mail instanceof TracedMessage) &&
      !this.#endRequested()
    ) {
      let next: unknown;
      try {
        next = behavior.receive(state, mail as M, ctx);
      } catch (err) {
        next = Promise.reject(err);
      }
      if (isThenable(next)) {
        mail = new Pending(mail, next);
        break;
      }
      state = next as S;
      mail = NO_MAIL;
      if (this.#killed) {
        // (kill() has finished the actor; a drive would return here too)
        this.#task.finish(false, undefined);
        return;
      }
      if (!scheduler.budget()) {
        mail = HOP;
        break;
      }
      if (this.#front !== undefined) break;
      if (chan.buffer.length === 0) {
        if (this.#endRequested()) break;
        this.#state = state;
        this.#park();
        return;
      }
      mail = chan.take();
    }
    this.#state = state;
    void this.#drive(true, mail);
  }

  #failing: M | undefined = undefined;

  #dropFailing(): void {
    const msg = this.#failing;
    if (msg === undefined) return;
    this.#failing = undefined;
    this.system.deadLetter(this.ref, msg);
  }

  #waitGate(): Promise<number> {
    const gate = new GateWait();
    const promise = gate.park(undefined, gateSite, this.rid);
    if (!gate.settled) this.#gate = gate;
    return promise;
  }

  /** The actor stopped for good: refuse messages, drop what is left to dead letters, tell monitors and the parent. */
  #finish(reason: unknown, failed: boolean): void {
    if (this.phase === Phase.Stopped) return;
    this.phase = Phase.Stopped;
    this.#stopping = true;
    this.#finalReason = reason;
    closeResource(this.rid);
    this.#rx.close();
    const system = this.system;
    const ref = this.ref;
    const front = this.#front;
    if (front !== undefined) for (let i = this.#frontHead; i < front.length; i++) system.deadLetter(ref, front[i]);
    this.#front = undefined;
    const stash = this.#stash;
    if (stash !== undefined) for (const m of stash) system.deadLetter(ref, m);
    this.#stash = undefined;
    for (let r = this.#rx.tryRecv(); r.state === 'ok'; r = this.#rx.tryRecv()) {
      if (r.value !== WAKE) system.deadLetter(ref, untraced(r.value));
    }
    this.#gate?.complete(STOP);
    this.#gate = undefined;
    for (const [name, r] of system.names) if (r === ref) system.names.delete(name);
    const parent = this.parent;
    if (failed && parent === undefined) system.report(this.#task.id, this.label, reason, undefined);
    this.#controller?.abort(reason);
    const monitors = this.#monitors;
    this.#monitors = undefined;
    if (monitors !== undefined) for (const m of monitors) m.fn?.(reason);
    this.#ctx.release();
    this.#release();
    const stopped = this.#stopped;
    if (stopped !== undefined) stopped.resolve!(reason);
    parent?.childStopped(this, reason);
  }
}
