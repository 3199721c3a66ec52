import { ConfigError } from '../core/errors.js';
import type { Counter } from '../metrics/counter.js';
import type { Gauge } from '../metrics/gauge.js';
import type { Histogram, HistogramSeries } from '../metrics/histogram.js';
import type { AnyMetric } from '../metrics/registry.js';
import { aggregationName, lookbacksOf, type Aggregation, type BasicAggregation, type NormalizedCondition } from './rule-schema.js';
import { ownLabel } from './schema-parts.js';
import { WindowReader, type ErrorMatcher, type SeriesGroup } from './window-reader.js';

/** One alert group of a rule: its labels and each condition's value (null: no data). */
export interface GroupValues {
  labels: Record<string, string>;
  values: (number | null)[];
}

/** What evaluating a rule's conditions needs besides the reader. */
export interface ConditionScope {
  /** Metric lookup. */
  metric(name: string): AnyMetric | undefined;
  /** Baselines learned by `regression`, per condition and group. */
  baselines: Map<string, number>;
  /** Reports a rule that cannot be evaluated (once per rule and reason). */
  invalid(error: ConfigError): void;
}

const SUPPORTED: Record<AnyMetric['kind'], ReadonlySet<BasicAggregation>> = {
  histogram: new Set(['avg', 'min', 'max', 'sum', 'count', 'rate', 'p50', 'p90', 'p95', 'p99', 'p999', 'last']),
  counter: new Set(['sum', 'count', 'rate', 'last']),
  gauge: new Set(['avg', 'min', 'max', 'sum', 'count', 'last']),
};

/**
 * Values of every condition of a rule, per alert group. Groups come from the series that match
 * each condition; a group missing from a condition has no data (null) for it.
 */
export async function evaluateConditions(
  reader: WindowReader,
  conditions: readonly NormalizedCondition[],
  groupBy: readonly string[],
  scope: ConditionScope,
  ruleName: string,
): Promise<Map<string, GroupValues>> {
  const out = new Map<string, GroupValues>();
  if (groupBy.length === 0) out.set('', { labels: {}, values: conditions.map(() => null) });
  for (let i = 0; i < conditions.length; i++) {
    const c = conditions[i]!;
    const metric = scope.metric(c.metric);
    if (metric === undefined) continue;
    const of = basicOf(c.aggregation);
    if (of !== undefined && !SUPPORTED[metric.kind].has(of)) {
      scope.invalid(new ConfigError(`rule "${ruleName}": aggregation ${aggregationName(c.aggregation)} does not apply to ${metric.kind} "${metric.name}" (use one of ${[...SUPPORTED[metric.kind]].join(', ')})`));
      continue;
    }
    if (of === undefined && metric.kind === 'gauge') {
      scope.invalid(new ConfigError(`rule "${ruleName}": aggregation ${aggregationName(c.aggregation)} does not apply to gauge "${metric.name}"`));
      continue;
    }
    if (metric.kind === 'histogram') await prefetchAll(reader, metric, c);
    for (const [key, group] of reader.group(metric, c.labels, groupBy)) {
      let g = out.get(key);
      if (g === undefined) out.set(key, (g = { labels: group.labels, values: conditions.map(() => null) }));
      g.values[i] = conditionValue(reader, metric, c, group, scope.baselines, `${i}\u0000${key}`);
    }
  }
  return out;
}

/** The plain aggregation a condition reads (detectors read `of`); undefined for errorRate and compliance. */
function basicOf(a: Aggregation): BasicAggregation | undefined {
  if (typeof a === 'string') return a === 'errorRate' ? undefined : a;
  return a.type === 'spike' || a.type === 'change' || a.type === 'regression' ? a.of : undefined;
}

/** Loads stored rollups for every range a condition reads that reaches back past memory. */
async function prefetchAll(reader: WindowReader, metric: Histogram, c: NormalizedCondition): Promise<void> {
  for (const back of lookbacksOf(c)) await reader.prefetch(metric, c.labels, reader.now - back);
}

function conditionValue(
  reader: WindowReader,
  metric: AnyMetric,
  c: NormalizedCondition,
  group: SeriesGroup,
  baselines: Map<string, number>,
  baselineKey: string,
): number | null {
  const now = reader.now;
  const a = c.aggregation;
  const from = now - c.window;
  if (typeof a === 'string' && a !== 'errorRate') return basic(reader, metric, c, group, a, from, now);
  if (a === 'errorRate' || a.type === 'errorRate') {
    const isError = errorMatcher(typeof a === 'string' ? undefined : a.errorLabels);
    if (metric.kind === 'counter') return reader.counterErrorRate(metric, group.series, isError, from, now);
    if (metric.kind !== 'histogram') return null;
    const series = group.series as HistogramSeries[];
    const all = reader.histogramStats(metric, c.labels, series, from, now, false);
    const errors = reader.histogramStats(metric, c.labels, series.filter((s) => isError(s.labels)), from, now, false);
    return all.count === 0 ? null : (errors.count / all.count) * 100;
  }
  if (a.type === 'compliance') {
    if (metric.kind !== 'histogram') return null;
    const stats = reader.histogramStats(metric, c.labels, group.series as HistogramSeries[], from, now, true);
    const fraction = stats.dist?.fractionAtOrBelow(a.under) ?? Number.NaN;
    return Number.isNaN(fraction) ? null : fraction * 100;
  }
  const current = basic(reader, metric, c, group, a.of, from, now);
  if (current === null) return null;
  if (a.type === 'spike') {
    const base = basic(reader, metric, c, group, a.of, now - a.baselineWindow, now);
    return base === null || base === 0 ? null : current / base;
  }
  if (a.type === 'change') {
    const previous = basic(reader, metric, c, group, a.of, from - c.window, from);
    if (previous === null || previous === 0) return null;
    const change = ((current - previous) / Math.abs(previous)) * 100;
    return a.direction === 'both' ? Math.abs(change) : a.direction === 'up' ? change : -change;
  }
  // regression
  let baseline = a.baseline ?? baselines.get(baselineKey);
  if (baseline === undefined) {
    const count = basic(reader, metric, c, group, 'count', from, now);
    if (count === null || count < a.minCount || current <= 0) return null;
    baselines.set(baselineKey, (baseline = current));
  }
  return ((current - baseline) / baseline) * 100;
}

function basic(reader: WindowReader, metric: AnyMetric, c: NormalizedCondition, group: SeriesGroup, agg: BasicAggregation, from: number, to: number): number | null {
  if (metric.kind === 'histogram') {
    const withDist = agg.startsWith('p');
    const stats = reader.histogramStats(metric as Histogram, c.labels, group.series as HistogramSeries[], from, to, withDist);
    return WindowReader.histogramValue(agg, stats, to - from);
  }
  if (metric.kind === 'counter') return reader.counterValue(metric as Counter, group.series, agg, from, to);
  return reader.gaugeValue(metric as Gauge, group.series, agg, from, to);
}

const ERROR_STATUS = /^(?:5\d\d|5xx|failure|failed|error|errored|timeout)$/i;

/**
 * Which series count as errors. Custom matchers: exact values, or a class such as `'5xx'`
 * matching any 5xx code. Default: `success="false"`, a `status`, `statusCode`, `status_code` or
 * `outcome` that is 5xx or failure/error/timeout.
 */
export function errorMatcher(custom: Readonly<Record<string, string | readonly string[]>> | undefined): ErrorMatcher {
  if (custom !== undefined) {
    const entries = Object.entries(custom).map(([name, v]) => [name, typeof v === 'string' ? [v] : v] as const);
    return (labels) =>
      entries.some(([name, values]) => {
        const actual = ownLabel(labels, name);
        return actual !== undefined && values.some((v) => v === actual || (/^\dxx$/i.test(v) && actual.length === 3 && actual[0] === v[0]));
      });
  }
  return (labels) =>
    labels.success === 'false' ||
    [labels.status, labels.statusCode, labels.status_code, labels.outcome].some((v) => v !== undefined && ERROR_STATUS.test(v));
}
