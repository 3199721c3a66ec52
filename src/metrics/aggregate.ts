import { z } from 'zod';
import type { DistributionSummary } from './distribution.js';
import { matchersSchema, parseReadQuery, rangeFields, resolveRange } from './time-series-range.js';
import { coveredTime, WindowQuery, type WindowQuerySources } from './window-query.js';

/** Which data {@link aggregate} summarises. */
export const aggregateQuerySchema = z.object({
  /** Metric name. */
  name: z.string().min(1),
  /** Only series whose labels include all of these (at most 32). */
  labels: matchersSchema.optional(),
  /**
   * The range: `window` (how far back from `to`, default 5 minutes; `'5m'`, `'1h'` or ms), or
   * `from` (epoch ms, ISO 8601 string or Date) to `to` (default now). See `resolveRange`
   * (time-series-range.ts) for what is refused.
   */
  ...rangeFields,
});

/**
 * A query as callers pass it: `window` as `'5m'`, `'1h'` or ms, or `from`/`to` as epoch ms, ISO
 * 8601 strings or Dates. Neither: the last 5 minutes.
 */
export type AggregateQuery = z.input<typeof aggregateQuerySchema>;

/**
 * Count, sum, min, max, mean and percentiles of a metric over a window, plus its rate per
 * second (observations for histograms and gauges, the amount added for counters), over every
 * instance's data: the values alert rules compute for the same aggregations (`mean` is their
 * `avg`). Percentiles are NaN for counters and gauges, which keep totals only. When no series
 * matched, every statistic is NaN but `count` (0).
 */
export interface AggregatedMetrics extends DistributionSummary {
  name: string;
  /** From this process's definition, else from the stored rollups; `'unknown'` when there is no data. */
  kind: 'counter' | 'gauge' | 'histogram' | 'unknown';
  /**
   * The unit of this process's definition. Undefined when this process has not defined the
   * metric: rollups do not carry a unit, so a reader that only sees the store cannot know it.
   */
  unit: string | undefined;
  /** Range length in ms (`to - from`). */
  window: number;
  /**
   * What `rate` divides by (ms): the time the slots it counted cover. Data is kept per slot and a
   * slot counts whole when it overlaps the range, so this runs from the start of the first slot
   * overlapping `from` to the end of the last overlapping `to` (on this monitor's slot grid, or a
   * longer slot another instance wrote), but not past now: a 1-minute range over 30 s slots that
   * starts mid-slot counts three slots and divides by their 90 s, not by 60.
   */
  rateWindow: number;
  /** Range start (epoch ms). */
  from: number;
  /** Range end (epoch ms, exclusive): at most the instant of the read. */
  to: number;
  rate: number;
  /**
   * What an alert rule's `last` reads: for counters and gauges the fleet's value (for each
   * matching series and each instance, its latest value in the window, this process's: its value
   * now, summed); for histograms the mean of the newest slot with observations. NaN without one.
   */
  last: number;
  /** Matching series seen, in memory or in any instance's rollups. */
  series: number;
}

/** What {@link aggregate} reads from. */
export type AggregateSources = WindowQuerySources;

/**
 * Summarises a metric over a window or a `from`/`to` range through the window query (window-query.ts): this
 * process's memory, its rollups waiting to be written and every instance's stored rollups, each
 * write counted once. Works for a metric this process never defined: kind and percentiles come
 * from the rollups (their `hdr` decoded at their own `resolution`).
 */
export async function aggregate(src: AggregateSources, input: AggregateQuery): Promise<AggregatedMetrics> {
  const parsed = parseReadQuery(aggregateQuerySchema, input, 'aggregate query');
  const { name, labels } = parsed;
  const query = new WindowQuery(src);
  const now = query.now;
  const { from, to } = resolveRange(parsed, now, 'aggregate query');
  const window = to - from;
  // Slots are the unit of data: a slot counts when it overlaps [from, to) (as rules read windows).
  const data = await query.read({ name, labels, from, to, now });
  const stats = data.stats(data.series, from, to, true);
  const kind = data.kind ?? 'unknown';
  const summary = stats.dist!.summary();
  const rateWindow = coveredTime(data, data.series, from, to, src.ctx.slotLength);
  const seconds = rateWindow / 1000;
  // Nothing matched: the statistics rules would read as "no data" are NaN here (count stays 0).
  const none = data.series.length === 0;
  return {
    name,
    kind,
    unit: data.unit,
    window,
    rateWindow,
    from,
    to,
    ...summary,
    sum: none ? Number.NaN : summary.sum,
    rate: none ? Number.NaN : (kind === 'counter' ? summary.sum : summary.count) / seconds,
    // As rules read `last`: a histogram's newest slot's mean, the fleet's value of a counter or gauge.
    last: kind === 'histogram' ? stats.lastMean : kind === 'counter' || kind === 'gauge' ? (data.latest(data.series, from, to) ?? Number.NaN) : Number.NaN,
    series: data.series.length,
  };
}
