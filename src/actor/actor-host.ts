import type { MessagePort } from 'node:worker_threads';
import { currentTask } from '../task/spawn.js';
import { defineTask } from '../worker/index.js';
import type { Op } from '../worker/channels/remote-link.js';
import { findActorDef } from './define-actor.js';
import { LocalActor, Phase, type ChildParent } from './local-actor.js';
import { RefHome } from './ref-home.js';
import { AT_GATE, ATTACH, DETACH, FAILED, GO, KILL, RESUME, SETTLED, SUSPEND, reasonIn, reasonOut } from './ref-ops.js';
import { systemOf, type ActorSystem } from './system.js';

/**
 * The agent beside an actor placed on this (worker) thread: serves its ref
 * on the spawning thread (`RefHome`) and carries out what a supervisor there
 * decides, reporting what the actor's supervisor would be told here.
 */
class CellHome extends RefHome implements ChildParent {
  readonly supervisorLabel = 'a supervisor on another thread';

  constructor(
    readonly cell: LocalActor<unknown, unknown>,
    port: MessagePort,
    system: ActorSystem,
    readonly go: () => void,
  ) {
    super(cell, port, system);
    void cell.whenSettled().then(() => this.#settled());
  }

  childFailed(_cell: object, reason: unknown, generation: number): void {
    this.post([FAILED, reasonOut(reason), generation]);
  }

  childStopped(): void {} // the final stop goes out as STOPPED

  #settled(): void {
    if (this.cell.phase !== Phase.Stopped) this.post([SETTLED, this.cell.generation]);
  }

  protected override onOp(op: Op): void {
    const cell = this.cell;
    switch (op[0]) {
      case GO:
        this.go();
        break;
      case ATTACH:
        cell.parent = this;
        break;
      case DETACH:
        cell.parent = undefined;
        break;
      case RESUME:
        void cell.resume(op[1] as number).then(() => this.#settled());
        break;
      case SUSPEND:
        void cell.suspend().then(() => {
          if (cell.phase === Phase.AtGate) this.post([AT_GATE]);
        });
        break;
      case KILL:
        cell.kill(reasonIn(op[1]));
        break;
      default:
        super.onOp(op);
    }
  }
}

/**
 * The worker side of `spawnActor({ thread: 'worker' }, def)`: imports the
 * definition's module, runs the actor here as an ordinary local actor (its
 * mailbox is local to this thread) once the spawning side says go, serves
 * its ref over `port`, and returns once the actor has stopped for good.
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
    capacity: number,
    port: MessagePort,
  ): Promise<void> => {
    await import(moduleUrl);
    const def = findActorDef(moduleUrl, defName);
    if (def === undefined) {
      port.close();
      throw new TypeError(`spawnActor: no actor ${defName} defined in ${moduleUrl} (defineActor at its top level)`);
    }
    let go!: () => void;
    const started = new Promise<void>((resolve) => (go = resolve));
    const system = systemOf();
    const cell = new LocalActor<unknown, unknown>(system, def.behavior, args, name, { capacity, id });
    cell.holdUntil(started);
    new CellHome(cell, port, system, go);
    // The call aborted (the spawning runtime shuts down): stop the actor rather than wait for it forever.
    const signal = currentTask()?.signal;
    const onAbort = (): void => void cell.stop('shutdown');
    signal?.addEventListener('abort', onAbort, { once: true });
    await cell.stopped();
    signal?.removeEventListener('abort', onAbort);
  },
);
