/**
 * The base class of the errors weft raises: each sets `name` to its class name
 * and carries a stable string `code` (e.g. `'ERR_CANCELLED'`) to branch on;
 * recovery data lives on the error (`SendError.value`) and chains in `cause`.
 *
 * `err instanceof WeftError` is true for every weft error, including
 * `AddrParseError`, which extends `TypeError` (bad arguments throw `TypeError`
 * by contract) and is counted in through the registry below.
 *
 * @example
 * ```ts
 * import { WeftError, spawn } from 'weft';
 * const handle = spawn(async () => { throw new Error('boom'); });
 * const err = await handle.catch((e: unknown) => e);
 * console.assert(err instanceof WeftError && err.code === 'ERR_TASK_FAILED');
 * ```
 */
export abstract class WeftError extends Error {
  abstract override readonly name: string;
  /** A stable identifier of the kind of failure, e.g. `'ERR_CANCELLED'`. */
  abstract readonly code: string;

  static override [Symbol.hasInstance](value: unknown): boolean {
    // Subclasses keep the ordinary prototype-chain test (this runs for them too).
    if (this !== WeftError) return Function.prototype[Symbol.hasInstance].call(this, value);
    if (typeof value !== 'object' || value === null) return false;
    return Object.prototype.isPrototypeOf.call(WeftError.prototype, value) || isRegistered(value);
  }
}

/** A weft error class, as the registry holds it. */
export type WeftErrorClass = abstract new (...args: never[]) => Error & { readonly code: string };

const byName = new Map<string, WeftErrorClass>();
const classes = new Set<WeftErrorClass>();

function isRegistered(value: object): boolean {
  return classes.has((value as { constructor?: unknown }).constructor as WeftErrorClass);
}

/**
 * @internal Registers error classes under their `name` (the object's keys, which
 * survive minification, unlike `Class.name`). Each area's errors.ts calls it once
 * for the classes it defines, so loading an area registers its errors.
 * @throws Error if a different class is already registered under a name
 */
export function registerWeftErrors(entries: Record<string, WeftErrorClass>): void {
  for (const [name, cls] of Object.entries(entries)) {
    const known = byName.get(name);
    if (known !== undefined && known !== cls) throw new Error(`weft: two error classes named ${name}`);
    byName.set(name, cls);
    classes.add(cls);
  }
}

/**
 * @internal The weft error class registered under `name` (an error's `name`),
 * or undefined. For the worker threads' error codec: an error that crosses a
 * thread keeps its class when both sides have loaded the area defining it.
 */
export function weftErrorClass(name: string): WeftErrorClass | undefined {
  return byName.get(name);
}

/** @internal Every registered weft error class, by name. */
export function weftErrorClasses(): ReadonlyMap<string, WeftErrorClass> {
  return byName;
}
