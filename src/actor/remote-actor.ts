import { noop } from '../core/promise.js';
import { spawn } from '../task/spawn.js';
import { JoinError } from '../task/errors.js';
import { mpsc, SendError } from '../sync/index.js';
import { OneshotSender } from '../sync/oneshot.js';
import { spawnWorker } from '../worker/index.js';
import { ActorRef } from './actor-ref.js';
import type { ActorBackend } from './backend.js';
import type { ActorDef } from './define-actor.js';
import { ActorStoppedError, MailboxFullError } from './errors.js';
import { actorHost, type Control, type ReplyBack } from './actor-host.js';

let nextRemote = 1;

/**
 * The backend of a ref to an actor placed on a worker thread. The mailbox is
 * an mpsc channel made here whose receiver moved to the worker (so capacity,
 * FIFO and backpressure are the channel's); a reply end at the top level of a
 * message is kept here and replaced by a mark, and the worker sends the
 * answer back on `replies`.
 */
class RemoteActor<M> implements ActorBackend<M> {
  readonly id: string;
  readonly name: string | undefined;
  readonly ref: ActorRef<M>;
  readonly #tx: mpsc.Sender<unknown>;
  readonly #control: mpsc.Sender<Control>;
  readonly #pending = new Map<number, OneshotSender<unknown>>();
  #nextReply = 1;
  #stopping = false;
  #done = false;
  #reason: unknown = undefined;
  #monitors = new Set<{ fn: ((reason: unknown) => void) | undefined }>();
  #stopped: Promise<unknown>;

  constructor(def: ActorDef<M, any, any>, args: unknown[], name: string | undefined, mailbox: number) {
    this.id = `w${nextRemote++}`;
    this.name = name;
    this.ref = new ActorRef(this);
    const [tx, rx] = mpsc.channel<unknown>(mailbox);
    const [control, controlRx] = mpsc.channel<Control>(16);
    const [replies, repliesRx] = mpsc.unboundedChannel<ReplyBack>();
    this.#tx = tx;
    this.#control = control;
    const handle = spawnWorker(
      actorHost,
      def.moduleUrl,
      def.name,
      args,
      name,
      this.id,
      rx,
      tx.clone(),
      controlRx,
      replies,
    );
    const pump = spawn(async () => {
      for await (const [id, ok, value] of repliesRx) {
        const reply = this.#pending.get(id);
        this.#pending.delete(id);
        if (reply === undefined) continue;
        if (ok) reply.send(value);
        else reply.close();
      }
    });
    this.#stopped = handle
      .then(
        (reason) => reason,
        (err: unknown) => (err instanceof JoinError && err.cause !== undefined ? err.cause : err),
      )
      .then(async (reason) => {
        await pump.catch(noop);
        this.#finish(reason);
        return reason;
      });
  }

  get isAlive(): boolean {
    return !this.#stopping && !this.#done;
  }

  #encode(msg: M): unknown {
    if (typeof msg !== 'object' || msg === null) return msg;
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(msg)) {
      const v = (msg as Record<string, unknown>)[key];
      if (!(v instanceof OneshotSender)) continue;
      const id = this.#nextReply++;
      this.#pending.set(id, v);
      copy ??= { ...(msg as Record<string, unknown>) };
      copy[key] = { __weftReply: id };
    }
    return copy ?? msg;
  }

  tell(msg: M): void {
    if (!this.isAlive) throw new ActorStoppedError(this.id, msg);
    let sent: boolean;
    try {
      sent = this.#tx.trySend(this.#encode(msg));
    } catch (err) {
      if (err instanceof SendError) throw new ActorStoppedError(this.id, msg);
      throw err;
    }
    if (!sent) throw new MailboxFullError(this.id, msg);
  }

  send(msg: M, signal: AbortSignal | undefined): Promise<void> {
    if (!this.isAlive) return Promise.reject(new ActorStoppedError(this.id, msg));
    return this.#tx
      .send(this.#encode(msg), signal === undefined ? undefined : { signal })
      .then(undefined, (err: unknown) => {
        throw err instanceof SendError ? new ActorStoppedError(this.id, msg) : err;
      });
  }

  stop(reason: unknown): Promise<void> {
    if (!this.#stopping && !this.#done) {
      this.#stopping = true;
      this.#control.trySend({ type: 'stop', reason });
    }
    return this.#stopped.then(noop);
  }

  stopped(): Promise<unknown> {
    return this.#stopped;
  }

  monitor(fn: (reason: unknown) => void): object {
    const m = { fn: fn as ((reason: unknown) => void) | undefined };
    if (this.#done) {
      const reason = this.#reason;
      queueMicrotask(() => m.fn?.(reason));
    } else this.#monitors.add(m);
    return m;
  }

  demonitor(token: object): void {
    (token as { fn: unknown }).fn = undefined;
    this.#monitors.delete(token as { fn: undefined });
  }

  exit(reason: unknown): void {
    if (this.isAlive) this.#control.trySend({ type: 'exit', reason });
  }

  #finish(reason: unknown): void {
    this.#done = true;
    this.#reason = reason;
    this.#tx.close();
    this.#control.close();
    for (const reply of this.#pending.values()) reply.close();
    this.#pending.clear();
    for (const m of this.#monitors) m.fn?.(reason);
    this.#monitors.clear();
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
  return new RemoteActor(def, args, name, mailbox).ref;
}
