// The metric explorer: any series of the exposition, filtered by words, charted fleet-wide.
import { get } from './api.js';
import { TimeChart } from './charts.js';
import { byId, option, setText } from './dom.js';
import type { Sample } from './prom-text.js';

const explorer = new TimeChart(byId('chart-explorer'));
const select = byId<HTMLSelectElement>('series');

/** Runs `poll` when the user picks another series (its chart starts afresh). */
export function onExplorerChange(poll: () => void): void {
  select.addEventListener('change', () => {
    explorer.clear();
    poll();
  });
}

interface SeriesAggregate {
  kind: 'counter' | 'gauge' | 'histogram' | 'unknown';
  p50: number | null;
  p95: number | null;
  p99: number | null;
  rate: number;
  last: number;
}

/** Options the explorer's list shows at most; the filter narrows the rest. */
const MAX_OPTIONS = 300;
const filter = byId<HTMLInputElement>('series-filter');
let lastSamples: readonly Sample[] = [];
filter.addEventListener('input', () => explore(lastSamples));

/** Lists the series matching the filter (every word in the series' text), and charts the chosen one. */
export function explore(samples: readonly Sample[]): void {
  lastSamples = samples;
  const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
  // `route=/api` also matches `route="/api…"`, as the series is written.
  const matching = samples.map((s) => s.series).filter((n) => words.every((w) => n.toLowerCase().includes(w) || n.toLowerCase().includes(w.replace(/=/g, '="'))));
  const names = matching.slice(0, MAX_OPTIONS);
  setText('series-count', `${matching.length} of ${samples.length} series${matching.length > names.length ? `, first ${names.length} listed` : ''}`);
  const chosen = select.value;
  // Rebuild the list only when it changed, so an open list does not close under the user.
  if (select.options.length !== names.length || names.some((n, i) => select.options[i]?.value !== n)) {
    select.replaceChildren(...names.map((n) => option(n)));
    if (names.includes(chosen)) select.value = chosen;
    if (select.value !== chosen) explorer.clear();
  }
}

/**
 * Charts the chosen series fleet-wide: its metric's aggregate over the last minute for the
 * series' labels (a counter's rate per second, a gauge's value, a histogram's p50/p95/p99;
 * `_bucket`, `_sum` and `_count` lines stand for their histogram). A metric the aggregate does
 * not know (an exposition-only line) is charted with this process's value.
 */
export async function exploreChosen(samples: readonly Sample[], at: number): Promise<void> {
  const sample = samples.find((s) => s.series === select.value);
  if (sample === undefined) return;
  const name = sample.name.replace(/_(bucket|sum|count)$/, '');
  const query = new URLSearchParams({ name: samples.some((s) => s.name === `${name}_bucket`) ? name : sample.name, window: '1m' });
  for (const [key, value] of Object.entries(sample.labels)) if (key !== 'le') query.append(`label.${key}`, value);
  const a = (await get<SeriesAggregate>(`/metrics/aggregate?${query.toString()}`)).body;
  const values = new Map<string, number | null>();
  if (a?.kind === 'histogram') {
    values.set('p50', a.p50).set('p95', a.p95).set('p99', a.p99);
  } else if (a?.kind === 'counter') {
    values.set('per second (fleet)', Number.isFinite(a.rate) ? a.rate : null);
  } else if (a?.kind === 'gauge') {
    values.set('value (fleet)', Number.isFinite(a.last) ? a.last : null);
  } else {
    values.set('value (this process)', Number.isFinite(sample.value) ? sample.value : null);
  }
  explorer.push(at, values);
}
