import { el } from './dom.js';

/** One column of a grid: its title, width and how a row shows in it (and sorts by it). */
export interface Column<T> {
  title: string;
  width: string;
  num?: boolean;
  value(row: T): string | number;
  text?(row: T): string;
  cls?(row: T): string;
}

const ROW = 24;
/** Rows rendered beyond the visible ones, above and below (smooth scrolling). */
const OVERSCAN = 10;

/**
 * A sortable, virtualised table: only the rows in view (plus a few) exist in
 * the DOM, so 10,000 tasks scroll as smoothly as 10. Rows are re-rendered on
 * scroll and on `setRows`, reusing the same row elements.
 */
export class Grid<T extends { id: number }> {
  readonly #host: HTMLElement;
  readonly #columns: Column<T>[];
  readonly #body: HTMLElement;
  readonly #onSelect: (row: T) => void;
  #rows: T[] = [];
  #pool: HTMLElement[] = [];
  #sortBy = 0;
  #desc = false;
  selected: number | undefined = undefined;

  constructor(host: HTMLElement, columns: Column<T>[], onSelect: (row: T) => void) {
    this.#host = host;
    this.#columns = columns;
    this.#onSelect = onSelect;
    host.style.setProperty('--cols', columns.map((c) => c.width).join(' '));
    const head = el('div', { class: 'head' });
    columns.forEach((c, i) => {
      const cell = el('span', { class: c.num === true ? 'num' : '', 'data-col': String(i) }, c.title);
      cell.addEventListener('click', () => this.sort(i));
      head.append(cell);
    });
    this.#body = el('div', { class: 'body', style: 'position:relative' });
    host.append(head, this.#body);
    host.addEventListener('scroll', () => this.render());
    this.#body.addEventListener('click', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('.row');
      const item = row === null ? undefined : this.#rows[Number(row.dataset['index'])];
      if (item !== undefined) {
        this.selected = item.id;
        this.#onSelect(item);
        this.render();
      }
    });
  }

  /** Sorts by column `i`; a second click on the same column reverses the order. */
  sort(i: number): void {
    if (this.#sortBy === i) this.#desc = !this.#desc;
    else {
      this.#sortBy = i;
      this.#desc = this.#columns[i]?.num === true;
    }
    this.setRows(this.#rows);
  }

  setRows(rows: T[]): void {
    const col = this.#columns[this.#sortBy]!;
    const dir = this.#desc ? -1 : 1;
    this.#rows = rows.slice().sort((a, b) => {
      const x = col.value(a);
      const y = col.value(b);
      return (x < y ? -1 : x > y ? 1 : a.id - b.id) * dir;
    });
    this.#body.style.height = `${this.#rows.length * ROW}px`;
    this.render();
  }

  render(): void {
    const head = ROW;
    const top = Math.max(0, this.#host.scrollTop - head);
    const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    const count = Math.ceil(this.#host.clientHeight / ROW) + 2 * OVERSCAN;
    const last = Math.min(this.#rows.length, first + count);
    while (this.#pool.length < last - first) {
      const row = el('div', { class: 'row' });
      for (const c of this.#columns) row.append(el('span', { class: c.num === true ? 'num' : '' }));
      this.#body.append(row);
      this.#pool.push(row);
    }
    this.#pool.forEach((row, k) => {
      const index = first + k;
      const item = this.#rows[index];
      if (item === undefined) {
        row.hidden = true;
        return;
      }
      row.hidden = false;
      row.dataset['index'] = String(index);
      row.dataset['id'] = String(item.id);
      row.style.top = `${index * ROW}px`;
      row.classList.toggle('selected', item.id === this.selected);
      this.#columns.forEach((c, j) => {
        const cell = row.children[j] as HTMLElement;
        const text = c.text === undefined ? String(c.value(item)) : c.text(item);
        if (cell.textContent !== text) cell.textContent = text;
        cell.title = text;
        cell.className = `${c.num === true ? 'num ' : ''}${c.cls?.(item) ?? ''}`;
      });
    });
  }
}
