import { ActorRef } from './actor-ref.js';
import type { ActorBackend } from './backend.js';
import { isNormalReason, type ActorContext, type Down } from './behavior.js';
import type { LocalActor } from './local-actor.js';

/**
 * The `ActorContext` of a local actor. Monitors and links it sets up belong
 * to the current incarnation (as to an Erlang process): `release()` undoes
 * them when the incarnation ends, so a restarted actor sets them up again in
 * `init`.
 */
export class Context<M> implements ActorContext<M> {
  readonly #cell: LocalActor<M, any>;
  /** watched backend -> its monitor token */
  #watches: Map<ActorBackend<any>, object> | undefined = undefined;
  /** linked backend -> [our monitor on it, its monitor on us] */
  #links: Map<ActorBackend<any>, [object, object]> | undefined = undefined;

  constructor(cell: LocalActor<M, any>) {
    this.#cell = cell;
  }

  get self(): ActorRef<M> {
    return this.#cell.ref;
  }

  get signal(): AbortSignal {
    return this.#cell.signal;
  }

  watch(ref: ActorRef<any>): void {
    const backend = ActorRef.backendOf(ref);
    const watches = (this.#watches ??= new Map());
    if (watches.has(backend)) return;
    const cell = this.#cell;
    const token = backend.monitor((reason) => {
      watches.delete(backend);
      const down: Down = { type: 'down', ref, reason };
      cell.deliverSystem(down as M);
    });
    watches.set(backend, token);
  }

  unwatch(ref: ActorRef<any>): void {
    const backend = ActorRef.backendOf(ref);
    const token = this.#watches?.get(backend);
    if (token === undefined) return;
    this.#watches!.delete(backend);
    backend.demonitor(token);
  }

  link(ref: ActorRef<any>): void {
    const other = ActorRef.backendOf(ref);
    const cell = this.#cell;
    if (other === cell) return;
    const links = (this.#links ??= new Map());
    if (links.has(other)) return;
    const theirs = other.monitor((reason) => {
      links.delete(other);
      if (!isNormalReason(reason)) cell.exit(reason);
    });
    const ours = cell.monitor((reason) => {
      if (!isNormalReason(reason)) other.exit(reason);
    });
    links.set(other, [theirs, ours]);
  }

  stash(msg: M): void {
    this.#cell.stash(msg);
  }

  unstashAll(): void {
    this.#cell.unstashAll();
  }

  /** Undoes this incarnation's monitors and links (the incarnation ended). */
  release(): void {
    const watches = this.#watches;
    if (watches !== undefined) {
      this.#watches = undefined;
      for (const [backend, token] of watches) backend.demonitor(token);
    }
    const links = this.#links;
    if (links !== undefined) {
      this.#links = undefined;
      const cell = this.#cell;
      for (const [other, [theirs, ours]] of links) {
        other.demonitor(theirs);
        cell.demonitor(ours);
      }
    }
  }
}
