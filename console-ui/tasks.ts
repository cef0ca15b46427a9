import { byId, fmtMs } from './dom.js';
import { Grid } from './grid.js';
import type { Store, TaskInfo } from './store.js';

function total(t: TaskInfo, now: number): number {
  return (t.endedAt ?? now) - t.spawnedAt;
}

/** The tasks tab: the grid, the name and state filters, and the count. */
export function tasksView(store: Store, open: (t: TaskInfo) => void): () => void {
  const warned = (t: TaskInfo): string =>
    store
      .warningsOf(t.id)
      .map((w) => w.code.replace('WEFT_', ''))
      .join(' ');
  const grid = new Grid<TaskInfo>(
    byId('tasks'),
    [
      { title: 'id', width: '60px', num: true, value: (t) => t.id },
      { title: 'name', width: 'minmax(120px, 2fr)', value: (t) => t.name ?? '' },
      { title: 'state', width: '80px', value: (t) => t.state, cls: (t) => `state-${t.state}` },
      {
        title: 'total',
        width: '80px',
        num: true,
        value: (t) => total(t, store.now),
        text: (t) => fmtMs(total(t, store.now)),
      },
      { title: 'busy', width: '80px', num: true, value: (t) => t.busyMs, text: (t) => fmtMs(t.busyMs) },
      { title: 'sched', width: '80px', num: true, value: (t) => t.scheduledMs, text: (t) => fmtMs(t.scheduledMs) },
      { title: 'idle', width: '80px', num: true, value: (t) => t.idleMs, text: (t) => fmtMs(t.idleMs) },
      { title: 'polls', width: '60px', num: true, value: (t) => t.polls },
      {
        title: 'waits on',
        width: 'minmax(100px, 1.5fr)',
        value: (t) => t.waitsOn.map((w) => (w.resourceId === undefined ? w.op : `${w.op} #${w.resourceId}`)).join(', '),
      },
      { title: 'location', width: 'minmax(100px, 1.5fr)', value: (t) => t.location ?? '' },
      { title: 'warnings', width: 'minmax(80px, 1fr)', value: warned, cls: () => 'warn' },
    ],
    open,
  );
  const name = byId<HTMLInputElement>('filter-name');
  const state = byId<HTMLSelectElement>('filter-state');
  const count = byId('task-count');
  const refresh = (): void => {
    const needle = name.value.trim().toLowerCase();
    const want = state.value;
    const rows: TaskInfo[] = [];
    for (const t of store.tasks.values()) {
      if (want !== '' && t.state !== want) continue;
      if (needle !== '' && !(t.name ?? '').toLowerCase().includes(needle)) continue;
      rows.push(t);
    }
    grid.setRows(rows);
    count.textContent = `${rows.length} of ${store.tasks.size} tasks`;
  };
  name.addEventListener('input', refresh);
  state.addEventListener('change', refresh);
  return refresh;
}
