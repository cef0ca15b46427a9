/**
 * Channel ends among a call's arguments: how they cross to the worker.
 *
 * Structured clone would turn a `Sender` into an empty object, so before a
 * call is sent its arguments are searched (each argument, and arrays and
 * plain objects inside them) for mpsc and oneshot ends. Each one found is
 * moved (`kMove`: the handle passed is closed here, as a transferred buffer
 * is detached) and replaced by a small descriptor holding a `MessagePort` to
 * its channel, which travels in the call's transfer list. The worker turns
 * descriptors back into ends (`reviveArgs`), which belong to the call: when
 * it settles, those still open are closed, as Rust drops what a task owned.
 *
 * A handle of a higher layer that can live on another thread (an `ActorRef`,
 * weft/actor) says so with `kWire`: it is not moved but wired (it makes a
 * descriptor with a port of its own; the handle stays usable here), and the
 * receiving thread revives it through the reviver that layer registered
 * (`registerWire`), importing the layer's module first when the call's
 * module has not (`wireModules`).
 */
import type { MessagePort } from 'node:worker_threads';
import { kMove, kRemote, kWire } from '../../core/move.js';
import { checkCloneable } from '../../core/clone-check.js';
import { Sender } from '../../sync/mpsc/bounded.js';
import { UnboundedSender } from '../../sync/mpsc/unbounded.js';
import { Receiver } from '../../sync/mpsc/receiver.js';
import { OneshotReceiver, OneshotSender } from '../../sync/oneshot.js';
import type { Chan } from '../../sync/mpsc/chan.js';
import type { Inner } from '../../sync/oneshot.js';
import { RemoteReceiver, reviveMpsc } from './remote-mpsc.js';
import { wireReceiver, wireSender } from './mpsc-home.js';
import type { MpscWire } from './mpsc-wire.js';
import { reviveOneshot, wireOneshotReceiver, wireOneshotSender, type OneshotWire } from './remote-oneshot.js';

/** How deep inside arrays and plain objects ends are looked for. */
const MAX_DEPTH = 8;

/** The descriptor a `kWire` handle makes: its kind, its port, and the module that registers its reviver. */
export interface HandleWire {
  weft: string;
  port: MessagePort;
  module: string;
}

type Wire = MpscWire | OneshotWire | HandleWire;

type Wired = { [kWire](): HandleWire };

/** The revivers of `kWire` handles on this thread, by kind (`HandleWire.weft`). */
const revivers = new Map<string, (wire: HandleWire) => object>();

/** Registers how descriptors of kind `kind` become handles again on this thread (a layer above calls it when loaded). */
export function registerWire(kind: string, reviver: (wire: HandleWire) => object): void {
  revivers.set(kind, reviver);
}

function isWired(value: object): value is Wired {
  return typeof (value as Partial<Wired>)[kWire] === 'function';
}

/** An end that arrived from another thread, dropped when its call settles. */
export interface Closable {
  close(): void;
}

/** Drops an end whose call settled: closes it; a receiver also lets go of what it holds. */
export function dropEnd(end: Closable): void {
  const remote = (end as Partial<Fronted>)[kRemote];
  if (remote instanceof RemoteReceiver) remote.drop();
  else end.close();
}

function isEnd(value: object): boolean {
  return (
    value instanceof Sender ||
    value instanceof UnboundedSender ||
    value instanceof Receiver ||
    value instanceof OneshotSender ||
    value instanceof OneshotReceiver
  );
}

/** Every end class is a front over its local channel or a remote backend (`sync/remote-end.ts`). */
type Fronted = { readonly [kRemote]: object | undefined };

/** An end that itself lives on another thread than its channel (a front over a remote backend). */
function isRemote(end: object): boolean {
  return (end as Fronted)[kRemote] !== undefined;
}

/** Arrays and plain objects: the containers searched for ends (class instances are cloned as they are). */
function isPlain(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

type Movable = { [kMove](probe: boolean): unknown };

/** The ends inside `value`, appended to `ends`. */
function collect(value: unknown, depth: number, ends: object[]): void {
  if (typeof value !== 'object' || value === null) return;
  if (isEnd(value) || isWired(value)) ends.push(value);
  else if (depth < MAX_DEPTH && isPlain(value)) {
    for (const key of Object.keys(value)) collect((value as Record<string, unknown>)[key], depth + 1, ends);
  }
}

/** Moves one end (already probed), returning its descriptor. */
function wireEnd(end: object): Wire {
  if (isWired(end)) return end[kWire]();
  const state = (end as Movable)[kMove](false);
  if (end instanceof Sender) return wireSender(state as Chan<unknown>, 'mpsc.Sender');
  if (end instanceof UnboundedSender) return wireSender(state as Chan<unknown>, 'mpsc.UnboundedSender');
  if (end instanceof Receiver) return wireReceiver(state as Chan<unknown>);
  if (end instanceof OneshotSender) return wireOneshotSender(state as Inner<unknown>);
  return wireOneshotReceiver(state as Inner<unknown>);
}

/** `value` with every end in it replaced by its descriptor (copies only the containers that change). */
function replace(value: unknown, wires: Map<object, Wire>, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const w = wires.get(value);
  if (w !== undefined) return w;
  if (depth >= MAX_DEPTH || !isPlain(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const replaced = replace(item, wires, depth + 1);
    if (replaced === item) continue;
    copy ??= (Array.isArray(value) ? [...value] : { ...value }) as Record<string, unknown>;
    copy[key] = replaced;
  }
  return copy ?? value;
}

/**
 * Moves the channel ends among `args` to the thread the call goes to.
 * Returns the arguments to send and the ports to transfer, or undefined
 * when there are none (the common case, found without allocating).
 *
 * @throws TypeError if an end cannot be moved (closed, moved already, itself
 *   from another thread, or a receiver holding a value that cannot be
 *   cloned); then nothing was moved
 */
export function wireArgs(args: unknown[]): { args: unknown[]; ports: MessagePort[] } | undefined {
  const ends: object[] = [];
  for (const arg of args) collect(arg, 0, ends);
  if (ends.length === 0) return undefined;
  for (const end of ends) {
    if (isWired(end)) continue; // not moved: nothing to check
    if (isRemote(end)) {
      throw new TypeError(
        'a channel end that came from another thread cannot be passed on to a third: create the channel where both ends can reach it',
      );
    }
    const state = (end as Movable)[kMove](true);
    if (state === undefined) {
      throw new TypeError('a closed (or already moved) channel end cannot be passed to another thread');
    }
    // A moved receiver's buffered values go over too: each must be cloneable.
    if (end instanceof Receiver) {
      const buffer = (state as Chan<unknown>).buffer;
      for (let i = 0; i < buffer.length; i++) checkCloneable(buffer.at(i), 'passing a Receiver to another thread');
    }
  }
  const wires = new Map<object, Wire>();
  for (const end of ends) if (!wires.has(end)) wires.set(end, wireEnd(end));
  const ports = [...wires.values()].map((w) => w.port);
  return { args: replace(args, wires, -1) as unknown[], ports };
}

function isWire(value: object): value is Wire {
  return typeof (value as { weft?: unknown }).weft === 'string' && (value as { port?: unknown }).port !== undefined;
}

/** Turns the descriptors in `value` back into ends (in place); `ends` maps each descriptor to its end. */
function revive(value: unknown, ends: Map<object, Closable>, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (isWire(value)) {
    if (!value.weft.startsWith('mpsc.') && !value.weft.startsWith('oneshot.')) {
      // A handle of a higher layer: it is not the call's to close.
      const reviver = revivers.get(value.weft);
      return reviver === undefined ? value : reviver(value as HandleWire);
    }
    let end = ends.get(value);
    if (end === undefined) {
      end = value.weft.startsWith('mpsc.') ? reviveMpsc(value as MpscWire) : reviveOneshot(value as OneshotWire);
      ends.set(value, end);
    }
    return end;
  }
  if (depth >= MAX_DEPTH || !isPlain(value)) return value;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const revived = revive(item, ends, depth + 1);
    if (revived !== item) (value as Record<string, unknown>)[key] = revived;
  }
  return value;
}

/** On the worker: the ends among a call's arguments, rebuilt in place; returns them, to close when the call settles. */
export function reviveArgs(args: unknown[]): Closable[] {
  const ends = new Map<object, Closable>();
  revive(args, ends, -1);
  return [...ends.values()];
}

/** The modules to import before `reviveArgs` can revive every handle among `args` (their reviver is not registered here yet). */
export function wireModules(args: unknown[]): string[] {
  const out = new Set<string>();
  const walk = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null) return;
    if (isWire(value)) {
      const w = value as HandleWire;
      if (typeof w.module === 'string' && !revivers.has(w.weft)) out.add(w.module);
      return;
    }
    if (depth >= MAX_DEPTH || !isPlain(value)) return;
    for (const key of Object.keys(value)) walk((value as Record<string, unknown>)[key], depth + 1);
  };
  walk(args, -1);
  return [...out];
}
