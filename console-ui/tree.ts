import { byId, el, taskLabel } from './dom.js';
import type { Store, TaskInfo } from './store.js';

/**
 * The task tree: each task under its parent. A level's children are built
 * only when it is opened, so a tree of 10,000 tasks costs what is shown.
 */
export function treeView(store: Store, open: (t: TaskInfo) => void): () => void {
  const host = byId('tree');
  const expanded = new Set<number>();
  // Roots (usually `main`) start open; the user's closing one is remembered.
  const collapsed = new Set<number>();
  const render = (): void => {
    const children = new Map<number | undefined, TaskInfo[]>();
    for (const t of store.tasks.values()) {
      const parent = t.parentId !== undefined && store.tasks.has(t.parentId) ? t.parentId : undefined;
      let list = children.get(parent);
      if (list === undefined) children.set(parent, (list = []));
      list.push(t);
    }
    const level = (parent: number | undefined): HTMLElement => {
      const ul = el('ul');
      const list = (children.get(parent) ?? []).sort((a, b) => a.id - b.id);
      for (const t of list.slice(0, 500)) {
        const label = el('a', { class: 'link', 'data-task': String(t.id) }, taskLabel(t));
        label.addEventListener('click', (e) => {
          e.preventDefault();
          open(t);
        });
        const waits = t.waitsOn.map((w) => w.op).join(', ');
        const line = [label, ` ${t.state}${waits === '' ? '' : ` · ${waits}`}`];
        const kids = children.get(t.id);
        if (kids === undefined) {
          ul.append(el('li', {}, ...line));
          continue;
        }
        const details = el('details', {}, el('summary', {}, ...line, ` (${kids.length})`));
        if (expanded.has(t.id) || (parent === undefined && !collapsed.has(t.id))) {
          details.open = true;
          details.append(level(t.id));
        }
        details.addEventListener('toggle', () => {
          if (details.open) {
            expanded.add(t.id);
            collapsed.delete(t.id);
            if (details.querySelector('ul') === null) details.append(level(t.id));
          } else {
            expanded.delete(t.id);
            collapsed.add(t.id);
          }
        });
        ul.append(el('li', {}, details));
      }
      if (list.length > 500) ul.append(el('li', {}, `… ${list.length - 500} more`));
      return ul;
    };
    host.replaceChildren(level(undefined));
  };
  return render;
}
