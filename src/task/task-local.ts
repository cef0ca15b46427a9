import { frames, currentFrame, type Frame } from '../core/context.js';
import { TaskLocalError } from './errors.js';

/** The frame `TaskLocal.scope` enters: the same task, plus one more local value. */
class LocalFrame implements Frame {
  constructor(
    readonly task: Frame['task'],
    readonly locals: ReadonlyMap<object, unknown>,
  ) {}
}

/**
 * A value scoped to a call and everything it awaits (Tokio's `task_local!`).
 * Values are not inherited by tasks spawned inside the scope: a spawned task
 * starts with no task-local values, as in Tokio. Other AsyncLocalStorage users
 * (OpenTelemetry's context, for one) still propagate into spawned tasks.
 *
 * @example
 * ```ts
 * import { TaskLocal } from 'weft';
 * const requestId = new TaskLocal<string>('requestId');
 * await requestId.scope('r-1', async () => {
 *   await Promise.resolve();
 *   console.assert(requestId.get() === 'r-1');
 * });
 * console.assert(requestId.tryGet() === undefined);
 * ```
 */
export class TaskLocal<T> {
  readonly name: string | undefined;

  constructor(name?: string) {
    if (name !== undefined && typeof name !== 'string') throw new TypeError('TaskLocal: name must be a string');
    this.name = name;
  }

  /** Runs `fn` with this local set to `value`; the value stays visible across `fn`'s awaits. */
  scope<R>(value: T, fn: () => R): R {
    if (typeof fn !== 'function') throw new TypeError('TaskLocal.scope: fn must be a function');
    const frame = currentFrame();
    const locals = new Map(frame?.locals);
    locals.set(this, value);
    return frames.run(new LocalFrame(frame?.task, locals), fn);
  }

  /** The value set by the innermost enclosing `scope()`. @throws TaskLocalError outside one */
  get(): T {
    const locals = currentFrame()?.locals;
    if (locals === undefined || !locals.has(this)) {
      throw new TaskLocalError(
        `TaskLocal${this.name === undefined ? '' : ` '${this.name}'`} is not set: call get() inside scope()`,
      );
    }
    return locals.get(this) as T;
  }

  /** Like `get()`, but undefined outside a scope. */
  tryGet(): T | undefined {
    return currentFrame()?.locals?.get(this) as T | undefined;
  }
}
