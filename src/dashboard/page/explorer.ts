// The metric explorer: every metric name of the fleet (GET /metrics/names: this process's
// definitions and the names any instance wrote to the store) and this process's series, filtered
// by words; the chosen one charted fleet-wide from GET /metrics/series over the last minutes.
import { get } from './api.js';
import { TimeChart } from './charts.js';
import { byId, option, setText } from './dom.js';
import { HISTORY_WINDOW } from './history.js';
import type { Sample } from './prom-text.js';

type Kind = 'counter' | 'gauge' | 'histogram' | 'unknown';

/** What `/metrics/names` answers, in the part the page reads. */
interface NamesAnswer {
  names: { name: string; kind: Kind; local: boolean }[];
  truncated: boolean;
}

/** What `/metrics/series` answers, in the part the page reads. */
interface SeriesAnswer {
  kind: Kind;
  points: { time: number; value: number | null }[];
}

/** One line of the list: a metric (all its series, fleet-wide) or one series of this process's exposition. */
interface Choice {
  key: string;
  text: string;
  /** The metric charted: a histogram's `_bucket`, `_sum` and `_count` lines stand for it. */
  name: string;
  labels: Record<string, string>;
  kind: Kind | undefined;
  sample?: Sample;
}

/** Options the list shows at most; the filter narrows the rest. */
const MAX_OPTIONS = 300;
/** Names asked for at most (the route's own bound). */
const MAX_NAMES = 1_000;
/** How often the fleet's names and the chosen series are read again (the poll runs more often). */
const NAMES_EVERY_MS = 30_000;
const SERIES_EVERY_MS = 10_000;

const explorer = new TimeChart(byId('chart-explorer'));
const select = byId<HTMLSelectElement>('series');
const filter = byId<HTMLInputElement>('series-filter');

let names: NamesAnswer['names'] = [];
/** The `match` the names were read with, and when (page clock); undefined: never read. */
let namesRead: { match: string; at: number } | undefined;
let samples: readonly Sample[] = [];
let choices = new Map<string, Choice>();
/** When the chosen series was last read, and which one. */
let seriesRead: { key: string; at: number } | undefined;
/** The chart shows this process's polled value (nothing fleet-wide to read). */
let localOnly = false;

/** Runs `poll` when the user picks another series (its chart starts afresh). */
export function onExplorerChange(poll: () => void): void {
  select.addEventListener('change', () => {
    explorer.clear();
    seriesRead = undefined;
    localOnly = false;
    setText('explorer-error', '');
    poll();
  });
  filter.addEventListener('input', () => {
    list();
    // Past 1,000 names the server narrows them by the filter's name word: a new word reads again.
    // One follower at a time: it reads until the names were read with the newest word.
    if (following || namesRead === undefined || namesRead.match === matchOf()) return;
    following = true;
    void settleNames(Date.now())
      .then(list, () => undefined)
      .finally(() => {
        following = false;
      });
  });
}

/** The names read under way, if any: the poll and the filter share it, so one read runs at a time. */
let reading: Promise<void> | undefined;
/** The filter's follower (settleNames) is running: a key typed meanwhile is read by it. */
let following = false;
/** Reads one call makes at most while the word keeps changing under it (typing): the next key or poll goes on. */
const MAX_READS = 4;

/**
 * Reads the names until they were read with the filter's current word: joins the read under way
 * (a late answer never overwrites a newer one, since no second read runs beside it), then reads
 * again only while its word differs. A failed read ends it (the next poll tries again).
 */
async function settleNames(at: number): Promise<void> {
  for (let reads = 0; reads < MAX_READS; reads++) {
    await (reading ??= readNames(at).finally(() => {
      reading = undefined;
    }));
    if (namesRead?.match === matchOf()) return;
  }
}

function words(): string[] {
  return filter.value.toLowerCase().split(/\s+/).filter(Boolean);
}

/** The fleet has more names than one read lists: reads are narrowed by the filter's name word. */
let truncated = false;

/**
 * What the server narrows the names by: nothing while one read lists them all; past that, the
 * filter's first word that is no label matcher (every word must appear in a line, so no name
 * that could match is left out).
 */
function matchOf(): string {
  return truncated ? (words().find((w) => !w.includes('=') && !w.includes('{') && !w.includes('(')) ?? '') : '';
}

async function readNames(at: number): Promise<void> {
  const match = matchOf();
  const query = new URLSearchParams({ limit: String(MAX_NAMES), ...(match === '' ? {} : { match }) });
  const answer = await get<NamesAnswer>(`/metrics/names?${query.toString()}`);
  namesRead = { match, at };
  // An older server without the route: this process's series only, as before.
  names = answer.status === 200 && Array.isArray(answer.body?.names) ? answer.body.names : [];
  // Only a read of all names says whether they fit in one: a narrowed one fits more often, and
  // taking its answer would drop the narrowing, read all again (cut again), and so on without end.
  if (match === '') truncated = answer.status === 200 && answer.body?.truncated === true;
}

/** The list: the fleet's metric names first, then this process's series, as the filter narrows them. */
function list(): void {
  const kinds = new Map(names.map((n) => [n.name, n.kind]));
  const histogram = (base: string): boolean => kinds.get(base) === 'histogram' || samples.some((s) => s.name === `${base}_bucket`);
  const all: Choice[] = names.map((n) => ({ key: `n:${n.name}`, text: `${n.name} (${n.kind}, all series${n.local ? '' : ', other instances'})`, name: n.name, labels: {}, kind: n.kind }));
  for (const s of samples) {
    const base = s.name.replace(/_(bucket|sum|count)$/, '');
    const name = base !== s.name && histogram(base) ? base : s.name;
    const labels = Object.fromEntries(Object.entries(s.labels).filter(([k]) => k !== 'le'));
    all.push({ key: `s:${s.series}`, text: s.series, name, labels, kind: kinds.get(name) ?? (name !== s.name ? 'histogram' : undefined), sample: s });
  }
  const w = words();
  // `route=/api` also matches `route="/api…"`, as the series is written.
  const matching = all.filter((c) => w.every((word) => c.text.toLowerCase().includes(word) || c.text.toLowerCase().includes(word.replace(/=/g, '="'))));
  const shown = matching.slice(0, MAX_OPTIONS);
  choices = new Map(shown.map((c) => [c.key, c]));
  setText('series-count', `${matching.length} of ${all.length} series${matching.length > shown.length ? `, first ${shown.length} listed` : ''}`);
  const chosen = select.value;
  // Rebuild the list only when it changed, so an open list does not close under the user.
  if (select.options.length !== shown.length || shown.some((c, i) => select.options[i]?.value !== c.key)) {
    select.replaceChildren(...shown.map((c) => Object.assign(option(c.text), { value: c.key })));
    if (choices.has(chosen)) select.value = chosen;
    if (select.value !== chosen) {
      explorer.clear();
      seriesRead = undefined;
      localOnly = false;
    }
  }
}

/** The aggregations a kind is charted with, and each line's legend. */
function linesOf(kind: Kind | undefined): [string | undefined, string][] {
  if (kind === 'histogram') return [['p50', 'p50'], ['p95', 'p95'], ['p99', 'p99']];
  if (kind === 'counter') return [['rate', 'per second (fleet)']];
  if (kind === 'gauge') return [['last', 'value (fleet)']];
  // Unknown here: the series route picks the kind's default.
  return [[undefined, 'value (fleet)']];
}

/**
 * Lists the fleet's names and this process's series (`polled`), and charts the chosen one: its
 * points over the last {@link HISTORY_WINDOW} from the series route, fleet-wide, read again every
 * {@link SERIES_EVERY_MS}; `skew` is the monitor's clock minus the page's. A line no instance
 * recorded in the window (an exposition-only line) is charted with this process's value.
 */
export async function explore(polled: readonly Sample[], at: number, skew: number): Promise<void> {
  samples = polled;
  // A read under way (the filter's) is joined, never doubled; a read with another word than the
  // filter's now (one that failed while typing) is made again.
  if (reading !== undefined || namesRead === undefined || namesRead.match !== matchOf() || at - namesRead.at >= NAMES_EVERY_MS) await settleNames(at);
  list();
  const choice = choices.get(select.value);
  if (choice === undefined) return;
  if (seriesRead?.key === choice.key && at - seriesRead.at < SERIES_EVERY_MS) {
    if (localOnly) explorer.push(at, new Map([['value (this process)', finite(choice.sample?.value)]]));
    return;
  }
  const lines = linesOf(choice.kind);
  const read = (aggregation: string | undefined) => {
    const query = new URLSearchParams({ name: choice.name, window: HISTORY_WINDOW, ...(aggregation === undefined ? {} : { aggregation }) });
    for (const [key, value] of Object.entries(choice.labels)) query.append(`label.${key}`, value);
    return get<SeriesAnswer & { error?: { message?: string } }>(`/metrics/series?${query.toString()}`);
  };
  const answers = await Promise.all(lines.map(([aggregation]) => read(aggregation)));
  // The user may have chosen another while the reads ran: theirs is drawn at the next poll.
  if (select.value !== choice.key) return;
  seriesRead = { key: choice.key, at };
  const failed = answers.find((a) => a.status !== 200);
  setText('explorer-error', failed === undefined ? '' : `cannot chart it (${failed.status}): ${failed.body?.error?.message ?? ''}`);
  const first = answers[0]?.body;
  if (failed !== undefined || first === undefined) return;
  if (first.kind === 'unknown' && choice.sample !== undefined) {
    // Nothing fleet-wide to read: this process's value, polled.
    if (!localOnly) explorer.clear();
    localOnly = true;
    explorer.push(at, new Map([['value (this process)', finite(choice.sample.value)]]));
    return;
  }
  localOnly = false;
  const times = first.points.map((p) => p.time);
  const values = new Map(lines.map(([, legend], i) => [legend, times.map((t) => answers[i]?.body?.points.find((p) => p.time === t)?.value ?? null)]));
  explorer.set(times.map((t) => t - skew), values);
}

function finite(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}
