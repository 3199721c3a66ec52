import { isValidLabelName } from '../core/labels.js';
import { formatBound } from '../metrics/exposition/format.js';
import type { MetricKind } from '../storage/contract.js';
import type { Aggregation, BasicAggregation } from '../alerts/rule-schema.js';
import { ERROR_STATUS_LABELS } from '../metrics/time-series-errors.js';

/** A PromQL expression, or why the aggregation has none over pulsewatch's exposition. */
export type Expression = { expr: string; approximate?: string } | { unsupported: string };

/** What one condition reads: the metric, its kind and exposed buckets, its matchers and grouping. */
export interface Selection {
  metric: string;
  kind: MetricKind;
  /** Upper bounds of a histogram's exposed buckets, when known. */
  buckets?: readonly number[] | undefined;
  labels: Readonly<Record<string, string>>;
  groupBy: readonly string[];
  /** The condition's window, ms. */
  window: number;
}

const QUANTILES: Partial<Record<BasicAggregation, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99, p999: 0.999 };

/** The default error series of `errorRate` (as evaluate-conditions.ts matches them): RE2 is fully anchored. */
const DEFAULT_ERRORS: readonly [string, string][] = [
  ['success', 'false'],
  ...ERROR_STATUS_LABELS.map((name): [string, string] => [name, '(?i)5[0-9][0-9]|5xx|failure|failed|error|errored|timeout']),
];

/** `ms` as a PromQL duration in its largest whole unit: `5m`, `90s`, `1500ms`. */
export function promDuration(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]];
  for (const [unit, size] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${Math.max(1, Math.round(ms))}ms`;
}

/** A PromQL (Go) string literal; JSON's escapes are a subset of Go's. */
export function promString(value: string): string {
  return JSON.stringify(value);
}

/** A regular expression matching exactly `value` (RE2 syntax). */
function literalRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** `{a="x",b=~"y"}` from equality and regex matchers; empty braces dropped. */
function selector(name: string, equal: Readonly<Record<string, string>>, extra: readonly string[] = []): string {
  const parts = [...Object.entries(equal).map(([k, v]) => `${k}=${promString(v)}`), ...extra];
  return parts.length === 0 ? name : `${name}{${parts.join(',')}}`;
}

function by(groupBy: readonly string[], extra: readonly string[] = []): string {
  const labels = [...extra, ...groupBy];
  return labels.length === 0 ? '' : ` by (${labels.join(', ')})`;
}

/** Why a selection cannot be written as PromQL, if it cannot. */
export function selectionProblem(s: Selection): string | undefined {
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(s.metric)) return `metric name ${promString(s.metric)} is not a Prometheus metric name`;
  const bad = [...Object.keys(s.labels), ...s.groupBy].find((name) => !isValidLabelName(name) || name === 'le');
  return bad === undefined ? undefined : `label ${promString(bad)} cannot be matched in PromQL`;
}

/**
 * The PromQL of a plain aggregation over pulsewatch's exposition of the selection, summed over
 * every instance Prometheus scrapes (pulsewatch's rules read the fleet too). `offset` shifts the
 * range back (a `change` detector's previous window).
 */
export function basicExpression(s: Selection, agg: BasicAggregation | 'mean', window = s.window, offset = 0): Expression {
  const range = `[${promDuration(window)}]${offset > 0 ? ` offset ${promDuration(offset)}` : ''}`;
  const of = (suffix: string) => `${selector(`${s.metric}${suffix}`, s.labels)}${range}`;
  const g = by(s.groupBy);
  const a = agg === 'mean' ? 'avg' : agg;
  if (s.kind === 'histogram') {
    const q = QUANTILES[a];
    if (q !== undefined) return { expr: `histogram_quantile(${q}, sum${by(s.groupBy, ['le'])} (rate(${of('_bucket')})))`, approximate: 'interpolated within Prometheus buckets; pulsewatch reads its exact HDR histogram' };
    switch (a) {
      case 'count':
        return { expr: `sum${g} (increase(${of('_count')}))` };
      case 'sum':
        return { expr: `sum${g} (increase(${of('_sum')}))` };
      case 'rate':
        return { expr: `sum${g} (rate(${of('_count')}))` };
      case 'avg':
        return { expr: `sum${g} (rate(${of('_sum')})) / sum${g} (rate(${of('_count')}))` };
      default:
        return { unsupported: `${a} of a histogram is not in its Prometheus exposition (only buckets, sum and count are)` };
    }
  }
  if (s.kind === 'counter') {
    switch (a) {
      case 'sum':
      case 'count':
        return { expr: `sum${g} (increase(${of('')}))` };
      case 'rate':
        return { expr: `sum${g} (rate(${of('')}))` };
      case 'last':
        return { expr: `sum${g} (last_over_time(${of('')}))` };
      default:
        return { unsupported: `${a} does not apply to a counter` };
    }
  }
  switch (a) {
    case 'last':
    case 'sum':
      return { expr: `sum${g} (last_over_time(${of('')}))` };
    case 'min':
      return { expr: `min${g} (min_over_time(${of('')}))`, approximate: 'over scraped samples, not every value set' };
    case 'max':
      return { expr: `max${g} (max_over_time(${of('')}))`, approximate: 'over scraped samples, not every value set' };
    case 'avg':
      return { expr: `sum${g} (sum_over_time(${of('')})) / sum${g} (count_over_time(${of('')}))`, approximate: 'over scraped samples, not every value set' };
    default:
      return { unsupported: `${a} of a gauge counts values set, which Prometheus does not see (it samples at each scrape)` };
  }
}

/** Error matchers as `or`-joined selectors' regex parts: one list per label (pulsewatch: any label matching). */
function errorParts(custom: Readonly<Record<string, string | readonly string[]>> | undefined): string[] | string {
  if (custom === undefined) return DEFAULT_ERRORS.map(([name, re]) => `${name}=~${promString(re)}`);
  const parts: string[] = [];
  for (const [name, value] of Object.entries(custom)) {
    if (!isValidLabelName(name)) return `error label ${promString(name)} cannot be matched in PromQL`;
    const values = typeof value === 'string' ? [value] : value;
    const alternatives = values.map((v) => (/^\dxx$/i.test(v) ? `${v[0]}[0-9][0-9]` : literalRegex(v)));
    parts.push(`${name}=~${promString(alternatives.join('|'))}`);
  }
  return parts;
}

/** The PromQL of any aggregation a rule condition may hold (detectors included). */
export function conditionExpression(s: Selection, a: Aggregation): Expression {
  if (typeof a === 'string' && a !== 'errorRate') return basicExpression(s, a);
  if (a === 'errorRate' || a.type === 'errorRate') {
    if (s.kind === 'gauge') return { unsupported: 'errorRate does not apply to a gauge' };
    const parts = errorParts(typeof a === 'string' ? undefined : a.errorLabels);
    if (typeof parts === 'string') return { unsupported: parts };
    const range = `[${promDuration(s.window)}]`;
    const name = s.kind === 'histogram' ? `${s.metric}_count` : s.metric;
    const fn = s.kind === 'histogram' ? 'rate' : 'increase';
    // `or` joins by whole label sets, so a series matching two error labels counts once, as in pulsewatch.
    const errors = parts.map((p) => `${fn}(${selector(name, s.labels, [p])}${range})`).join(' or ');
    const g = by(s.groupBy);
    return { expr: `100 * sum${g} (${errors}) / sum${g} (${fn}(${selector(name, s.labels)}${range}))` };
  }
  if (a.type === 'compliance') {
    if (s.kind !== 'histogram') return { unsupported: 'compliance needs a histogram' };
    if (s.buckets === undefined || !s.buckets.includes(a.under)) {
      return { unsupported: `compliance under ${a.under} needs a bucket bound at ${a.under} in the histogram's exposition${s.buckets === undefined ? ' (its buckets are unknown: pass the monitor)' : ''}` };
    }
    const range = `[${promDuration(s.window)}]`;
    const g = by(s.groupBy);
    const under = selector(`${s.metric}_bucket`, s.labels, [`le=${promString(formatBound(a.under))}`]);
    return { expr: `100 * sum${g} (rate(${under}${range})) / sum${g} (rate(${selector(`${s.metric}_count`, s.labels)}${range}))` };
  }
  if (a.type === 'regression' && a.baseline === undefined) return { unsupported: 'a regression against a learned baseline has no PromQL form (give `baseline`)' };
  const current = basicExpression(s, a.of);
  if ('unsupported' in current) return current;
  if (a.type === 'regression') return { ...current, expr: `100 * ((${current.expr}) - ${a.baseline}) / ${a.baseline}` };
  const earlier = a.type === 'spike' ? basicExpression(s, a.of, a.baselineWindow) : basicExpression(s, a.of, s.window, s.window);
  if ('unsupported' in earlier) return earlier;
  if (a.type === 'spike') return { ...current, expr: `(${current.expr}) / (${earlier.expr})` };
  const change = `100 * ((${current.expr}) - (${earlier.expr})) / abs(${earlier.expr})`;
  const expr = a.direction === 'both' ? `abs(${change})` : a.direction === 'up' ? change : `-(${change})`;
  return { ...current, expr };
}
