/**
 * The thread's registry of weft resources (channels, locks, timers, sockets)
 * for introspection, and the switch that says whether any runtime observes.
 *
 * Every resource gets an id at construction (a counter: free), and its waits
 * carry that id (`Parked.resource`), so a parked task can always say what it
 * waits on. The registry entry itself (kind, name, creation time, location and
 * a `WeakRef` to the resource) is made only while a runtime observes
 * (`Builder.observe()`): with observation off, constructing a primitive costs
 * one increment. The registry never keeps a resource alive: it holds a
 * `WeakRef`, and a `FinalizationRegistry` drops the entry once the resource is
 * collected; resources with an explicit end (sockets, listeners, closed
 * channels) call `closeResource()` so they leave at once.
 */

/** Returns a resource's attributes (mpsc: capacity, length, senders, closed; ...). */
export type DescribeResource<R extends object> = (
  resource: R,
  entry: ResourceEntry,
) => Record<string, number | string | boolean>;

/** What the registry keeps of one resource. */
export class ResourceEntry {
  constructor(
    readonly id: number,
    readonly kind: string,
    readonly name: string | undefined,
    readonly createdAt: number,
    readonly location: string | undefined,
    /** The runtime (task host) whose task created it, or undefined when made outside any task. */
    readonly owner: unknown,
    readonly ref: WeakRef<object>,
    readonly describe: DescribeResource<any>,
  ) {}
}

/**
 * Whether some runtime observes on this thread, and how the core reads the
 * runtime clock and the creator's location. Set by the runtime layer.
 */
export const observation = {
  /** True while at least one observing runtime exists on this thread. */
  active: false,
  /**
   * The clock of the runtime of `task` (else of the calling code); the
   * runtime layer installs it. Read at batch precision (see the runtime's
   * observer): a wait's `since` needs no more.
   */
  now: (_task?: object): number => performance.now(),
  /** The runtime the calling code runs in, for a resource's owner. */
  owner: (): unknown => undefined,
  /** Whether `owner` (a runtime) observes. */
  observes: (_owner: unknown): boolean => true,
  /** `file:line:col` of the user code that called into weft, when spawn locations are recorded; else undefined. */
  location: (): string | undefined => undefined,
};

let nextId = 1;
const live = new Map<number, ResourceEntry>();
const finalizer = new FinalizationRegistry<number>((id) => {
  live.delete(id);
});

/** A new resource id (unique on this thread). */
export function resourceId(): number {
  return nextId++;
}

/**
 * @internal Makes this thread number its resources from `base` on: a worker
 * thread that reports its tasks to an observing owner uses `thread * 2^40`, so
 * the resource ids in what its tasks wait on never name one of the owner's.
 */
export function setResourceIdBase(base: number): void {
  if (nextId < base) nextId = base;
}

/**
 * Registers `resource` under `id` while a runtime observes (a no-op otherwise).
 * `describe` must be a function that does not close over `resource` (keep it a
 * module-level function), or the entry would keep the resource alive.
 * `createdAt` defaults to the runtime clock now.
 */
export function registerResource<R extends object>(
  resource: R,
  id: number,
  kind: string,
  name: string | undefined,
  describe: DescribeResource<R>,
  createdAt?: number,
): void {
  if (!observation.active) return;
  // Made in a task of a runtime that does not observe: not registered.
  const owner = observation.owner();
  if (owner !== undefined && !observation.observes(owner)) return;
  const entry = new ResourceEntry(
    id,
    kind,
    name,
    createdAt ?? observation.now(),
    observation.location(),
    owner,
    new WeakRef(resource),
    describe,
  );
  live.set(id, entry);
  finalizer.register(resource, id, entry);
}

/** Removes a resource that ended (a closed socket or listener). Idempotent. */
export function closeResource(id: number): void {
  const entry = live.get(id);
  if (entry === undefined) return;
  live.delete(id);
  finalizer.unregister(entry);
}

/** The registered resources still alive, oldest first, each with its target (collected ones are dropped). */
export function liveResources(): Array<{ entry: ResourceEntry; resource: object }> {
  const out: Array<{ entry: ResourceEntry; resource: object }> = [];
  for (const entry of live.values()) {
    const resource = entry.ref.deref();
    if (resource === undefined) live.delete(entry.id);
    else out.push({ entry, resource });
  }
  return out;
}

/** The registry entry of `id`, if it is registered and alive. */
export function resourceEntry(id: number): ResourceEntry | undefined {
  return live.get(id);
}

/** Reads `options.name` of a resource constructor or factory. */
export function resourceName(options: { name?: string } | undefined, fn: string): string | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${fn}: options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const name = options.name;
  if (name !== undefined && typeof name !== 'string') throw new TypeError(`${fn}: options.name must be a string`);
  return name;
}
