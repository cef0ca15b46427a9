import { byId, el, fmtMs, taskLabel } from './dom.js';
import { histogramSvg } from './hist.js';
import type { Histogram } from '../src/console/types.js';
import type { ResourceInfo, Store, TaskInfo } from './store.js';

type Selection = { kind: 'task'; id: number } | { kind: 'resource'; id: number } | undefined;

function isHistogram(x: unknown): x is Histogram {
  return (
    typeof x === 'object' &&
    x !== null &&
    Array.isArray((x as Histogram).bounds) &&
    Array.isArray((x as Histogram).counts)
  );
}

/** The side panel: one task (times, waits, parent and children, histograms) or one resource (holders, waiters). */
export class Detail {
  readonly #store: Store;
  readonly #host = byId('detail');
  #selection: Selection = undefined;

  constructor(store: Store) {
    this.#store = store;
  }

  showTask(id: number): void {
    this.#selection = { kind: 'task', id };
    this.render();
  }

  showResource(id: number): void {
    this.#selection = { kind: 'resource', id };
    this.render();
  }

  render(): void {
    const sel = this.#selection;
    const host = this.#host;
    host.hidden = sel === undefined;
    if (sel === undefined) return;
    const close = el('button', { class: 'close', title: 'close' }, '×');
    close.addEventListener('click', () => {
      this.#selection = undefined;
      this.render();
    });
    if (sel.kind === 'task') {
      const t = this.#store.tasks.get(sel.id);
      host.replaceChildren(close, ...(t === undefined ? [el('p', {}, `task #${sel.id} is gone`)] : this.#task(t)));
    } else {
      const r = this.#store.resources.get(sel.id);
      host.replaceChildren(
        close,
        ...(r === undefined ? [el('p', {}, `resource #${sel.id} is gone`)] : this.#resource(r)),
      );
    }
  }

  #taskLink(id: number): HTMLElement {
    const a = el('a', { class: 'link', 'data-task': String(id) }, taskLabel(this.#store.tasks.get(id), id));
    a.addEventListener('click', () => this.showTask(id));
    return a;
  }

  #resourceLink(id: number, op?: string): HTMLElement {
    const r = this.#store.resources.get(id);
    const text = `${op ?? r?.kind ?? 'resource'} #${id}${r?.name === undefined ? '' : ` (${r.name})`}`;
    const a = el('a', { class: 'link', 'data-resource': String(id) }, text);
    a.addEventListener('click', () => this.showResource(id));
    return a;
  }

  #task(t: TaskInfo): Node[] {
    const store = this.#store;
    const children = [...store.tasks.values()].filter((c) => c.parentId === t.id);
    const dl = el('dl');
    const row = (k: string, ...v: Array<Node | string>): void => {
      dl.append(el('dt', {}, k), el('dd', {}, ...v));
    };
    row('state', t.state + (t.outcome === undefined ? '' : ` (${t.outcome})`));
    row('kind', `${t.kind}${t.thread === 0 ? '' : ` on worker ${t.thread - 1}`}`);
    row('location', t.location ?? '—');
    row('busy / scheduled / idle', `${fmtMs(t.busyMs)} / ${fmtMs(t.scheduledMs)} / ${fmtMs(t.idleMs)}`);
    row('polls', `${t.polls}${t.polls > 0 ? ` (mean ${fmtMs(t.busyMs / t.polls)})` : ''}, ${t.longPolls} long`);
    row('wakes', `${t.wakes}${t.selfWakes === undefined ? '' : `, ${t.selfWakes} from itself`}`);
    const waits =
      t.waitsOn.length === 0
        ? ['nothing']
        : t.waitsOn.flatMap((w, i) => [
            ...(i > 0 ? [', '] : []),
            w.resourceId === undefined ? w.op : this.#resourceLink(w.resourceId, w.op),
          ]);
    row('waits on', ...waits);
    row('parent', t.parentId === undefined ? '—' : this.#taskLink(t.parentId));
    row(
      'children',
      ...(children.length === 0
        ? ['—']
        : children.slice(0, 50).flatMap((c, i) => [...(i > 0 ? [', '] : []), this.#taskLink(c.id)])),
    );
    const out: Node[] = [el('h3', {}, `task ${taskLabel(t)}`), dl];
    const warnings = store.warningsOf(t.id);
    if (warnings.length > 0)
      out.push(el('ul', {}, ...warnings.map((w) => el('li', { class: 'warn' }, `${w.code}: ${w.message}`))));
    // Per-task histograms when the runtime keeps them, else the runtime's (said so).
    const own = t as unknown as Record<string, unknown>;
    for (const [key, title] of [
      ['pollTimeHistogram', 'poll time'],
      ['scheduledDelayHistogram', 'scheduled delay'],
    ] as const) {
      const h = isHistogram(own[key]) ? own[key] : store.metrics[key];
      if (!isHistogram(h)) continue;
      out.push(el('h2', {}, `${title} (ms)${h === own[key] ? '' : ', whole runtime'}`), histogramSvg(h));
    }
    return out;
  }

  #resource(r: ResourceInfo): Node[] {
    const dl = el('dl');
    const row = (k: string, ...v: Array<Node | string>): void => {
      dl.append(el('dt', {}, k), el('dd', {}, ...v));
    };
    row('kind', r.kind);
    row('location', r.location ?? '—');
    for (const [k, v] of Object.entries(r.attributes)) row(k, String(v));
    // Holders: tasks an attribute names (a mutex's holder), and tasks whose waits on it are not parked (they own it).
    const holders = Object.entries(r.attributes)
      .filter(([k, v]) => /holder|owner/i.test(k) && typeof v === 'number')
      .map(([, v]) => v as number);
    row(
      'holders',
      ...(holders.length === 0 ? ['—'] : holders.flatMap((id, i) => [...(i > 0 ? [', '] : []), this.#taskLink(id)])),
    );
    row(
      'waiters',
      ...(r.waiters.length === 0
        ? ['—']
        : r.waiters.slice(0, 100).flatMap((id, i) => [...(i > 0 ? [', '] : []), this.#taskLink(id)])),
    );
    const waiting = [...this.#store.tasks.values()].filter((t) => t.waitsOn.some((w) => w.resourceId === r.id));
    if (waiting.length > 0 && r.waiters.length === 0) row('waiting tasks', ...waiting.map((t) => this.#taskLink(t.id)));
    return [el('h3', {}, `${r.kind} #${r.id}${r.name === undefined ? '' : ` ${r.name}`}`), dl];
  }
}
