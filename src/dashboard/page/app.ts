// The dashboard page: polls the monitoring API (fleet-wide routes) and renders what it answers.
// No framework: a few tables, four uPlot charts, everything written with textContent.
import { Unauthorized, get, getText, setToken, token } from './api.js';
import { MAX_POINTS, TimeChart } from './charts.js';
import { byId, fillTable, option, setText } from './dom.js';
import { explore, onExplorerChange } from './explorer.js';
import { errorRateHistory, routeHistory as readHistory, type RoutePoints } from './history.js';
import { parseExposition, type Sample } from './prom-text.js';
import { renderAlerts, renderBreakers, renderDeadLetters, renderHealth, renderJobs, renderSla, renderSlowest, type Snapshot } from './sections.js';

/** Routes charted at most, the busiest first by name order; the table lists the same ones. */
const MAX_ROUTES = 8;
const REQUEST_METRIC = 'http_request_duration_seconds';
/** The error-rate chart's one line. */
const ERRORS_LINE = 'errors %';

/** `?refresh=5` polls every 5 s (0.5 to 60, default 2). */
const refresh = Number(new URLSearchParams(location.search).get('refresh'));
const POLL_MS = Number.isFinite(refresh) && refresh >= 0.5 && refresh <= 60 ? refresh * 1000 : 2000;

const latency = new TimeChart(byId('chart-latency'));
const rate = new TimeChart(byId('chart-rate'));
const errors = new TimeChart(byId('chart-errors'));
const routeChart = new TimeChart(byId('chart-route'));
const routeSelect = byId<HTMLSelectElement>('route');
routeSelect.addEventListener('change', () => drawRoute());

/** Per route, its polled p50/p95/p99 (ms), bounded like the charts' rings; shown for the chosen route. */
interface RouteHistory {
  times: number[];
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
}
const routeHistory = new Map<string, RouteHistory>();

function remember(route: string, at: number, a: Aggregate): void {
  let h = routeHistory.get(route);
  if (h === undefined) {
    if (routeHistory.size >= MAX_ROUTES * 2) return;
    h = { times: [], p50: [], p95: [], p99: [] };
    routeHistory.set(route, h);
  }
  h.times.push(at);
  h.p50.push(toMs(a.p50, a.unit));
  h.p95.push(toMs(a.p95, a.unit));
  h.p99.push(toMs(a.p99, a.unit));
  if (h.times.length > MAX_POINTS) for (const list of [h.times, h.p50, h.p95, h.p99]) list.shift();
}

function drawRoute(): void {
  const h = routeHistory.get(routeSelect.value);
  if (h === undefined) return;
  routeChart.set(h.times, new Map([['p50', h.p50], ['p95', h.p95], ['p99', h.p99]]));
}

/** Set once the charts have their history (the first poll that lists routes reads it). */
let historyLoaded = false;

/**
 * Seeds the route charts with the last minutes from /metrics/series (before the first polled
 * point at `at`), so the page does not open on empty charts; `skew` is the monitor's clock minus
 * the page's.
 */
async function loadHistory(routes: readonly string[], at: number, skew: number): Promise<void> {
  const history = await readHistory(REQUEST_METRIC, routes, skew, toMs);
  // Read once it answered (a refused or failed read is tried again at the next poll); a server without the route answers undefined.
  if (history === undefined) return;
  historyLoaded = true;
  // The error rate's past: every route together, as the chart's polled points are (none from a server without the route).
  const failing = history.size === 0 ? undefined : await errorRateHistory(REQUEST_METRIC, skew);
  const past = failing === undefined ? -1 : failing.times.findIndex((t) => t >= at);
  if (failing !== undefined) errors.set(failing.times.slice(0, past < 0 ? undefined : past), new Map([[ERRORS_LINE, failing.values.slice(0, past < 0 ? undefined : past)]]));
  const times = [...new Set([...history.values()].flatMap((h) => h.times))].filter((t) => t < at).sort((a, b) => a - b);
  if (times.length === 0) return;
  const column = (pick: (h: RoutePoints) => (number | null)[]): Map<string, (number | null)[]> =>
    new Map([...history].map(([route, h]) => [route, times.map((t) => (h.times.includes(t) ? pick(h)[h.times.indexOf(t)]! : null))]));
  latency.set(times, column((h) => h.p95));
  rate.set(times, column((h) => h.rate));
  for (const [route, h] of history) {
    const keep = h.times.map((t, i) => (t < at ? i : -1)).filter((i) => i >= 0);
    routeHistory.set(route, { times: keep.map((i) => h.times[i]!), p50: keep.map((i) => h.p50[i]!), p95: keep.map((i) => h.p95[i]!), p99: keep.map((i) => h.p99[i]!) });
  }
}

/** Keeps the route list in step with the routes seen, and the user's choice if it is still there. */
function listRoutes(routes: readonly string[]): void {
  if (routeSelect.options.length === routes.length && routes.every((r, i) => routeSelect.options[i]?.value === r)) return;
  const chosen = routeSelect.value;
  routeSelect.replaceChildren(...routes.map((r) => option(r)));
  if (routes.includes(chosen)) routeSelect.value = chosen;
}


onExplorerChange(() => void poll());

let timer: ReturnType<typeof setTimeout> | undefined;
let running = false;

/** What `/metrics/aggregate` answers, in the part the requests section reads. */
interface Aggregate {
  unit?: string;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  rate: number;
}

function toMs(value: number | null, unit: string | undefined): number | null {
  if (value === null) return null;
  // A reader that only sees other instances' rollups has no unit: the metric's name says it.
  return unit === 'seconds' || (unit === undefined && REQUEST_METRIC.endsWith('_seconds')) ? value * 1000 : value;
}

/** The routes to chart: those the exposition and the snapshot's slowest series name. */
function routesOf(samples: readonly Sample[], snapshot: Snapshot): string[] {
  const routes = new Set<string>();
  for (const s of samples) if (s.name === `${REQUEST_METRIC}_count` && typeof s.labels.route === 'string') routes.add(s.labels.route);
  for (const s of snapshot.performance?.slowest ?? []) if (s.name === REQUEST_METRIC && typeof s.labels?.route === 'string') routes.add(s.labels.route);
  return [...routes].sort().slice(0, MAX_ROUTES);
}

async function requests(snapshot: Snapshot, samples: readonly Sample[], at: number, skew: number): Promise<void> {
  const routes = routesOf(samples, snapshot);
  if (!historyLoaded && routes.length > 0) await loadHistory(routes, at, skew);
  const url = (labels: Record<string, string>): string => `/metrics/aggregate?${new URLSearchParams({ name: REQUEST_METRIC, window: '1m', ...Object.fromEntries(Object.entries(labels).map(([k, v]) => [`label.${k}`, v])) }).toString()}`;
  // 5xx answers per route: the (route, status) pairs this process has seen, at most 16, each read fleet-wide.
  const failing = samples.filter((s) => s.name === `${REQUEST_METRIC}_count` && routes.includes(s.labels.route ?? '') && /^5\d\d$/.test(s.labels.status ?? '')).slice(0, 16);
  const [answers, errorAnswers] = await Promise.all([
    Promise.all(routes.map((route) => get<Aggregate>(url({ route })))),
    Promise.all(failing.map((s) => get<Aggregate>(url({ route: s.labels.route!, status: s.labels.status! })))),
  ]);
  const errorsPerSecond = new Map<string, number>();
  failing.forEach((s, i) => errorsPerSecond.set(s.labels.route!, (errorsPerSecond.get(s.labels.route!) ?? 0) + (errorAnswers[i]?.body?.rate ?? 0)));
  const p95 = new Map<string, number | null>();
  const perSecond = new Map<string, number | null>();
  const rows: string[][] = [];
  routes.forEach((route, i) => {
    const a = answers[i]?.body;
    if (a === undefined) return;
    remember(route, at, a);
    p95.set(route, toMs(a.p95, a.unit));
    perSecond.set(route, a.rate);
    const errorShare = a.rate > 0 ? ((errorsPerSecond.get(route) ?? 0) / a.rate) * 100 : null;
    rows.push([route, a.rate.toFixed(2), fmt(errorShare), fmt(toMs(a.p50, a.unit)), fmt(toMs(a.p95, a.unit)), fmt(toMs(a.p99, a.unit))]);
  });
  listRoutes(routes);
  drawRoute();
  latency.push(at, p95);
  rate.push(at, perSecond);
  errors.push(at, new Map([[ERRORS_LINE, snapshot.system?.errorRate ?? null]]));
  fillTable('routes', rows, 'no requests recorded yet');
  setText('request-summary', `error rate ${snapshot.system?.errorRate ?? 0}% · p95 ${fmt(snapshot.system?.p95ResponseTime ?? null)} ms over the snapshot window`);
}

function fmt(value: number | null): string {
  return value === null ? '-' : value.toFixed(1);
}

/** One round of reads; every section is drawn from its own answer, a 404 shows as "not served". */
async function poll(): Promise<void> {
  if (running) return;
  running = true;
  clearTimeout(timer);
  let again = true;
  try {
    const at = Date.now();
    // One request first: without a token it is the one 401, not one per route.
    const snap = await get<Snapshot>('/metrics?format=json');
    const text = await getText('/metrics?format=prometheus');
    if (snap.body === undefined || snap.status !== 200) throw new Error(`the monitor answered ${snap.status}`);
    const snapshot = snap.body;
    const samples = parseExposition(text.body ?? '');
    showContent();
    setText('service', snapshot.service ?? '');
    renderJobs(snapshot);
    renderBreakers(snapshot);
    renderSlowest(snapshot);
    const serverNow = Date.parse(snapshot.timestamp ?? '');
    const skew = Number.isFinite(serverNow) ? serverNow - at : 0;
    await Promise.all([explore(samples, at, skew), requests(snapshot, samples, at, skew), renderAlerts(poll), renderHealth(), renderDeadLetters(poll), renderSla()]);
    setText('status', `live · updated ${new Date().toLocaleTimeString()}`);
  } catch (error) {
    if (error instanceof Unauthorized) {
      again = false;
      const refused = token() !== null;
      // A refused token is not sent again.
      setToken(null);
      showLogin(refused ? 'that token was refused' : '');
    } else {
      setText('status', `cannot read the monitor: ${error instanceof Error ? error.message : String(error)}; retrying`);
    }
  } finally {
    running = false;
    // A hidden tab stops polling; it polls again when shown.
    if (again && document.visibilityState !== 'hidden') timer = setTimeout(() => void poll(), POLL_MS);
  }
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && !byId('content').hidden) void poll();
});

function showContent(): void {
  byId('forget').hidden = token() === null;
  byId('login').hidden = true;
  byId('content').hidden = false;
}

function showLogin(message: string): void {
  byId('content').hidden = true;
  byId('login').hidden = false;
  setText('login-error', message);
  setText('status', 'sign in to see this monitor');
  byId<HTMLInputElement>('token').focus();
}

byId('forget').addEventListener('click', () => {
  setToken(null);
  clearTimeout(timer);
  showLogin('');
});

byId<HTMLFormElement>('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>('token');
  setToken(input.value.trim());
  input.value = '';
  void poll();
});

void poll();
