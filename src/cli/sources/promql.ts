import type { Budget } from '../budget/budget.js';
import { quantileOf } from '../budget/stats.js';
import { CliInputError } from '../errors.js';

/** A PromQL string literal: backslashes, quotes and newlines escaped. */
function literal(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** `{route="/x",status=~"5.."}`, or '' with no matchers. Names were validated when the budget was parsed. */
function selector(labels: Readonly<Record<string, string>>, extra = ''): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${literal(v)}`);
  if (extra) parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** A window as a PromQL range: `5m`, `90s`, or `1500ms`. */
export function promDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${Math.round(ms)}ms`;
}

/**
 * The PromQL that measures a budget over pulsewatch's exposition names, for any service
 * Prometheus scrapes. A metric ending in `_total` is a counter (its samples are the metric);
 * anything else is a histogram (`_bucket`, `_sum`, `_count`). Every series matching the labels
 * is summed, so the answer is one number however many instances were scraped.
 * Min and max have no PromQL equivalent over histograms: asking for them is an input error.
 */
export function budgetQuery(budget: Budget): string {
  const m = budget.metric;
  const w = `[${promDuration(budget.window)}]`;
  const sel = selector(budget.labels);
  const counter = m.endsWith('_total');
  const q = quantileOf(budget.stat);
  const needsHistogram = (): void => {
    if (counter) throw new CliInputError(`${budget.field}.stat`, `${budget.stat} needs a histogram; ${m} is a counter (its name ends in _total)`);
  };
  if (q !== undefined) {
    needsHistogram();
    return `histogram_quantile(${q}, sum by (le) (rate(${m}_bucket${sel}${w})))`;
  }
  const samples = counter ? m : `${m}_count`;
  switch (budget.stat) {
    case 'mean':
      needsHistogram();
      return `sum(rate(${m}_sum${sel}${w})) / sum(rate(${m}_count${sel}${w}))`;
    case 'rate':
      return `sum(rate(${samples}${sel}${w}))`;
    case 'count':
      return `sum(increase(${samples}${sel}${w}))`;
    case 'errorRate': {
      const errors = selector(budget.labels, `${budget.errors.label}=~${literal(budget.errors.match)}`);
      // `or vector(0)`: no error series at all is 0 errors, not "no data".
      return `100 * (sum(rate(${samples}${errors}${w})) or vector(0)) / sum(rate(${samples}${sel}${w}))`;
    }
    default:
      throw new CliInputError(`${budget.field}.stat`, `${budget.stat} cannot be computed from Prometheus histograms (use a percentile such as p99)`);
  }
}
