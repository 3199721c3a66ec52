import { coveredTime, type MetricWindow, type RangeStats, type WindowSeries } from '../metrics/window-query.js';
import { END, F, isKept, START, SUM } from '../metrics/window-query-columns.js';
import type { BasicAggregation } from './rule-schema.js';

// The rules' plain aggregations of a window's series by kind (histograms, counters, gauges),
// apart from the reader that builds the windows (window-reader.ts), which exposes them as statics.

/** Range stats of a rule's group (see `WindowReader.histogramStats`), with what its `rate` divides by. */
export interface GroupStats extends RangeStats {
  /** The time (ms) the counted slots cover (`coveredTime`, as `getAggregatedMetrics`' `rateWindow`). */
  readonly rateWindow: number;
}

/**
 * {@link GroupStats} as the reader keeps them for a tick: range stats filled in place (one object
 * a group and range, not a copy of the stats plus a closure), `rateWindow` computed on first
 * read (only `rate` reads it).
 */
export class TickGroupStats implements GroupStats {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  lastMean = Number.NaN;
  dist: RangeStats['dist'] = undefined;
  private covered: number | undefined;

  constructor(
    private readonly window: MetricWindow,
    private readonly series: readonly WindowSeries[],
    readonly from: number,
    readonly to: number,
  ) {}

  get rateWindow(): number {
    return (this.covered ??= coveredTime(this.window, this.series, this.from, this.to, this.window.slotLength));
  }
}

/** Label predicates for `errorRate`: a series is an error when any listed label matches. */
export type ErrorMatcher = (labels: Readonly<Record<string, string>>) => boolean;

const PERCENTILES: Partial<Record<BasicAggregation, number>> = { p50: 50, p90: 90, p95: 95, p99: 99, p999: 99.9 };

/**
 * A plain aggregation of histogram range stats; null when there is nothing to aggregate. `rate`
 * divides by the time the counted slots cover (`stats.rateWindow`), as `getAggregatedMetrics`
 * does, not by the range's length.
 */
export function histogramValue(agg: BasicAggregation, stats: GroupStats): number | null {
  if (agg === 'count') return stats.count;
  if (agg === 'sum') return stats.sum;
  if (agg === 'rate') return stats.count / (stats.rateWindow / 1000);
  if (stats.count === 0) return null;
  switch (agg) {
    case 'avg':
      return stats.sum / stats.count;
    case 'min':
      return stats.min;
    case 'max':
      return stats.max;
    case 'last':
      return Number.isNaN(stats.lastMean) ? null : stats.lastMean;
    default: {
      const v = stats.dist?.percentile(PERCENTILES[agg]!) ?? Number.NaN;
      return Number.isNaN(v) ? null : v;
    }
  }
}

/**
 * A plain aggregation of counter series over [from, to): `sum`, `count` and `rate` from the
 * amounts added in the range by every instance (from the range's start, whenever the engine
 * started; `rate` per second of the time the counted slots cover, as `getAggregatedMetrics`);
 * `last` the fleet's total (each instance's latest total, summed).
 */
export function counterValue(window: MetricWindow, series: readonly WindowSeries[], agg: BasicAggregation, from: number, to: number): number | null {
  if (agg === 'last') return window.latest(series, from, to) ?? null;
  const increase = increaseOf(window, series, from, to);
  if (agg === 'rate') return increase / (coveredTime(window, series, from, to, window.slotLength) / 1000);
  return increase;
}

/** Share (%) of the amount added over [from, to) that went to error series; null when nothing was added. */
export function counterErrorRate(window: MetricWindow, series: readonly WindowSeries[], isError: ErrorMatcher, from: number, to: number): number | null {
  let total = 0;
  let errors = 0;
  for (const s of series) {
    const inc = increaseOf(window, [s], from, to);
    total += inc;
    if (isError(s.labels)) errors += inc;
  }
  return total === 0 ? null : (errors / total) * 100;
}

/**
 * A plain aggregation of gauge series over [from, to), from their rollups (and this process's
 * open slot). `last` and `sum`: the fleet's value, each series' latest value from each
 * instance, summed. `avg`, `min`, `max` and `count`: over every value the series took in the
 * range on any instance (a slot's values as its rollup keeps them: count, sum, min, max; an
 * unchanged gauge counts once per closed slot). Null without data.
 */
export function gaugeValue(window: MetricWindow, series: readonly WindowSeries[], agg: BasicAggregation, from: number, to: number): number | null {
  if (agg === 'last' || agg === 'sum') return window.latest(series, from, to) ?? null;
  const stats = window.stats(series, from, to, false);
  if (stats.count === 0) return null;
  switch (agg) {
    case 'count':
      return stats.count;
    case 'avg':
      return stats.sum / stats.count;
    case 'min':
      return stats.min;
    case 'max':
      return stats.max;
    default:
      return undefined as never;
  }
}


/** The amount counter series added over [from, to), every instance's slots included. */
function increaseOf(window: MetricWindow, series: readonly WindowSeries[], from: number, to: number): number {
  let increase = 0;
  const last = to >= window.now ? Infinity : to;
  for (const s of series) {
    if (isKept(s)) {
      // A kept series' parts are columns: summed without building part objects.
      const c = s.cols;
      for (let i = 0; i < s.n; i++) if (c[i * F + END]! > from && c[i * F + START]! < last) increase += c[i * F + SUM]!;
      continue;
    }
    for (const p of s.parts) if (window.covers(p, from, to)) increase += p.sum;
  }
  return increase;
}
