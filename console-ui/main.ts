import { Detail } from './detail.js';
import { byId } from './dom.js';
import { plotsView } from './plots.js';
import { resourcesView } from './resources.js';
import { Store, type ConsoleState, type ConsoleUpdate } from './store.js';
import { tasksView } from './tasks.js';
import { treeView } from './tree.js';
import { warningsView } from './warnings.js';

const store = new Store();
const detail = new Detail(store);
const openTask = (id: number): void => detail.showTask(id);
const views = [
  tasksView(store, (t) => openTask(t.id)),
  resourcesView(store, (r) => detail.showResource(r.id)),
  warningsView(store, openTask),
  plotsView(store),
];
const tree = treeView(store, (t) => openTask(t.id));
let treeShown = false;

/** A User Timing entry for a PerformanceObserver (bench/console-page.ts), not kept in the page's buffer: it runs for days. */
function measure(name: string, start: number): void {
  performance.measure(name, { start });
  performance.clearMeasures(name);
}

// Rendering is batched to one frame: updates arriving faster never queue work.
let pending = false;
store.onChange(() => {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    const t0 = performance.now();
    for (const view of views) view();
    if (treeShown) tree();
    detail.render();
    // How long rendering one update took on this page (read by the browser test and bench/console-page.ts).
    document.body.dataset['renderMs'] = (performance.now() - t0).toFixed(1);
    measure('weft:render', t0);
    byId('summary').textContent =
      `${store.tasks.size} tasks · ${store.resources.size} resources · ${new Date(store.at).toLocaleTimeString()}`;
  });
});

for (const button of document.querySelectorAll<HTMLButtonElement>('#tabs button')) {
  button.addEventListener('click', () => {
    const tab = button.dataset['tab']!;
    for (const b of document.querySelectorAll<HTMLButtonElement>('#tabs button'))
      b.classList.toggle('active', b === button);
    for (const section of document.querySelectorAll<HTMLElement>('.tab')) section.hidden = section.id !== `tab-${tab}`;
    treeShown = tab === 'tree';
    if (treeShown) tree();
  });
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { cache: 'no-store' });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

function setStatus(text: string, cls: string): void {
  const status = byId('status');
  status.textContent = text;
  status.className = `status ${cls}`;
}

/** Live: the state once, then the update stream (reloading the state after dropped updates or a reconnect). */
async function live(): Promise<void> {
  store.load(await getJson<ConsoleState>('api/state'));
  const events = new EventSource('api/updates');
  events.onopen = () => setStatus('live', 'live');
  events.onerror = () => setStatus('disconnected', 'lost');
  events.onmessage = (e: MessageEvent<string>) => {
    const t0 = performance.now();
    const update = JSON.parse(e.data) as ConsoleUpdate;
    if (!store.apply(update)) void getJson<ConsoleState>('api/state').then((s) => store.load(s));
    // Parsing and applying one update (bench/console-page.ts reads these entries).
    measure('weft:apply', t0);
  };
}

/** Replay: a slider over the recorded frames; each position loads the state at that instant. */
async function replay(info: { frames: number; from: number; to: number }): Promise<void> {
  setStatus('replay', 'live');
  const label = byId('replay');
  const slider = byId<HTMLInputElement>('slider');
  const at = byId('replay-at');
  label.hidden = false;
  slider.max = String(info.frames - 1);
  slider.value = String(info.frames - 1);
  const show = async (): Promise<void> => {
    const state = await getJson<ConsoleState>(`api/state?frame=${slider.value}`);
    at.textContent = `${Number(slider.value) + 1}/${info.frames} · ${new Date(state.at).toLocaleTimeString()}`;
    store.load(state);
  };
  slider.addEventListener('input', () => void show());
  await show();
}

async function start(): Promise<void> {
  const info = await fetch('api/replay', { cache: 'no-store' });
  if (info.ok) await replay((await info.json()) as { frames: number; from: number; to: number });
  else await live();
}

start().catch((err: unknown) => setStatus(`error: ${String(err)}`, 'lost'));
