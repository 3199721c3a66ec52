import { z } from 'zod';
import type { TimeSeries, TimeSeriesQuery } from '../../metrics/time-series.js';
import type { MonitoringHost } from './host.js';
import { durationParam, instantParam, labelsOf, parseQuery } from './query.js';
import { json } from './responses.js';
import type { Route } from './router.js';

const seriesQuery = z.object({
  name: z.string().min(1).max(200),
  from: instantParam.optional(),
  to: instantParam.optional(),
  window: durationParam.optional(),
  step: durationParam.optional(),
  // Checked by the monitor, which lists the aggregations it knows.
  aggregation: z.string().max(20).optional(),
});

/** `GET /metrics/series`: `monitor.getTimeSeries` (docs/metrics.md, "Time series"). */
async function series(monitor: MonitoringHost, url: URL): Promise<Response> {
  // Labels first: a flood of them is refused before the query is copied whole.
  const labels = labelsOf(url);
  const q = parseQuery(seriesQuery, url);
  const query = { ...dropUndefined(q), ...(labels === undefined ? {} : { labels }) } as TimeSeriesQuery;
  return json(200, await monitor.getTimeSeries(query));
}

/** One reading of seed 003's `GET /metrics/realtime`. */
export interface RealtimeReading {
  metricType: string;
  value: number;
  unit: string;
  /** ISO 8601 start of the step the value covers. */
  timestamp: string;
}

/** Where a seed 003 type's readings come from: metrics tried in order (the first with data), and how each is read. */
interface Source {
  name: string;
  aggregation: NonNullable<TimeSeriesQuery['aggregation']> | undefined;
  /** Unit of the readings; undefined: the metric's own, else `fallbackUnit`. */
  unit: string | undefined;
  /** Unit when the metric has none known (metrics `recordMetric` defines carry the unit on records only). */
  fallbackUnit: string;
  /** Readings are the values times this; `'seconds'`: times 1,000 when the metric is in seconds. */
  scale: number | 'seconds';
}

/** The types seed 003 lists, and the metrics pulsewatch keeps for each (docs/metrics.md, "Real-time metrics"). */
function sourcesOf(type: string, requestMetric: string): Source[] {
  const own = (name: string, aggregation: Source['aggregation'], fallbackUnit: string, unit?: string): Source => ({ name, aggregation, unit, fallbackUnit, scale: 1 });
  const requests = (aggregation: Source['aggregation'], unit: string, scale: Source['scale'] = 1): Source => ({ name: requestMetric, aggregation, unit, fallbackUnit: unit, scale });
  switch (type) {
    case 'response_time':
      return [requests('mean', 'ms', 'seconds'), own('response_time', 'mean', 'ms')];
    case 'error_rate':
      return [requests('errorRate', 'percent'), own('error_rate', 'mean', 'percent')];
    case 'throughput':
      return [requests('rate', 'requests/s'), own('response_time', 'rate', 'requests/s', 'requests/s')];
    // Percentages of each host: their mean over the fleet (and the step), never their sum (3 hosts at 60 % are not 180 %).
    case 'memory_usage':
      return [own('system_memory_usage_percent', 'mean', 'percent', 'percent'), own('memory_usage', 'mean', 'percent')];
    case 'cpu_usage':
      return [own('system_cpu_usage_percent', 'mean', 'percent', 'percent'), own('cpu_usage', 'mean', 'percent')];
    default:
      // Any other type is the metric of that name (recordMetric lower-cases metricType), read by its kind's default.
      return [own(type.toLowerCase(), undefined, 'value')];
  }
}

/** The types answered when `types` is not given. */
export const REALTIME_TYPES = ['response_time', 'error_rate', 'throughput', 'memory_usage', 'cpu_usage'] as const;

/** Most types one request may ask for: each is a window read. */
const MAX_TYPES = 20;

const realtimeQuery = z.object({
  types: z
    .string()
    .max(2_000)
    .transform((v) => [...new Set(v.split(',').map((t) => t.trim()).filter(Boolean))])
    .pipe(z.array(z.string().regex(/^[A-Za-z_:][A-Za-z0-9_:]{0,199}$/, 'each type must be a metric name such as response_time')).min(1, 'name at least one type').max(MAX_TYPES, `at most ${MAX_TYPES} types`))
    .optional(),
  window: durationParam.optional(),
  step: durationParam.optional(),
});

/** The readings of one type: the points with a value of its first source that has any (a source without one falls through to the next). */
async function readingsOf(monitor: MonitoringHost, type: string, range: Pick<TimeSeriesQuery, 'window' | 'step' | 'labels'>): Promise<RealtimeReading[]> {
  for (const source of sourcesOf(type, monitor.options.snapshot.requestMetric)) {
    const ts: TimeSeries = await monitor.getTimeSeries({ name: source.name, ...range, ...(source.aggregation === undefined ? {} : { aggregation: source.aggregation }) });
    // A series without a point in the window (the request histogram of a process that served
    // nothing lately) is no reading: the next source (seed 003's records) may have some.
    if (!ts.points.some((p) => p.value !== null)) continue;
    const seconds = ts.unit === 'seconds' || (ts.unit === undefined && source.name.endsWith('_seconds'));
    const factor = source.scale === 'seconds' ? (seconds ? 1000 : 1) : source.scale;
    const unit = source.unit ?? ts.unit ?? source.fallbackUnit;
    const out: RealtimeReading[] = [];
    for (const p of ts.points) if (p.value !== null) out.push({ metricType: type, value: p.value * factor, unit, timestamp: new Date(p.time).toISOString() });
    return out;
  }
  return [];
}

/** `GET /metrics/realtime`: seed 003's readings by type over the last `window` (default 5 m), one per `step` (default 1 m). */
async function realtime(monitor: MonitoringHost, url: URL): Promise<Response> {
  const labels = labelsOf(url);
  const q = parseQuery(realtimeQuery, url);
  const range = { window: q.window ?? '5m', step: q.step ?? '1m', ...(labels === undefined ? {} : { labels }) } as Pick<TimeSeriesQuery, 'window' | 'step' | 'labels'>;
  // No prototype: a type named `__proto__` is a key of the answer like any other.
  const body = Object.create(null) as Record<string, RealtimeReading[]>;
  // One after another: each is a store read, and the first bad window or step answers 400 before the rest run.
  for (const type of q.types ?? REALTIME_TYPES) body[type] = await readingsOf(monitor, type, range);
  return json(200, body);
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Seed 003's `GET /metrics/realtime` and `GET /metrics/series` (time series). */
export const seriesRoutes: readonly Route[] = [
  { method: 'GET', path: '/metrics/realtime', access: 'read', handle: ({ monitor, url }) => realtime(monitor, url) },
  { method: 'GET', path: '/metrics/series', access: 'read', handle: ({ monitor, url }) => series(monitor, url) },
];
