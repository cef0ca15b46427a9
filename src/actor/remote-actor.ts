import { threadId, type MessagePort } from 'node:worker_threads';
import { RESOLVED, noop } from '../core/promise.js';
import { JoinError } from '../task/errors.js';
import type { JoinHandle } from '../task/join-handle.js';
import { spawnWorker, transfer } from '../worker/index.js';
import { newPorts, type Op } from '../worker/channels/remote-link.js';
import type { ActorRef } from './actor-ref.js';
import type { ActorDef } from './define-actor.js';
import { Phase, type ChildParent } from './local-actor.js';
import { actorHost } from './actor-host.js';
import { AT_GATE, ATTACH, DETACH, FAILED, GO, KILL, RESUME, SETTLED, SUSPEND, reasonIn, reasonOut } from './ref-ops.js';
import { systemOf, type ActorSystem } from './system.js';
import { WiredRef } from './wired-ref.js';

let nextRemote = 1;

/**
 * The ref of an actor placed on a worker thread, on the thread that spawned
 * it: a wired ref to the actor's host there (`actor-host.ts`), which runs it
 * as an ordinary local actor, plus what a supervisor here drives. A
 * supervisor treats it as it treats a local actor: a failure stops the
 * incarnation at its gate on the worker and is reported here; the restart
 * (`resume`) runs `init` again there on the same mailbox, so the ref stays
 * the same. The phase and generation here mirror the host's reports.
 */
export class RemoteCell<M> extends WiredRef<M> {
  readonly system: ActorSystem;
  readonly taskId: number;
  phase = Phase.Starting;
  generation = 0;
  restarts = 0;
  readonly #handle: JoinHandle<unknown>;
  #parent: ChildParent | undefined = undefined;
  #held = false;
  #waiters: (() => void)[] | undefined = undefined;

  constructor(id: string, name: string | undefined, capacity: number, port: MessagePort, handle: JoinHandle<unknown>) {
    super({ weft: 'actor.Ref', port, module: '', id, name, capacity });
    this.system = systemOf();
    this.#handle = handle;
    handle.then(noop, noop);
    this.taskId = handle.id;
    // Started unless a supervisor holds it back (`holdUntil`, called in the same step).
    queueMicrotask(() => {
      if (!this.#held) this.link.post([GO]);
    });
  }

  get parent(): ChildParent | undefined {
    return this.#parent;
  }

  /** A supervisor takes the actor (or lets it go): its failures are then reported here, not handled there. */
  set parent(p: ChildParent | undefined) {
    if (p === this.#parent) return;
    this.#parent = p;
    this.link.post([p === undefined ? DETACH : ATTACH]);
  }

  holdUntil(prev: Promise<void>): void {
    this.#held = true;
    void prev.then(() => this.link.post([GO]));
  }

  whenSettled(): Promise<void> {
    return this.phase === Phase.Starting ? this.#wait() : RESOLVED;
  }

  suspend(): Promise<void> {
    if (this.phase === Phase.Stopped || this.phase === Phase.AtGate) return RESOLVED;
    this.link.post([SUSPEND]);
    return this.#wait();
  }

  resume(delay: number): Promise<void> {
    if (this.phase !== Phase.AtGate || !this.isAlive) return RESOLVED;
    this.phase = Phase.Starting;
    this.link.post([RESUME, delay]);
    return this.#wait();
  }

  kill(reason: unknown = 'killed'): void {
    if (this.phase === Phase.Stopped) return;
    this.markStopping();
    this.link.post([KILL, reasonOut(reason)]);
  }

  #wait(): Promise<void> {
    return new Promise((resolve) => (this.#waiters ??= []).push(resolve));
  }

  #release(): void {
    const waiters = this.#waiters;
    this.#waiters = undefined;
    if (waiters !== undefined) for (const w of waiters) w();
  }

  protected override onOp(op: Op): void {
    switch (op[0]) {
      case SETTLED:
        this.generation = this.restarts = op[1] as number;
        // (A failed init reports FAILED too, possibly first: that phase stands.)
        if (this.phase === Phase.Starting) this.phase = Phase.Running;
        this.#release();
        break;
      case FAILED:
        this.generation = this.restarts = op[2] as number;
        this.phase = Phase.AtGate;
        this.#release();
        this.#parent?.childFailed(this, reasonIn(op[1]), this.generation);
        break;
      case AT_GATE:
        this.phase = Phase.AtGate;
        this.#release();
        break;
      default:
        super.onOp(op);
    }
  }

  protected override linkGone(): void {
    // The worker is gone: its call's outcome says why (a crash).
    void this.#handle
      .then(
        () => 'noconnection',
        (err: unknown) => (err instanceof JoinError && err.cause !== undefined ? err.cause : err),
      )
      .then((reason) => this.finish(reason));
  }

  protected override finish(reason: unknown): void {
    if (this.phase === Phase.Stopped) return;
    this.phase = Phase.Stopped;
    super.finish(reason);
    this.#release();
    this.#parent?.childStopped(this, reason);
  }
}

/**
 * Starts `def` on a worker thread of the current multi-thread runtime.
 * @throws RuntimeFlavorError outside a multi-thread runtime
 */
export function spawnOnWorker<M>(
  def: ActorDef<M, any, any>,
  args: unknown[],
  name: string | undefined,
  mailbox: number,
): ActorRef<M> {
  const { port1, port2 } = newPorts();
  const id = `${threadId}.w${nextRemote++}`;
  let handle: JoinHandle<unknown>;
  try {
    handle = spawnWorker(actorHost, def.moduleUrl, def.name, args, name, id, mailbox, transfer(port2, [port2]));
  } catch (err) {
    port1.close();
    port2.close();
    throw err;
  }
  return new RemoteCell<M>(id, name, mailbox, port1, handle).ref;
}
