import { byId } from './dom.js';
import { Grid } from './grid.js';
import type { ResourceInfo, Store } from './store.js';

/** The resources tab: kind, name, attributes, waiters. */
export function resourcesView(store: Store, open: (r: ResourceInfo) => void): () => void {
  const grid = new Grid<ResourceInfo>(
    byId('resources'),
    [
      { title: 'id', width: '60px', num: true, value: (r) => r.id },
      { title: 'kind', width: '100px', value: (r) => r.kind },
      { title: 'name', width: 'minmax(120px, 1fr)', value: (r) => r.name ?? '' },
      {
        title: 'attributes',
        width: 'minmax(200px, 3fr)',
        value: (r) =>
          Object.entries(r.attributes)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
      },
      { title: 'waiters', width: '70px', num: true, value: (r) => r.waiters.length },
      { title: 'location', width: 'minmax(100px, 1fr)', value: (r) => r.location ?? '' },
    ],
    open,
  );
  return () => grid.setRows([...store.resources.values()]);
}
