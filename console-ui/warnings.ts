import { byId, el } from './dom.js';
import type { Store } from './store.js';

/** The warnings pane and the count on its tab. */
export function warningsView(store: Store, openTask: (id: number) => void): () => void {
  const list = byId('warnings');
  const count = byId('warning-count');
  return () => {
    count.textContent = String(store.warnings.length);
    if (store.warnings.length === 0) {
      list.replaceChildren(el('li', {}, 'no warnings'));
      return;
    }
    list.replaceChildren(
      ...store.warnings.map((w) => {
        const li = el('li', { 'data-code': w.code }, el('code', {}, w.code), ' ', w.message, ' ');
        if (w.taskId !== undefined) {
          const id = w.taskId;
          const a = el('a', { class: 'link' }, `open task #${id}`);
          a.addEventListener('click', () => openTask(id));
          li.append(a);
        }
        return li;
      }),
    );
  };
}
