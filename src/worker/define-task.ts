import { func } from '../core/validate.js';
import { TaskNotFoundError } from './errors.js';

/** Any task function: what `defineTask` registers. */
export type AnyTaskFn = (...args: any[]) => unknown;

/**
 * A named function that worker threads can run: the module it is defined in
 * and its name there. Made by `defineTask`; passed to `spawnBlocking`,
 * `spawnWorker` and `parMap`. `fn` is the function itself, for calling it on
 * the current thread.
 *
 * @example
 * ```ts
 * import { TaskDef, defineTask } from 'weft/worker';
 * export const upper = defineTask(import.meta.url, 'upper', (s: string) => s.toUpperCase());
 * console.assert(upper instanceof TaskDef && upper.fn('a') === 'A');
 * ```
 */
export class TaskDef<A extends unknown[] = unknown[], R = unknown> {
  /** The module that calls `defineTask` (its `import.meta.url`). */
  readonly moduleUrl: string;
  /** The task's name, unique in its module. */
  readonly name: string;
  /** The function, for calling it on this thread. */
  readonly fn: (...args: A) => R | PromiseLike<R>;

  /** @internal use `defineTask`. */
  constructor(moduleUrl: string, name: string, fn: (...args: A) => R | PromiseLike<R>) {
    this.moduleUrl = moduleUrl;
    this.name = name;
    this.fn = fn;
    Object.freeze(this);
  }
}

/**
 * One registry per process, shared by every copy of weft loaded in a thread
 * (say, one from `src/` and one from `dist/`), so a task defined through
 * either is found.
 */
const registryKey = Symbol.for('weft.worker.tasks');
const registry: Map<string, Map<string, TaskDef<any, any>>> = ((globalThis as any)[registryKey] ??= new Map());

/**
 * Registers `fn` as a task that worker threads can run, and returns its typed
 * `TaskDef`. Call it at the top level of a module, passing that module's
 * `import.meta.url`: a worker thread imports the module (which runs the same
 * call there) and finds the function by `name`. Works for compiled `.js`
 * modules and, under the `tsx` loader, for `.ts` modules.
 *
 * Arguments and results cross threads by structured clone (see `transfer` to
 * move buffers instead). Inside the function, `currentTask()` from `weft` is
 * the task on the worker: its `signal` fires when the caller aborts the
 * `JoinHandle`.
 *
 * @param moduleUrl the defining module's `import.meta.url`
 * @param name the task's name, unique within the module
 * @param fn the function; sync or async
 * @returns the task definition to pass to `spawnBlocking`, `spawnWorker` or `parMap`
 * @throws TypeError if `moduleUrl` is not a URL, `name` is empty or not a
 *   string, `fn` is not a function, or the module already defined `name` with
 *   another function
 *
 * @example
 * ```ts
 * import { defineTask } from 'weft/worker';
 * export const fib = defineTask(import.meta.url, 'fib', function fib(n: number): number {
 *   return n < 2 ? n : fib(n - 1) + fib(n - 2);
 * });
 * console.assert(fib.name === 'fib' && fib.fn(10) === 55);
 * ```
 */
export function defineTask<A extends unknown[], R>(
  moduleUrl: string,
  name: string,
  fn: (...args: A) => R | PromiseLike<R>,
): TaskDef<A, R> {
  if (typeof moduleUrl !== 'string' || !URL.canParse(moduleUrl)) {
    throw new TypeError(`defineTask: moduleUrl must be the module's import.meta.url, got ${String(moduleUrl)}`);
  }
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError('defineTask: name must be a non-empty string');
  }
  func(fn, 'defineTask', 'fn');
  let tasks = registry.get(moduleUrl);
  if (tasks === undefined) registry.set(moduleUrl, (tasks = new Map()));
  const existing = tasks.get(name);
  if (existing !== undefined) {
    if (existing.fn === fn) return existing as TaskDef<A, R>;
    throw new TypeError(`defineTask: ${moduleUrl} already defines a task named '${name}'`);
  }
  const def = new TaskDef(moduleUrl, name, fn);
  tasks.set(name, def);
  return def;
}

/** True for a `TaskDef` from any copy of weft. */
export function isTaskDef(value: unknown): value is TaskDef<any, any> {
  if (value instanceof TaskDef) return true;
  const v = value as TaskDef | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.moduleUrl === 'string' &&
    typeof v.name === 'string' &&
    typeof v.fn === 'function' &&
    registry.get(v.moduleUrl)?.get(v.name) === v
  );
}

/** Checks a `TaskDef` argument. */
export function taskDefArg(value: unknown, fn: string): TaskDef<any, any> {
  if (!isTaskDef(value)) {
    throw new TypeError(`${fn}: task must be a TaskDef made by defineTask(import.meta.url, name, fn)`);
  }
  return value;
}

const loading = new Map<string, Promise<Record<string, unknown>>>();

/** Imports `moduleUrl` once per thread (a failed import fails every call of its tasks the same way). */
function load(moduleUrl: string): Promise<Record<string, unknown>> {
  let loaded = loading.get(moduleUrl);
  if (loaded === undefined) {
    loaded = import(moduleUrl) as Promise<Record<string, unknown>>;
    loading.set(moduleUrl, loaded);
  }
  return loaded;
}

/** @internal Main thread: the modules that have defined tasks so far (what a booting worker preloads). */
export function definedModules(): string[] {
  return [...registry.keys()];
}

/**
 * @internal Worker side, at boot: imports the task modules the main thread had
 * loaded when it started this thread, so that the first call of each of their
 * tasks runs at once instead of waiting for its module. Resolves once every
 * import has settled; one that fails is not reported here (the calls of its
 * tasks fail with its error, as without preloading).
 */
export function preloadModules(urls: readonly string[]): Promise<void> {
  const imports = urls.filter((url) => !registry.has(url)).map((url) => load(url).then(noop, noop));
  return Promise.all(imports).then(noop);
}

function noop(): void {}

/**
 * Worker side: the function registered as `name` in `moduleUrl`, importing
 * the module first if needed. Returns the function at once when the module is
 * already loaded, else a promise of it.
 */
export function resolveTask(moduleUrl: string, name: string): AnyTaskFn | Promise<AnyTaskFn> {
  const def = registry.get(moduleUrl)?.get(name);
  if (def !== undefined) return def.fn as AnyTaskFn;
  return load(moduleUrl).then((ns) => {
    const found = registry.get(moduleUrl)?.get(name) ?? findExported(ns, name);
    if (found === undefined) throw new TaskNotFoundError(moduleUrl, name);
    return found.fn as AnyTaskFn;
  });
}

/** A module reached through another URL (a symlink, a query) registers under that URL: look at its exports too. */
function findExported(ns: Record<string, unknown>, name: string): TaskDef<any, any> | undefined {
  for (const key of Object.keys(ns)) {
    const value = ns[key];
    if (isTaskDef(value) && value.name === name) return value;
  }
  return undefined;
}
