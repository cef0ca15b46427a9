import { readFileSync } from 'node:fs';
import { ReplayFormatError } from './errors.js';
import { listen, sendJson } from './http.js';
import type { ConsoleServer } from './serve-console.js';
import type { ConsoleState, ConsoleUpdate, ResourceInfo, TaskInfo } from './types.js';

/** A recording rebuilt in memory: the first state and the updates after it. */
export class Recording {
  readonly first: ConsoleState;
  readonly updates: Omit<ConsoleUpdate, 'droppedEvents'>[];
  /** The last state rebuilt, so a slider moving forward replays only the steps in between. */
  #cache: { frame: number; tasks: Map<number, TaskInfo>; resources: Map<number, ResourceInfo> } | undefined;

  /** @throws ReplayFormatError when the file is not a console recording */
  constructor(path: string) {
    const lines = readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    const parsed = lines.map((line, i) => {
      try {
        return JSON.parse(line) as { type?: string };
      } catch {
        throw new ReplayFormatError(`${path}: line ${i + 1} is not JSON`);
      }
    });
    const [first, ...rest] = parsed;
    if (first?.type !== 'state') throw new ReplayFormatError(`${path}: a recording starts with a "state" line`);
    this.first = first as unknown as ConsoleState;
    this.updates = rest.filter((u) => u.type === 'delta') as unknown as ConsoleUpdate[];
  }

  /** Frames: 0 is the first state, k the state after the k-th update. */
  get frames(): number {
    return this.updates.length + 1;
  }

  /** The state at frame `k` (clamped to the recording). */
  stateAt(k: number): ConsoleState {
    const frame = Math.max(0, Math.min(this.frames - 1, Math.floor(k)));
    let cache = this.#cache;
    if (cache === undefined || cache.frame > frame) {
      cache = {
        frame: 0,
        tasks: new Map(this.first.tasks.map((t) => [t.id, t])),
        resources: new Map(this.first.resources.map((r) => [r.id, r])),
      };
    }
    for (let i = cache.frame; i < frame; i++) {
      const u = this.updates[i]!;
      for (const t of u.tasks) cache.tasks.set(t.id, t);
      for (const id of u.removedTasks) cache.tasks.delete(id);
      for (const r of u.resources) cache.resources.set(r.id, r);
      for (const id of u.removedResources) cache.resources.delete(id);
    }
    cache.frame = frame;
    this.#cache = cache;
    const u = frame === 0 ? undefined : this.updates[frame - 1]!;
    const loop = [...this.first.loop, ...this.updates.slice(0, frame).map((x) => x.loop)].slice(-600);
    return {
      now: u?.now ?? this.first.now,
      at: u?.at ?? this.first.at,
      tasks: [...cache.tasks.values()],
      resources: [...cache.resources.values()],
      metrics: u?.metrics ?? this.first.metrics,
      loop,
      warnings: u?.warnings ?? this.first.warnings,
    };
  }
}

/**
 * Serves a recording (`serveConsole({ record })`) with the console page in
 * replay mode: `/api/replay` says how many frames there are, and
 * `/api/state?frame=k` is the state at frame k, which the page's time slider
 * picks.
 *
 * @throws ReplayFormatError (rejects) when the file is not a recording
 */
export async function serveReplay(path: string, options?: { port?: number; host?: string }): Promise<ConsoleServer> {
  const recording = new Recording(path);
  const http = await listen(options?.port ?? 6669, options?.host ?? '127.0.0.1', (p, query, _req, res) => {
    if (p === '/api/replay') {
      const last = recording.updates.at(-1);
      sendJson(res, { frames: recording.frames, from: recording.first.at, to: last?.at ?? recording.first.at });
      return true;
    }
    if (p === '/api/state') {
      sendJson(res, recording.stateAt(Number(query.get('frame') ?? recording.frames - 1)));
      return true;
    }
    return false;
  });
  return { url: http.url, close: http.close, [Symbol.asyncDispose]: http.close };
}
