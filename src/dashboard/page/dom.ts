// Everything the page shows goes through textContent: a label value, a message or an error text
// is never parsed as HTML, whatever it holds.

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element as T;
}

export function setText(id: string, text: string): void {
  byId(id).textContent = text;
}

/** A cell: text, or an element built by the caller. */
export type Cell = string | number | Node;

/** Replaces the rows of table `id`'s body; `empty` is shown when there are none. */
export function fillTable(id: string, rows: readonly (readonly Cell[])[], empty = 'none'): void {
  const table = byId<HTMLTableElement>(id);
  const body = table.tBodies[0]!;
  const columns = table.tHead?.rows[0]?.cells.length ?? 1;
  const fresh = document.createElement('tbody');
  if (rows.length === 0) {
    const td = document.createElement('td');
    td.colSpan = columns;
    td.className = 'empty';
    td.textContent = empty;
    fresh.append(tr([td]));
  }
  for (const row of rows) fresh.append(tr(row.map(cell)));
  table.replaceChild(fresh, body);
}

function tr(cells: readonly HTMLTableCellElement[]): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.append(...cells);
  return row;
}

function cell(value: Cell): HTMLTableCellElement {
  const td = document.createElement('td');
  if (value instanceof Node) td.append(value);
  else {
    td.textContent = String(value);
    if (/^[-+]?[\d.,]+ ?%?$/.test(td.textContent)) td.className = 'n';
  }
  return td;
}

/** A span with text and a class (a status badge). */
export function badge(text: string, kind: string): HTMLSpanElement {
  const span = document.createElement('span');
  span.className = `badge ${kind.replace(/[^a-z0-9_-]/gi, '')}`;
  span.textContent = text;
  return span;
}

export function button(text: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}

/** A number for a table: up to 3 significant decimals, `-` for null or not finite. */
export function num(value: unknown, digits = 1): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '-';
}

export function time(ms: unknown): string {
  return typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toLocaleTimeString() : '-';
}

/** `{a: "1", b: "2"}` as `a=1 b=2`. */
export function labelText(labels: unknown): string {
  if (labels === null || typeof labels !== 'object') return '';
  return Object.entries(labels as Record<string, unknown>)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

/** An `<option>` whose value and text are `value`. */
export function option(value: string): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = value;
  return o;
}
