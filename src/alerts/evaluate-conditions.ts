import { ConfigError } from '../core/errors.js';
import type { MetricKind } from '../storage/contract.js';
import type { MetricWindow } from '../metrics/window-query.js';
import type { AnyMetric } from '../metrics/registry.js';
import { aggregationName, widestLookback, type Aggregation, type BasicAggregation, type NormalizedCondition } from './rule-schema.js';
import { isErrorSeries } from '../metrics/time-series-errors.js';
import { ownLabel } from './schema-parts.js';
import { WindowReader, type ErrorMatcher, type SeriesGroup } from './window-reader.js';

/** One alert group of a rule: its labels and each condition's value (null: no data). */
export interface GroupValues {
  labels: Record<string, string>;
  values: (number | null)[];
}

/** What evaluating a rule's conditions needs besides the reader. */
export interface ConditionScope {
  /** This process's metric of a name, if it defined one (its name is the one read from the store). */
  metric(name: string): AnyMetric | undefined;
  /** Baselines learned by `regression`, per condition and group. */
  baselines: Map<string, number>;
  /** Reports a rule that cannot be evaluated (once per rule and reason). */
  invalid(error: ConfigError): void;
}

const SUPPORTED: Record<MetricKind, ReadonlySet<BasicAggregation>> = {
  histogram: new Set(['avg', 'min', 'max', 'sum', 'count', 'rate', 'p50', 'p90', 'p95', 'p99', 'p999', 'last']),
  counter: new Set(['sum', 'count', 'rate', 'last']),
  gauge: new Set(['avg', 'min', 'max', 'sum', 'count', 'last']),
};

/**
 * Values of every condition of a rule, per alert group, over the fleet's data: groups come from
 * the series that match each condition in this process's memory or in any instance's rollups
 * (a metric this process never defined included: its kind comes from the rollups); a group
 * missing from a condition has no data (null) for it.
 */
export async function evaluateConditions(
  reader: WindowReader,
  conditions: readonly NormalizedCondition[],
  groupBy: readonly string[],
  scope: ConditionScope,
  ruleName: string,
): Promise<Map<string, GroupValues>> {
  const out = new Map<string, GroupValues>();
  const n = conditions.length;
  if (groupBy.length === 0) out.set('', { labels: {}, values: noValues(n) });
  for (let i = 0; i < n; i++) {
    const c = conditions[i]!;
    // The window a condition reads: the metric this process defined under that name, else the
    // name as written, else (recordMetric lower-cases metricType names) its lower-case spelling.
    // Read here, not in a function of its own: one promise less per condition and tick.
    const from = reader.now - widestLookback(c);
    const defined = scope.metric(c.metric);
    let window = await reader.window(defined?.name ?? c.metric, from);
    if (window.kind === undefined && defined === undefined) {
      const lower = c.metric.toLowerCase();
      if (lower !== c.metric) window = await reader.window(lower, from);
    }
    const kind = window.kind;
    if (kind === undefined) continue;
    const of = basicOf(c.aggregation);
    if (of !== undefined && !SUPPORTED[kind].has(of)) {
      scope.invalid(new ConfigError(`rule "${ruleName}": aggregation ${aggregationName(c.aggregation)} does not apply to ${kind} "${window.name}" (use one of ${[...SUPPORTED[kind]].join(', ')})`));
      continue;
    }
    if (of === undefined && kind === 'gauge') {
      scope.invalid(new ConfigError(`rule "${ruleName}": aggregation ${aggregationName(c.aggregation)} does not apply to gauge "${window.name}"`));
      continue;
    }
    // forEach, not for...of over entries: no [key, group] array per group and tick.
    reader.group(window, c.labels, groupBy).forEach((group, key) => {
      let g = out.get(key);
      if (g === undefined) out.set(key, (g = { labels: group.labels, values: noValues(n) }));
      g.values[i] = conditionValue(reader, window, c, group, scope.baselines, i, key);
    });
  }
  return out;
}

/** `n` values, none known yet. */
export function noValues(n: number): (number | null)[] {
  const out: (number | null)[] = [];
  for (let i = 0; i < n; i++) out.push(null);
  return out;
}

/** The plain aggregation a condition reads (detectors read `of`); undefined for errorRate and compliance. */
function basicOf(a: Aggregation): BasicAggregation | undefined {
  if (typeof a === 'string') return a === 'errorRate' ? undefined : a;
  return a.type === 'spike' || a.type === 'change' || a.type === 'regression' ? a.of : undefined;
}

function conditionValue(
  reader: WindowReader,
  window: MetricWindow,
  c: NormalizedCondition,
  group: SeriesGroup,
  baselines: Map<string, number>,
  /** The condition's index and the group's key: a learned baseline's key (made only for `regression`). */
  index: number,
  groupKey: string,
): number | null {
  const now = reader.now;
  const a = c.aggregation;
  const from = now - c.window;
  if (typeof a === 'string' && a !== 'errorRate') return basic(reader, window, group, a, from, now);
  if (a === 'errorRate' || a.type === 'errorRate') {
    const isError = errorMatcherOf(c);
    if (window.kind === 'counter') return WindowReader.counterErrorRate(window, group.series, isError, from, now);
    if (window.kind !== 'histogram') return null;
    const all = reader.histogramStats(window, group, from, now, false);
    // The error series' count alone (what their range stats' count is): no filtered array, no sums.
    const errors = window.count(group.series, from, now, isError);
    return all.count === 0 ? null : (errors / all.count) * 100;
  }
  if (a.type === 'compliance') {
    if (window.kind !== 'histogram') return null;
    const stats = reader.histogramStats(window, group, from, now, true);
    const fraction = stats.dist?.fractionAtOrBelow(a.under) ?? Number.NaN;
    return Number.isNaN(fraction) ? null : fraction * 100;
  }
  const current = basic(reader, window, group, a.of, from, now);
  if (current === null) return null;
  if (a.type === 'spike') {
    const base = basic(reader, window, group, a.of, now - a.baselineWindow, now);
    return base === null || base === 0 ? null : current / base;
  }
  if (a.type === 'change') {
    const previous = basic(reader, window, group, a.of, from - c.window, from);
    if (previous === null || previous === 0) return null;
    const change = ((current - previous) / Math.abs(previous)) * 100;
    return a.direction === 'both' ? Math.abs(change) : a.direction === 'up' ? change : -change;
  }
  // regression
  const baselineKey = `${index}\u0000${groupKey}`;
  let baseline = a.baseline ?? baselines.get(baselineKey);
  if (baseline === undefined) {
    const count = basic(reader, window, group, 'count', from, now);
    if (count === null || count < a.minCount || current <= 0) return null;
    baselines.set(baselineKey, (baseline = current));
  }
  return ((current - baseline) / baseline) * 100;
}

function basic(reader: WindowReader, window: MetricWindow, group: SeriesGroup, agg: BasicAggregation, from: number, to: number): number | null {
  if (window.kind === 'histogram') {
    const stats = reader.histogramStats(window, group, from, to, agg.startsWith('p'));
    return WindowReader.histogramValue(agg, stats);
  }
  if (window.kind === 'counter') return WindowReader.counterValue(window, group.series, agg, from, to);
  return WindowReader.gaugeValue(window, group.series, agg, from, to);
}

/** Each condition's error matcher, made once (conditions are kept between ticks), with its answer kept per label set. */
const matchers = new WeakMap<NormalizedCondition, ErrorMatcher>();

function errorMatcherOf(c: NormalizedCondition): ErrorMatcher {
  let matcher = matchers.get(c);
  if (matcher === undefined) {
    const a = c.aggregation;
    const match = errorMatcher(typeof a === 'string' ? undefined : a.type === 'errorRate' ? a.errorLabels : undefined);
    // A series keeps its labels object from tick to tick: its answer is computed once.
    const known = new WeakMap<object, boolean>();
    matcher = (labels) => {
      let is = known.get(labels);
      if (is === undefined) known.set(labels, (is = match(labels)));
      return is;
    };
    matchers.set(c, matcher);
  }
  return matcher;
}

/**
 * Which series count as errors. Custom matchers: exact values, or a class such as `'5xx'`
 * matching any 5xx code. Default: metrics/time-series-errors.ts `isErrorSeries` (`success="false"`,
 * a `status`, `statusCode`, `status_code`, `code`, `status_class` or `outcome` that is 5xx or failure/error/timeout).
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
  return isErrorSeries;
}
