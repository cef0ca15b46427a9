import type { MessagePort } from 'node:worker_threads';
import { Parked } from '../core/wait-queue.js';
import { newPromise, noop } from '../core/promise.js';
import { checkCloneable } from '../core/clone-check.js';
import { oneshot, type OneshotSender } from '../sync/oneshot.js';
import { Link, type Op } from '../worker/channels/remote-link.js';
import { ActorRef } from './actor-ref.js';
import type { ActorBackend } from './backend.js';
import { ActorStoppedError, MailboxFullError } from './errors.js';
import { decodeMessage, encodeMessage, type ReplyTable, type Reviver } from './message-codec.js';
import { ARITY, CANCEL, CREDIT, EXIT, NOREPLY, REFUSED, REPLY, SEND, SENT, STOP, STOPPED, TELL } from './ref-ops.js';
import { postOp, reasonIn, reasonOut, type RefWire } from './ref-ops.js';

const sendSite = { op: 'actor.send' } as const;

/** The ref a descriptor stands for, on the thread it arrived at. */
export function reviveRef(wire: object): ActorRef<unknown> {
  return new WiredRef<unknown>(wire as RefWire).ref;
}

/** Refs inside an answer (an answer carries no reply ends). */
const answers: Reviver = { ref: reviveRef, reply: () => oneshot<unknown>()[0] };

/** A `send` waiting for the home to put the message in the mailbox; cancelling it withdraws the message if it has not got in. */
class RefSendWait extends Parked<void> {
  constructor(
    readonly owner: WiredRef<any>,
    readonly id: number,
    readonly msg: unknown,
  ) {
    super();
  }

  protected override onCancel(): void {
    this.owner.withdraw(this);
  }
}

interface Monitor {
  fn: ((reason: unknown) => void) | undefined;
}

/**
 * The backend of a ref whose actor lives on another thread: everything goes
 * over one link to the agent beside the actor (`RefHome`; the protocol is in
 * `ref-ops.ts`). A told message needs a credit: the far side gives one back
 * once the message is in the mailbox, so at most `capacity` told messages
 * are on their way at once and `tell` throws `MailboxFullError` past that
 * (`send` waits for the mailbox instead). The link does not keep the thread
 * alive, except while something here waits on it (a send, an answer, a stop).
 */
export class WiredRef<M> implements ActorBackend<M>, ReplyTable {
  readonly id: string;
  readonly name: string | undefined;
  readonly capacity: number;
  readonly ref: ActorRef<M>;
  protected readonly link: Link;
  #credit: number;
  #stopping = false;
  #done = false;
  #reason: unknown = undefined;
  #monitors: Set<Monitor> | undefined = undefined;
  #stopped: { promise: Promise<unknown>; resolve: ((v: unknown) => void) | undefined; reject: unknown } | undefined =
    undefined;
  #replies: Map<number, OneshotSender<unknown>> | undefined = undefined;
  #sends: Map<number, RefSendWait> | undefined = undefined;
  #next = 1;
  /** Waits on the link (the port is ref'd while there are any). */
  #busy = 0;

  constructor(wire: RefWire) {
    this.id = wire.id;
    this.name = wire.name;
    this.capacity = wire.capacity;
    this.#credit = wire.capacity;
    this.ref = new ActorRef(this);
    this.link = new Link(wire.port, { onOp: (op) => this.onOp(op), onClose: () => this.linkGone() }, false, ARITY);
  }

  get isAlive(): boolean {
    return !this.#stopping && !this.#done;
  }

  tell(msg: M): void {
    if (!this.isAlive) throw new ActorStoppedError(this.id, msg);
    if (msg === undefined) throw new TypeError('ActorRef.tell: undefined is not a valid message');
    if (this.#credit === 0) throw new MailboxFullError(this.id, msg);
    checkCloneable(msg, 'ActorRef.tell');
    this.#credit--;
    this.#post(TELL, 0, msg);
  }

  send(msg: M, signal: AbortSignal | undefined): Promise<void> {
    if (msg === undefined) throw new TypeError('ActorRef.send: undefined is not a valid message');
    if (!this.isAlive) return Promise.reject(new ActorStoppedError(this.id, msg));
    checkCloneable(msg, 'ActorRef.send');
    const w = new RefSendWait(this, this.#next++, msg);
    const promise = w.park(signal, sendSite);
    if (w.settled) return promise;
    (this.#sends ??= new Map()).set(w.id, w);
    this.#hold(1);
    this.#post(SEND, w.id, msg);
    return promise;
  }

  /** `msg` encoded (its refs wired, its reply ends kept here), posted with the ports it carries. */
  #post(code: number, id: number, msg: unknown): void {
    const ports: MessagePort[] = [];
    const out = encodeMessage(msg, this, ports);
    postOp(this.link, id === 0 ? [code, out] : [code, id, out], ports);
  }

  /** @internal A send was cancelled: withdraw it (the home drops it if it is not in the mailbox yet). */
  withdraw(w: RefSendWait): void {
    if (this.#sends?.delete(w.id) !== true) return;
    this.#hold(-1);
    this.link.post([CANCEL, w.id]);
  }

  /** @internal (`ReplyTable`) A reply end in an outgoing message: kept until the answer comes back. */
  keep(reply: OneshotSender<unknown>): number {
    const n = this.#next++;
    (this.#replies ??= new Map()).set(n, reply);
    this.#hold(1);
    return n;
  }

  stop(reason: unknown): Promise<void> {
    if (this.isAlive) {
      this.#stopping = true;
      this.link.post([STOP, reasonOut(reason)]);
    }
    return this.stopped().then(noop);
  }

  stopped(): Promise<unknown> {
    if (this.#done) return Promise.resolve(this.#reason);
    if (this.#stopped === undefined) {
      const d = { promise: undefined as unknown as Promise<unknown>, resolve: undefined, reject: undefined as unknown };
      d.promise = newPromise(d as never);
      this.#stopped = d;
      this.#hold(1);
    }
    return this.#stopped.promise;
  }

  monitor(fn: (reason: unknown) => void): object {
    const m: Monitor = { fn };
    if (this.#done) {
      const reason = this.#reason;
      queueMicrotask(() => m.fn?.(reason));
    } else (this.#monitors ??= new Set()).add(m);
    return m;
  }

  demonitor(token: object): void {
    (token as Monitor).fn = undefined;
    this.#monitors?.delete(token as Monitor);
  }

  exit(reason: unknown): void {
    if (this.isAlive) this.link.post([EXIT, reasonOut(reason)]);
  }

  /** Refuses further messages at once (a kill is on its way). */
  protected markStopping(): void {
    this.#stopping = true;
  }

  /** One op from the home (a subclass handles more codes, then calls this). */
  protected onOp(op: Op): void {
    switch (op[0]) {
      case CREDIT:
        this.#credit += op[1] as number;
        break;
      case SENT:
      case REFUSED: {
        const w = this.#sends?.get(op[1] as number);
        if (w === undefined) break; // withdrawn meanwhile
        this.#sends!.delete(w.id);
        this.#hold(-1);
        if (op[0] === SENT) w.complete(undefined);
        else w.fail(new ActorStoppedError(this.id, w.msg));
        break;
      }
      case REPLY:
      case NOREPLY: {
        const n = op[1] as number;
        const reply = this.#replies?.get(n);
        if (reply === undefined) break;
        this.#replies!.delete(n);
        this.#hold(-1);
        if (op[0] === REPLY) reply.send(decodeMessage(op[2], answers));
        else reply.close();
        break;
      }
      case STOPPED:
        this.finish(reasonIn(op[1]));
        break;
    }
  }

  /** The link closed without a final stop (the actor's thread is gone). */
  protected linkGone(): void {
    this.finish('noconnection');
  }

  /** The actor stopped for good: what waits here is answered, monitors fire. */
  protected finish(reason: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#stopping = true;
    this.#reason = reason;
    this.#credit = 0;
    const sends = this.#sends;
    this.#sends = undefined;
    if (sends !== undefined) for (const w of sends.values()) w.fail(new ActorStoppedError(this.id, w.msg));
    const replies = this.#replies;
    this.#replies = undefined;
    if (replies !== undefined) for (const r of replies.values()) r.close();
    const monitors = this.#monitors;
    this.#monitors = undefined;
    if (monitors !== undefined) for (const m of monitors) m.fn?.(reason);
    this.#stopped?.resolve!(reason);
    this.#busy = 0;
    this.link.close();
  }

  #hold(delta: number): void {
    const before = this.#busy;
    this.#busy += delta;
    if (before === 0 && this.#busy > 0) this.link.port.ref();
    else if (before > 0 && this.#busy === 0) this.link.port.unref();
  }
}
