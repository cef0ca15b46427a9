import type { MessagePort } from 'node:worker_threads';
import type { WaitNode, WaitQueue } from '../core/wait-queue.js';
import { kSelect } from '../core/selectable.js';
import { oneshot, type OneshotSender } from '../sync/oneshot.js';
import { Link, newPorts, type Op } from '../worker/channels/remote-link.js';
import { registerWire } from '../worker/channels/channel-wire.js';
import { ActorRef } from './actor-ref.js';
import type { ActorBackend } from './backend.js';
import { MailboxFullError } from './errors.js';
import { decodeMessage, encodeMessage, type Reviver } from './message-codec.js';
import { ARITY, CANCEL, CREDIT, EXIT, NOREPLY, REFUSED, REPLY, SEND, SENT, STOP, STOPPED, TELL } from './ref-ops.js';
import { postOp, reasonIn, reasonOut, type RefWire } from './ref-ops.js';
import { reviveRef } from './wired-ref.js';
import { systemOf, type ActorSystem } from './system.js';

const replySite = { op: 'actor.reply' } as const;

/**
 * The reply end a message from another thread carried, rebuilt here: an arm
 * in the new oneshot's receiver queue (the `select` protocol) that posts the
 * answer back in the same synchronous step as `reply.send`, so it is on the
 * link before anything the actor does afterwards (its stop).
 */
class ReplyRelay implements WaitNode<unknown> {
  prev: WaitNode<any> | undefined = undefined;
  next: WaitNode<any> | undefined = undefined;
  queue: WaitQueue<any> | undefined = undefined;
  settled = false;
  readonly site = replySite;
  readonly resource = undefined;

  constructor(
    readonly home: RefHome,
    readonly n: number,
  ) {}

  complete(value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    const ports: MessagePort[] = [];
    let out: unknown;
    try {
      out = encodeMessage(value, undefined, ports);
      this.home.post([REPLY, this.n, out], ports);
    } catch {
      this.home.post([NOREPLY, this.n]); // the answer cannot cross: the asker sees a dropped request
    }
  }

  fail(): void {
    if (this.settled) return;
    this.settled = true;
    this.home.post([NOREPLY, this.n]);
  }
}

/** A message from the far side waiting for room in the mailbox (`id` 0: a tell, else a send to answer). */
interface Pending {
  msg: unknown;
  id: number;
}

/**
 * The agent beside an actor that serves one ref of it on another thread
 * (see `ref-ops.ts` for the protocol): it puts what that ref tells and sends
 * in the mailbox, in order (a message that finds the mailbox full waits here
 * for room, and the ones behind it too), gives back a credit per told
 * message once it is in, relays answers to reply ends, and reports the
 * actor's final stop. Serving does not keep the thread alive.
 */
export class RefHome implements Reviver {
  readonly link: Link;
  readonly backend: ActorBackend<unknown>;
  readonly #system: ActorSystem | undefined;
  readonly #ref: ActorRef<unknown>;
  readonly #token: object;
  #queue: Pending[] | undefined = undefined;
  #credit = 0;

  constructor(backend: ActorBackend<unknown>, port: MessagePort, system: ActorSystem | undefined) {
    this.backend = backend;
    this.#system = system;
    this.#ref = new ActorRef(backend);
    this.link = new Link(
      port,
      {
        onOp: (op) => this.onOp(op),
        onBatch: () => this.#giveCredit(),
        onClose: () => backend.demonitor(this.#token),
      },
      false,
      ARITY,
    );
    this.#token = backend.monitor((reason) => this.stopped(reason));
  }

  /** Posts one op (with the ports it carries, if any). */
  post(op: Op, ports?: MessagePort[]): void {
    postOp(this.link, op, ports);
  }

  /** The actor stopped for good: say so (the last op), then close. */
  protected stopped(reason: unknown): void {
    this.#giveCredit();
    this.post([STOPPED, reasonOut(reason)]);
    this.link.close();
  }

  /** One op from the ref (a subclass handles more codes, then calls this). */
  protected onOp(op: Op): void {
    switch (op[0]) {
      case TELL:
        this.#deliver(decodeMessage(op[1], this), 0);
        break;
      case SEND:
        this.#deliver(decodeMessage(op[2], this), op[1] as number);
        break;
      case CANCEL: {
        const q = this.#queue;
        const i = q === undefined ? -1 : q.findIndex((p, at) => at > 0 && p.id === op[1]);
        if (i > 0) q!.splice(i, 1); // (the first is being delivered: too late)
        break;
      }
      case STOP:
        void this.backend.stop(reasonIn(op[1]));
        break;
      case EXIT:
        this.backend.exit(reasonIn(op[1]));
        break;
    }
  }

  #deliver(msg: unknown, id: number): void {
    if (this.#queue === undefined) {
      try {
        this.backend.tell(msg);
        this.#delivered(id);
        return;
      } catch (err) {
        if (!(err instanceof MailboxFullError)) {
          this.#refused(msg, id);
          return;
        }
      }
      this.#queue = [{ msg, id }];
      void this.#pump();
    } else this.#queue.push({ msg, id });
  }

  /** Puts the waiting messages in, one at a time, each as soon as there is room. */
  async #pump(): Promise<void> {
    const q = this.#queue!;
    while (q.length > 0) {
      const { msg, id } = q[0]!;
      try {
        await this.backend.send(msg, undefined);
        this.#delivered(id);
      } catch {
        this.#refused(msg, id); // the actor stopped first (ActorStoppedError)
      }
      q.shift();
    }
    this.#queue = undefined;
    this.#giveCredit();
  }

  #delivered(id: number): void {
    if (id === 0) this.#credit++;
    else this.post([SENT, id]);
  }

  /** The actor stopped before the message got in: a tell's message is a dead letter, a send is refused. */
  #refused(msg: unknown, id: number): void {
    if (id !== 0) this.post([REFUSED, id]);
    else {
      this.#credit++;
      this.#system?.deadLetter(this.#ref, msg);
    }
  }

  #giveCredit(): void {
    if (this.#credit === 0) return;
    this.post([CREDIT, this.#credit]);
    this.#credit = 0;
  }

  // --- Reviver: the handles inside a message from the far side ----------------

  /** @internal */
  ref(wire: object): ActorRef<unknown> {
    return reviveRef(wire);
  }

  /** @internal */
  reply(n: number): OneshotSender<unknown> {
    const [tx, rx] = oneshot<unknown>();
    rx[kSelect](new ReplyRelay(this, n));
    return tx;
  }
}

/** The actor system of the calling code, if it runs in a runtime (dead letters go there). */
function currentSystem(): ActorSystem | undefined {
  try {
    return systemOf();
  } catch {
    return undefined;
  }
}

/** The credit window of a ref to a backend that does not say its mailbox capacity (the default mailbox). */
const DEFAULT_WINDOW = 1024;

/**
 * Wires the ref of `backend` for another thread (as an argument of
 * `spawnWorker`, inside a message to an actor on another thread, inside an
 * answer): starts an agent serving it here, and returns what crosses, from
 * which the receiving thread makes a ref over that port (`WiredRef`). The
 * ref given stays usable here; each crossing is one port pair, so a ref
 * passed on from a second thread to a third reaches the actor through the
 * second.
 */
export function wireBackend(backend: ActorBackend<unknown>): RefWire {
  const { port1, port2 } = newPorts();
  new RefHome(backend, port1, currentSystem());
  const capacity = (backend as { capacity?: unknown }).capacity;
  return {
    weft: 'actor.Ref',
    port: port2,
    module: import.meta.url,
    id: backend.id,
    name: backend.name,
    capacity: typeof capacity === 'number' ? capacity : DEFAULT_WINDOW,
  };
}

ActorRef.wire = wireBackend;
registerWire('actor.Ref', reviveRef);
