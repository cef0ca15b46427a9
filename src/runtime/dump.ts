import type { ResourceInfo, TaskInfo, WaitInfo } from './introspection.js';

/**
 * Renders `runtime.dump()`: the alive tasks as a tree under their parents
 * (a task whose parent is not alive is a root), each with its state and what
 * it waits on, resources by kind and name.
 */
export function renderDump(tasks: TaskInfo[], resources: ResourceInfo[], now: number, flavor: string): string {
  const alive = tasks.filter((t) => t.state !== 'done');
  const finished = tasks.length - alive.length;
  const byId = new Map(alive.map((t) => [t.id, t]));
  const children = new Map<number | undefined, TaskInfo[]>();
  for (const t of alive) {
    const parent = t.parentId !== undefined && byId.has(t.parentId) ? t.parentId : undefined;
    const list = children.get(parent);
    if (list === undefined) children.set(parent, [t]);
    else list.push(t);
  }
  const res = new Map(resources.map((r) => [r.id, r]));
  const lines = [
    `weft runtime (${flavor}): ${alive.length} alive task${alive.length === 1 ? '' : 's'}` +
      (finished > 0 ? `, ${finished} finished retained` : ''),
  ];
  const walk = (parent: number | undefined, prefix: string): void => {
    const list = children.get(parent) ?? [];
    list.forEach((t, i) => {
      const last = i === list.length - 1;
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${describeTask(t, res, now)}`);
      walk(t.id, prefix + (last ? '   ' : '│  '));
    });
  };
  walk(undefined, '');
  return lines.join('\n');
}

function describeTask(t: TaskInfo, res: Map<number, ResourceInfo>, now: number): string {
  let line = `task ${t.id}`;
  if (t.name !== undefined) line += ` "${t.name}"`;
  if (t.kind !== 'task') line += ` [${t.kind}${t.thread > 0 ? ` on thread ${t.thread}` : ''}]`;
  line += ` ${t.state}`;
  if (t.waitsOn.length > 0) line += `, waits on ${t.waitsOn.map((w) => describeWait(w, res, now)).join(' and ')}`;
  if (t.location !== undefined) line += ` (spawned at ${t.location})`;
  return line;
}

function describeWait(w: WaitInfo, res: Map<number, ResourceInfo>, now: number): string {
  let text = w.op;
  if (w.taskId !== undefined) text += ` task ${w.taskId}`;
  if (w.resourceId !== undefined) {
    const r = res.get(w.resourceId);
    text += r === undefined ? ` #${w.resourceId}` : ` ${r.kind}#${r.id}${r.name === undefined ? '' : ` "${r.name}"`}`;
  }
  if (!Number.isNaN(w.since)) text += ` for ${formatMs(now - w.since)}`;
  return text;
}

function formatMs(ms: number): string {
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)}ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}
