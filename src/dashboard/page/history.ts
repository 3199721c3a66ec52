// The charts' history on load: the last minutes of each route's latency and rate, read once from
// GET /metrics/series (fleet-wide, memory and store), so a page opened on a running service does
// not start with empty charts. Later points come from the page's own polling.
import { get } from './api.js';

/** How far back the charts start when the page opens. */
export const HISTORY_WINDOW = '15m';

/** What `/metrics/series` answers, in the part the page reads. */
interface SeriesAnswer {
  unit?: string;
  points: { time: number; value: number | null }[];
}

/** One route's points, on the page's clock: times (epoch ms) and, per time, each aggregation's value. */
export interface RoutePoints {
  times: number[];
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
  rate: (number | null)[];
}

const AGGREGATIONS = ['p50', 'p95', 'p99', 'rate'] as const;

/**
 * Each route's p50, p95, p99 (in ms when the metric is in seconds) and rate over the last
 * {@link HISTORY_WINDOW}; `skew` is the monitor's clock minus the page's, so the points line up
 * with the polled ones. An older server without the series route gives an empty map (one
 * request asked); another refusal of the first read gives undefined (try again later). A route
 * whose reads fail is left out: its chart starts empty, as before.
 */
export async function routeHistory(metric: string, routes: readonly string[], skew: number, toMs: (v: number | null, unit: string | undefined) => number | null): Promise<Map<string, RoutePoints> | undefined> {
  const read = (route: string, aggregation: string) =>
    get<SeriesAnswer>(`/metrics/series?${new URLSearchParams({ name: metric, window: HISTORY_WINDOW, aggregation, 'label.route': route }).toString()}`);
  // One read first: a server without the route (404) or refusing it gets one request, not four per route.
  const probe = await read(routes[0]!, 'p50');
  if (probe.status === 404) return new Map();
  if (probe.status !== 200) return undefined;
  const answers = await Promise.all(routes.map((route, r) => Promise.all(AGGREGATIONS.map((a, i) => (r === 0 && i === 0 ? probe : read(route, a))))));
  const out = new Map<string, RoutePoints>();
  routes.forEach((route, i) => {
    const [p50, p95, p99, rate] = answers[i]!.map((a) => (a.status === 200 ? a.body : undefined));
    if (p50 === undefined || p95 === undefined || p99 === undefined || rate === undefined) return;
    // The four reads share the grid (same window and step) unless a step boundary passed between them: keep the common times.
    const times = p95.points.map((p) => p.time).filter((t) => [p50, p99, rate].every((s) => s.points.some((p) => p.time === t)));
    const at = (s: SeriesAnswer, t: number): number | null => s.points.find((p) => p.time === t)?.value ?? null;
    out.set(route, {
      // Drawn at each step's start (the series route's `time`), moved onto the page's clock.
      times: times.map((t) => t - skew),
      p50: times.map((t) => toMs(at(p50, t), p50.unit)),
      p95: times.map((t) => toMs(at(p95, t), p95.unit)),
      p99: times.map((t) => toMs(at(p99, t), p99.unit)),
      rate: times.map((t) => at(rate, t)),
    });
  });
  return out;
}

/**
 * The error rate (percent of requests in error series: a 5xx `status` and the like, as the
 * series route's `errorRate` reads them) of every route together over the last
 * {@link HISTORY_WINDOW}, on the page's clock; undefined when the read fails (the chart then
 * starts with the page, as before).
 */
export async function errorRateHistory(metric: string, skew: number): Promise<{ times: number[]; values: (number | null)[] } | undefined> {
  const answer = await get<SeriesAnswer>(`/metrics/series?${new URLSearchParams({ name: metric, window: HISTORY_WINDOW, aggregation: 'errorRate' }).toString()}`);
  if (answer.status !== 200 || !Array.isArray(answer.body?.points)) return undefined;
  const points = answer.body.points;
  return { times: points.map((p) => p.time - skew), values: points.map((p) => p.value) };
}
