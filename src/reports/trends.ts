import type { MetricSummary } from './summary.js';

/** Which way a statistic moved against the previous period of equal length. */
export type TrendDirection = 'increasing' | 'decreasing' | 'stable' | 'insufficient-data';

/** Seed 003's trend entry, with the statistic and both values it compared. */
export interface Trend {
  /** The metric (seed 003's `metricType`). */
  metricType: string;
  /** The statistic compared: `p95`, `errorRate`, `mean` or `rate`. */
  statistic: 'p95' | 'errorRate' | 'mean' | 'rate';
  trend: TrendDirection;
  /**
   * Percent change from the previous period (positive: up). Null when either period has no
   * value, or the previous one is 0 and this one is not (an infinite change).
   */
  changePercent: number | null;
  current: number | null;
  previous: number | null;
}

/** The statistic a metric's trend follows: p95 for latencies, the error rate, else the mean (the rate for counters). */
export function headline(s: MetricSummary): Trend['statistic'] {
  if (s.class === 'latency') return 'p95';
  if (s.class === 'errorRate') return 'errorRate';
  return s.kind === 'counter' ? 'rate' : 'mean';
}

/**
 * The direction of `current` against `previous`: a change, rounded to 2 decimals, within
 * ±`band` percent (edges included) is `stable`, beyond it `increasing` or `decreasing`. 0 against 0 is stable; anything
 * against 0 is increasing (with no percentage); a missing value on either side is
 * `insufficient-data`.
 */
export function compare(current: number | null, previous: number | null, band: number): Pick<Trend, 'trend' | 'changePercent'> {
  if (current === null || previous === null) return { trend: 'insufficient-data', changePercent: null };
  if (previous === 0) return current === 0 ? { trend: 'stable', changePercent: 0 } : { trend: current > 0 ? 'increasing' : 'decreasing', changePercent: null };
  const change = ((current - previous) / Math.abs(previous)) * 100;
  // Classified on the change as shown, rounded to 2 decimals (docs/reports.md): 5.004 % shows as
  // 5.00 % and is stable in a 5 % band. Float noise first: 5.0049999999 % is 5.005 %.
  const shown = round(Math.round(change * 1e6) / 1e6, 2);
  return { trend: Math.abs(shown) <= band ? 'stable' : shown > 0 ? 'increasing' : 'decreasing', changePercent: shown };
}

/** The trends of a metric: its headline statistic, and its error rate when that is not the headline. */
export function trendsOf(current: MetricSummary, previous: MetricSummary, band: number): Trend[] {
  const stats: Trend['statistic'][] = [headline(current)];
  if (stats[0] !== 'errorRate' && (current.errorRate !== null || previous.errorRate !== null)) stats.push('errorRate');
  return stats.map((statistic) => {
    const c = current[statistic];
    const p = previous[statistic];
    return { metricType: current.name, statistic, ...compare(c, p, band), current: c, previous: p };
  });
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
