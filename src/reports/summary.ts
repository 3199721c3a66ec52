import { errorMatcher } from '../alerts/evaluate-conditions.js';
import { ERROR_STATUS_LABELS } from '../metrics/time-series-errors.js';
import type { MetricWindow, WindowSeries } from '../metrics/window-query.js';

/**
 * What a report takes a metric for, which decides its headline statistic and the rules that
 * read it (docs/reports.md):
 * - `latency`: a histogram of durations (unit `seconds`/`ms`, or a name ending `_seconds`, `_ms`,
 *   `_milliseconds`, or seed 003's `response_time`); its figures are reported in ms;
 * - `errorRate`: a gauge or histogram of error percentages by name (seed 003's `error_rate`; a counter is `other`);
 * - `memory`, `cpu`: a percentage of memory or CPU in use by name (`system_memory_usage_percent`,
 *   seed 003's `memory_usage`, `cpu_usage`);
 * - `other`: anything else (reported, never judged by a threshold rule).
 */
export type MetricClass = 'latency' | 'errorRate' | 'memory' | 'cpu' | 'other';

/** One metric over one period. Statistics without data are null. */
export interface MetricSummary {
  name: string;
  kind: 'counter' | 'gauge' | 'histogram' | 'unknown';
  class: MetricClass;
  /** Unit of the figures below: `ms` for latencies, else the metric's own (undefined when unknown). */
  unit: string | undefined;
  /** Matching series with data, in memory or in any instance's rollups. */
  series: number;
  /** Observations (histograms), increments (counters) or values set (gauges). */
  count: number;
  /** Per second over the period: observations (histograms) or the amount added (counters); null for gauges. */
  rate: number | null;
  /** Sum of values (histograms, gauges) or the amount added (counters). */
  sum: number | null;
  mean: number | null;
  min: number | null;
  max: number | null;
  /** Percentiles: histograms only. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /**
   * Percent of the count in series marked as errors (a `status`, `statusCode`, `status_code`,
   * `code`, `status_class` or `outcome` that is 5xx, failure, error or timeout, or
   * `success="false"`: the alert rules' `errorRate`); for an
   * `errorRate` metric its mean. Null when no series carries such a label or nothing was counted.
   */
  errorRate: number | null;
}

const TIME_UNITS: Record<string, number> = { seconds: 1000, s: 1000, milliseconds: 1, ms: 1 };
const isErrorSeries = errorMatcher(undefined);
// The labels the default error matcher reads (one list, with the rules and time series): a series
// with none of them says nothing about errors. A list of its own here left out `code` and
// `status_class`, so a report over http_requests_total{code} had no error rate at all.
const ERROR_LABELS = [...ERROR_STATUS_LABELS, 'success'];

/** Of a metric: its class and the factor that turns its values into the reported unit. */
export function classify(name: string, kind: MetricWindow['kind'], unit: string | undefined): { class: MetricClass; factor: number; unit: string | undefined } {
  const lower = name.toLowerCase();
  const percent = unit === 'percent' || unit === '%' || lower.endsWith('_percent') || lower.endsWith('_usage');
  // A gauge or histogram of percentages only: a counter named error_rate (seed 003 adds 1 per
  // error) counts errors, and its mean is no percentage.
  const percentValues = unit === undefined || unit === 'percent' || unit === '%';
  if (/(^|_)error_rate(_|$)/.test(lower) && (kind === 'gauge' || kind === 'histogram') && percentValues) return { class: 'errorRate', factor: 1, unit: unit ?? 'percent' };
  if (percent && /(^|_)mem(ory)?(_|$)/.test(lower)) return { class: 'memory', factor: 1, unit: unit ?? 'percent' };
  if (percent && /(^|_)cpu(_|$)/.test(lower)) return { class: 'cpu', factor: 1, unit: unit ?? 'percent' };
  if (kind === 'histogram') {
    const byUnit = unit === undefined ? undefined : TIME_UNITS[unit];
    const byName = lower.endsWith('_seconds') ? 1000 : lower.endsWith('_ms') || lower.endsWith('_milliseconds') || lower === 'response_time' ? 1 : undefined;
    const factor = byUnit ?? byName;
    if (factor !== undefined) return { class: 'latency', factor, unit: 'ms' };
  }
  return { class: 'other', factor: 1, unit };
}

const num = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * `window`'s series with only the slots and rollups that start in [from, to) (and later, when
 * the range reaches the window's now, as a window takes the slot being recorded into). A slot
 * belongs to the period it starts in: one straddling the bound between two periods counts in one
 * of them, not in both as a window's overlap rule would count it. Parts are shared, not copied.
 */
export function startingIn(window: MetricWindow, from: number, to: number): WindowSeries[] {
  const end = to >= window.now ? Infinity : to;
  const out: WindowSeries[] = [];
  for (const s of window.series) {
    const slots = s.slots.filter((slot) => slot.start >= from && slot.start < end);
    const parts = s.parts.filter((p) => p.start >= from && p.start < end);
    if (slots.length > 0 || parts.length > 0) out.push({ key: s.key, labels: s.labels, current: s.current, slots, parts });
  }
  return out;
}

/**
 * The summary of `window`'s series over [from, to): the slots that start in it (see
 * {@link startingIn}). Rates divide by the time elapsed of the range at `now`
 * (`min(to, now) - from`): a range running past now has not had its nominal length yet.
 */
export function summarize(window: MetricWindow, from: number, to: number, now: number = to): MetricSummary {
  const kind = window.kind ?? 'unknown';
  const c = classify(window.name, window.kind, window.unit);
  const histogram = kind === 'histogram';
  const inRange = startingIn(window, from, to);
  const stats = window.stats(inRange, from, to, histogram);
  const seconds = Math.max(0, Math.min(to, now) - from) / 1000;
  const k = c.factor;
  let series = 0;
  for (const s of inRange) if (window.stats([s], from, to, false).count > 0) series++;
  const empty = stats.count === 0;
  const dist = histogram && !empty ? stats.dist!.summary() : undefined;
  const scaled = (x: number | undefined): number | null => (x === undefined || empty ? null : num(x * k));
  const summary: MetricSummary = {
    name: window.name,
    kind,
    class: c.class,
    unit: c.unit,
    series,
    count: stats.count,
    rate: kind === 'gauge' || empty || seconds === 0 ? (kind === 'gauge' ? null : 0) : num((kind === 'counter' ? stats.sum : stats.count) / seconds),
    sum: empty ? null : num(stats.sum * (histogram ? k : 1)),
    mean: empty ? null : num((stats.sum / stats.count) * k),
    min: scaled(stats.min),
    max: scaled(stats.max),
    p50: scaled(dist?.p50),
    p95: scaled(dist?.p95),
    p99: scaled(dist?.p99),
    errorRate: null,
  };
  summary.errorRate = c.class === 'errorRate' ? summary.mean : errorRateOf(window, inRange, from, to, stats.count, stats.sum);
  return summary;
}

/** Percent of the count (histograms) or amount (counters) in error series; null when none is labeled as one could be. */
function errorRateOf(window: MetricWindow, inRange: readonly WindowSeries[], from: number, to: number, count: number, sum: number): number | null {
  if (window.kind !== 'histogram' && window.kind !== 'counter') return null;
  const total = window.kind === 'counter' ? sum : count;
  if (!(total > 0)) return null;
  // Labeled: any series of the window (of either period) says how requests are told apart.
  if (!window.series.some((s) => ERROR_LABELS.some((l) => Object.hasOwn(s.labels, l)))) return null;
  const errors = inRange.filter((s) => isErrorSeries(s.labels));
  const e = window.stats(errors, from, to, false);
  return ((window.kind === 'counter' ? e.sum : e.count) / total) * 100;
}
