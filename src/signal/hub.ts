import { constants } from 'node:os';

/** Something told about each delivery of a process signal. */
export interface SignalSubscriber {
  notify(): void;
}

const subscribers = new Map<string, Set<SignalSubscriber>>();
const handlers = new Map<string, () => void>();

/**
 * Adds `sub` for signal `name`. One process listener per signal name, added
 * with the first subscriber and removed with the last, so weft never leaves a
 * listener behind (and while none is installed, the signal keeps its default
 * behaviour: SIGINT still ends the process).
 */
export function subscribe(name: string, sub: SignalSubscriber): void {
  let set = subscribers.get(name);
  if (set === undefined) {
    set = new Set();
    subscribers.set(name, set);
    const handler = (): void => dispatch(name);
    handlers.set(name, handler);
    process.on(name as NodeJS.Signals, handler);
  }
  set.add(sub);
}

export function unsubscribe(name: string, sub: SignalSubscriber): void {
  const set = subscribers.get(name);
  if (set === undefined || !set.delete(sub) || set.size > 0) return;
  subscribers.delete(name);
  const handler = handlers.get(name)!;
  handlers.delete(name);
  process.off(name as NodeJS.Signals, handler);
}

function dispatch(name: string): void {
  const set = subscribers.get(name);
  if (set === undefined) return;
  for (const sub of [...set]) sub.notify();
}

/*
 * Node's signal handles do not keep the process alive. A pending wait for a
 * signal should (a program whose last job is `await ctrlC()` must not just
 * exit), so while any such wait is pending one ref'd timer holds the loop open.
 */
let holders = 0;
let keepAlive: NodeJS.Timeout | undefined;

function noop(): void {}

/** A wait for a signal started: keep the process alive. */
export function hold(): void {
  if (holders++ === 0) keepAlive = setInterval(noop, 2 ** 30);
}

/** A wait for a signal ended. */
export function release(): void {
  if (--holders === 0) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

const UNLISTENABLE = new Set(['SIGKILL', 'SIGSTOP']);

/** Checks a signal name: a string Node knows, that a process can listen for. */
export function signalName(name: unknown, fn: string): NodeJS.Signals {
  if (typeof name !== 'string') throw new TypeError(`${fn}: the signal name must be a string, got ${typeof name}`);
  if (!Object.hasOwn(constants.signals, name)) {
    throw new RangeError(`${fn}: unknown signal ${JSON.stringify(name)} (expected e.g. 'SIGINT', 'SIGTERM', 'SIGHUP')`);
  }
  if (UNLISTENABLE.has(name)) throw new RangeError(`${fn}: ${name} cannot be caught`);
  return name as NodeJS.Signals;
}
