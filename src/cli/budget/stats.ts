/**
 * What a budget can measure, and in which terms its threshold is written. Shared by the budget
 * parsers and both sources, so a stat means one thing whatever reads it.
 */

/** Statistics a budget can hold a metric to. */
export const STATS = ['p50', 'p90', 'p95', 'p99', 'p999', 'mean', 'min', 'max', 'count', 'rate', 'errorRate'] as const;

/** One of {@link STATS}. */
export type Stat = (typeof STATS)[number];

/** Other spellings accepted for a stat (flags are typed by hand; seed 001 says "throughput"). */
const ALIASES: Readonly<Record<string, Stat>> = { error_rate: 'errorRate', 'error-rate': 'errorRate', errorrate: 'errorRate', throughput: 'rate' };

/**
 * How a stat's threshold is written and compared:
 * - `latency`: a duration (`500ms`, `1s`; a bare number is milliseconds) against a metric in
 *   seconds or milliseconds, or a bare number in the metric's own unit when it has no time unit;
 * - `percent`: `5%` or `5` (percent of requests, 0 to 100);
 * - `rate`: per second (`500`, `500/s`, `30000/m`);
 * - `count`: a whole number of observations or requests in the window.
 */
export type StatKind = 'latency' | 'percent' | 'rate' | 'count';

/** The kind of a stat's threshold. */
export function statKind(stat: Stat): StatKind {
  if (stat === 'errorRate') return 'percent';
  if (stat === 'rate') return 'rate';
  if (stat === 'count') return 'count';
  return 'latency';
}

/** The stat a name spells (case-insensitive, aliases included), or undefined. */
export function statOf(name: string): Stat | undefined {
  const lower = name.toLowerCase();
  const exact = STATS.find((s) => s.toLowerCase() === lower);
  return exact ?? ALIASES[lower];
}

/** The quantile (0..1) of a percentile stat, or undefined for the others. */
export function quantileOf(stat: Stat): number | undefined {
  switch (stat) {
    case 'p50':
      return 0.5;
    case 'p90':
      return 0.9;
    case 'p95':
      return 0.95;
    case 'p99':
      return 0.99;
    case 'p999':
      return 0.999;
    default:
      return undefined;
  }
}

/** Metrics a budget reads when it names none: what pulsewatch's HTTP integrations record. */
export const DEFAULT_METRICS = {
  /** For latency stats. */
  latency: 'http_request_duration_seconds',
  /** For `errorRate`, `rate` and `count`. */
  requests: 'http_requests_total',
} as const;

/** The metric a stat reads by default. */
export function defaultMetricOf(stat: Stat, defaults: { latency: string; requests: string }): string {
  return statKind(stat) === 'latency' ? defaults.latency : defaults.requests;
}

/**
 * Milliseconds per unit of a metric's values when it measures time, else undefined: from `unit`
 * when given (a unit that is no time unit: undefined), else from the name's suffix (the
 * Prometheus convention: `_seconds`). Which unit to pass is evaluate.ts `msPerValue`'s: the
 * source's, else the name's, else the budget's.
 */
export function msPerUnit(metric: string, unit: string | undefined): number | undefined {
  const u = unit?.toLowerCase();
  if (u === 'seconds' || u === 's') return 1000;
  if (u === 'milliseconds' || u === 'ms') return 1;
  if (u !== undefined) return undefined;
  if (/_seconds(_total)?$/.test(metric)) return 1000;
  if (/_(milliseconds|ms)(_total)?$/.test(metric)) return 1;
  return undefined;
}
