import { spawn, currentTask } from '../task/spawn.js';
import { defineTask } from '../worker/index.js';
import { oneshot, type mpsc } from '../sync/index.js';
import { findActorDef } from './define-actor.js';
import { LocalActor, WAKE } from './local-actor.js';
import { systemOf } from './system.js';

/** A control message from the ref's thread to the actor's. */
export type Control = { type: 'stop'; reason: unknown } | { type: 'exit'; reason: unknown };

/** A reply end that crossed threads inside a message: its id on the asking side. */
export interface ReplyMark {
  readonly __weftReply: number;
}

/** One reply (or its absence) going back: [reply id, sent?, value]. */
export type ReplyBack = [number, boolean, unknown];

function isMark(v: unknown): v is ReplyMark {
  return typeof v === 'object' && v !== null && typeof (v as ReplyMark).__weftReply === 'number';
}

/**
 * The worker side of `spawnActor({ thread: 'worker' }, def)`: imports the
 * definition's module, runs the actor there as an ordinary local actor whose
 * mailbox is the channel made on the spawning thread (its receiver moved
 * here, a sender clone for `ctx.self`), obeys control messages, and returns
 * the actor's final reason. A reply end in a message arrived as a mark: it
 * becomes a local oneshot whose answer is sent back on `replies`.
 * @internal
 */
export const actorHost = defineTask(
  import.meta.url,
  'weft.actor.host',
  async (
    moduleUrl: string,
    defName: string,
    args: unknown[],
    name: string | undefined,
    id: string,
    rx: mpsc.Receiver<unknown>,
    tx: mpsc.Sender<unknown>,
    control: mpsc.Receiver<Control>,
    replies: mpsc.UnboundedSender<ReplyBack>,
  ): Promise<unknown> => {
    await import(moduleUrl);
    const def = findActorDef(moduleUrl, defName);
    if (def === undefined)
      throw new TypeError(`spawnActor: no actor ${defName} defined in ${moduleUrl} (defineActor at its top level)`);
    const decode = (msg: unknown): unknown => {
      if (typeof msg !== 'object' || msg === null) return msg;
      if ((msg as { __weftWake?: unknown }).__weftWake === true) return WAKE;
      for (const key of Object.keys(msg)) {
        const v = (msg as Record<string, unknown>)[key];
        if (!isMark(v)) continue;
        const [replyTx, replyRx] = oneshot<unknown>();
        (msg as Record<string, unknown>)[key] = replyTx;
        const back = v.__weftReply;
        replyRx.recv().then(
          (value) => {
            try {
              replies.send([back, true, value]);
            } catch {
              replies.send([back, false, undefined]); // not cloneable: the asker sees a dropped request
            }
          },
          () => {
            if (!replies.isClosed) replies.send([back, false, undefined]);
          },
        );
      }
      return msg;
    };
    const cell = new LocalActor<unknown, unknown>(systemOf(), def.behavior, args, name, { tx, rx, decode, id });
    // The call aborted (the spawning runtime shuts down): stop the actor rather than wait for it forever.
    const signal = currentTask()?.signal;
    const onAbort = (): void => void cell.stop('shutdown');
    signal?.addEventListener('abort', onAbort, { once: true });
    const obeying = spawn(async () => {
      for await (const c of control) {
        if (c.type === 'stop') void cell.stop(c.reason);
        else cell.exit(c.reason);
      }
    });
    const reason = await cell.stopped();
    signal?.removeEventListener('abort', onAbort);
    control.close();
    await obeying;
    tx.close();
    // Let pending reply relays run before the channel back closes.
    await new Promise((resolve) => setImmediate(resolve));
    replies.close();
    return reason;
  },
);
