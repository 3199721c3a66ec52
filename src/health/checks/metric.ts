import { z } from 'zod';
import { positiveDurationSchema, shown } from '../../core/duration.js';
import type { AggregateQuery, AggregatedMetrics } from '../../metrics/aggregate.js';
import { parseOptions } from '../../core/options.js';
import type { HealthCheck, HealthStatus } from '../types.js';
import { checkThresholds, formatValue, grade, GRADE_STATUS, thresholdShape } from './grade.js';

/** Anything that aggregates metrics: `monitor` itself (`monitor.getAggregatedMetrics`). */
export interface AggregateSource {
  getAggregatedMetrics(query: AggregateQuery): Promise<AggregatedMetrics>;
}

/** The figures of an aggregate a metric check can grade. */
export const METRIC_AGGREGATIONS = ['mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'min', 'max', 'sum', 'count', 'rate', 'last'] as const;

/** Accepted names in the order alert rules list them. */
const ACCEPTED = ['mean (or avg)', 'min', 'max', 'sum', 'count', 'rate', 'p50', 'p90', 'p95', 'p99', 'p999', 'last'].join(', ');

/** `mean`, also spelled `avg` as alert rules once required; read as `mean`, the aggregate's field. */
const aggregationSchema = z
  .enum([...METRIC_AGGREGATIONS, 'avg'], {
    error: (issue) => `expected one of ${ACCEPTED}, got ${shown(issue.input)}`,
  })
  .transform((a): (typeof METRIC_AGGREGATIONS)[number] => (a === 'avg' ? 'mean' : a));

/** Options of {@link metricCheck}. */
export const metricCheckOptionsSchema = z
  .strictObject({
    /** The metric to read, e.g. `'response_time'` (a seed-style `recordMetric` type) or `'http_request_duration_seconds'`. */
    metric: z.string().min(1),
    /** Which figure of the aggregate to grade (default `'mean'`: seed 003's "Average response time"). */
    aggregation: aggregationSchema.default('mean'),
    /** How far back to look (default 5 minutes, as the alert rules of seed 003). */
    window: positiveDurationSchema.default(300_000),
    /** Only series whose labels include these. */
    labels: z.record(z.string(), z.string()).optional(),
    ...thresholdShape,
    /** Start of the message, e.g. `'Average response time'` (default: metric, aggregation and window). */
    title: z.string().min(1).optional(),
    /** Written after the value in the message, e.g. `'ms'` or `'%'`. */
    unit: z.string().default(''),
    /** Status when the window holds no data (default `'healthy'`: no traffic is not an outage). */
    noData: z.enum(['healthy', 'degraded', 'unhealthy']).default('healthy'),
  })
  .superRefine(checkThresholds);

/** Options of {@link metricCheck} as callers pass them. */
export type MetricCheckOptions = z.input<typeof metricCheckOptionsSchema>;

/**
 * Seed 003's pass/warn/fail check on a metric: reads `aggregation` of `metric` over `window` and
 * grades it against `warn` and `fail` (warn: `degraded`, fail: `unhealthy`). `details` carries
 * seed 003's fields: `result` (`'pass' | 'warn' | 'fail'`), `value` and `threshold`.
 *
 * @example checks.metric(monitor, { metric: 'response_time', title: 'Average response time', unit: 'ms', warn: 500, fail: 2000 })
 */
export function metricCheck(source: AggregateSource, options: MetricCheckOptions): HealthCheck {
  const o = parseOptions(metricCheckOptionsSchema, options, 'checks.metric options');
  const title = o.title ?? `${o.metric} ${o.aggregation} over ${o.window / 1000}s`;
  const query: AggregateQuery = { name: o.metric, window: o.window, ...(o.labels ? { labels: { ...o.labels } } : {}) };
  return async () => {
    const agg = await source.getAggregatedMetrics(query);
    const value = agg[o.aggregation];
    const base = { aggregation: o.aggregation, window: o.window, count: agg.count, warn: o.warn, fail: o.fail };
    if (agg.count === 0 || !Number.isFinite(value)) {
      const status: HealthStatus = o.noData;
      return { status, message: `${title}: no data`, details: { ...base, result: status === 'healthy' ? 'pass' : status === 'degraded' ? 'warn' : 'fail', value: null, threshold: o.warn ?? o.fail } };
    }
    const g = grade(value, o);
    return { status: GRADE_STATUS[g.grade], message: `${title}: ${formatValue(value)}${o.unit}`, details: { ...base, result: g.grade, value, threshold: g.threshold } };
  };
}
