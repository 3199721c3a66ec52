import { z } from 'zod';
import type { Budget } from '../budget/budget.js';
import type { Reading } from '../budget/evaluate.js';
import { statKind } from '../budget/stats.js';
import { CliInputError, SourceResponseError } from '../errors.js';
import { seriesLabels } from './exposition-labels.js';
import { displayUrl, getText, parseJson, printable, type HttpOptions } from './http.js';
import type { Source } from './source.js';

/**
 * The fields of `GET /metrics/aggregate` a check reads (docs/http.md); percentiles are null for
 * counters and gauges, and sum and rate are null when no series matched (JSON has no NaN).
 */
const aggregateSchema = z.object({
  kind: z.enum(['counter', 'gauge', 'histogram', 'unknown']),
  unit: z.string().nullish(),
  count: z.number(),
  sum: z.number().nullable(),
  rate: z.number().nullable(),
  mean: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  p50: z.number().nullable(),
  p90: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
  p999: z.number().nullable(),
});
type Aggregate = z.output<typeof aggregateSchema>;
type LatencyStat = 'p50' | 'p90' | 'p95' | 'p99' | 'p999' | 'mean' | 'min' | 'max';

/** Distinct values of the error label read per errorRate budget (each is one more aggregate request). */
const MAX_LABEL_VALUES = 50;
/** Series of the exposition read to find them. */
const MAX_SERIES = 10_000;
/** Aggregate requests of one errorRate budget in flight at once. */
const CONCURRENCY = 8;

/**
 * Reads budgets from a pulsewatch monitoring handler (`createMonitoringHandler`, any framework):
 * `GET <base>/metrics/aggregate` per budget, fleet-wide over the window.
 *
 * An errorRate budget needs the requests whose error label matches a regex (`status=~"5.."`),
 * and the aggregate route takes exact label values only. So it reads
 * `GET <base>/metrics?format=prometheus&name=<metric>` to learn which values of the label this
 * instance has, aggregates each of them fleet-wide, and sums those that match. That exposition
 * is the answering instance's: another instance may have answered a status this one never did
 * (or recorded series without the label). The values read then account for less than the total,
 * and the missing requests may or may not be errors: see {@link errorRateOf}.
 */
export function pulsewatchSource(base: string, http: HttpOptions): Source {
  const root = new URL(base.endsWith('/') ? base : `${base}/`);
  const url = displayUrl(root);

  async function aggregate(budget: Budget, labels: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<Aggregate | CliInputError> {
    const target = new URL('metrics/aggregate', root);
    target.searchParams.set('name', budget.metric);
    target.searchParams.set('window', `${budget.window}ms`);
    for (const [k, v] of Object.entries(labels)) target.searchParams.set(`label.${k}`, v);
    const { status, body } = await getText(target, { ...http, signal: signal ?? http.signal }, 'application/json');
    if (status === 404) throw new SourceResponseError(`${displayUrl(target)} answered 404: is ${url} the monitoring handler's base path (e.g. http://host:3000/api/monitoring)?`, 404);
    const json = parseJson(body, target, 'the pulsewatch aggregate JSON');
    if (status === 400) {
      // The handler names the parameter it refused; that is this budget's fault, not the source's.
      const message = (json as { error?: { message?: unknown } }).error?.message;
      return new CliInputError(budget.field, `the endpoint refused the query: ${typeof message === 'string' ? printable(message) : 'bad request'}`);
    }
    if (status < 200 || status > 299) throw new SourceResponseError(`${displayUrl(target)} answered ${status}`, status);
    const parsed = aggregateSchema.safeParse(json);
    if (!parsed.success) {
      throw new SourceResponseError(`${displayUrl(target)} did not answer a pulsewatch aggregate (is ${url} the monitoring handler's base path?)`);
    }
    return parsed.data;
  }

  /** Every value of the error label this instance exposes, or a CliInputError when there are more than can be read (a partial sum would undercount). */
  async function labelValues(budget: Budget, signal?: AbortSignal): Promise<string[] | CliInputError> {
    const target = new URL('metrics', root);
    target.searchParams.set('format', 'prometheus');
    target.searchParams.set('name', budget.metric);
    const { status, body } = await getText(target, { ...http, signal: signal ?? http.signal }, 'text/plain');
    if (status !== 200) throw new SourceResponseError(`${displayUrl(target)} answered ${status}`, status);
    const values = new Set<string>();
    // Series past the parser's bound would be unread, their values left out: say so instead.
    const series = seriesLabels(body, budget.metric, MAX_SERIES + 1);
    if (series.length > MAX_SERIES) {
      return new CliInputError(`${budget.field}.errors`, `${budget.metric} has more than ${MAX_SERIES} series; an error rate over the values of some of them would undercount (filter with labels, or use --prometheus)`);
    }
    for (const labels of series) {
      const v = labels[budget.errors.label];
      if (v !== undefined) values.add(v);
      if (values.size > MAX_LABEL_VALUES) {
        return new CliInputError(`${budget.field}.errors`, `${budget.metric} has more than ${MAX_LABEL_VALUES} values of "${budget.errors.label}"; an error rate over some of them would be a guess (filter with labels, or use --prometheus)`);
      }
    }
    return [...values];
  }

  /** The amount (counter sum, histogram count) of `total`'s requests per value of the error label, fleet-wide. */
  async function amountsByValue(budget: Budget, values: readonly string[], signal?: AbortSignal): Promise<Map<string, number> | CliInputError> {
    const amounts = new Map<string, number>();
    for (let i = 0; i < values.length; i += CONCURRENCY) {
      const batch = values.slice(i, i + CONCURRENCY);
      const parts = await Promise.all(batch.map((value) => aggregate(budget, { ...budget.labels, [budget.errors.label]: value }, signal)));
      for (const [j, part] of parts.entries()) {
        if (part instanceof CliInputError) return part;
        // A value seen on this instance that matches nothing in the window: 0 requests.
        amounts.set(batch[j]!, part.kind === 'counter' ? (part.sum ?? 0) : part.count);
      }
    }
    return amounts;
  }

  return {
    kind: 'pulsewatch',
    url,
    async read(budget, signal): Promise<Reading> {
      const agg = await aggregate(budget, budget.labels, signal);
      if (agg instanceof CliInputError) return { kind: 'error', error: agg };
      if (agg.kind === 'unknown') return { kind: 'nodata', reason: `no ${budget.metric} data in the window` };
      const kind = statKind(budget.stat);
      if (kind === 'latency') {
        if (agg.kind !== 'histogram') {
          return { kind: 'error', error: new CliInputError(`${budget.field}.stat`, `${budget.stat} needs a histogram; ${budget.metric} is a ${agg.kind}`) };
        }
        if (agg.count === 0) return { kind: 'nodata', reason: `no ${budget.metric} observations in the window` };
        const value = agg[budget.stat as LatencyStat];
        return value === null ? { kind: 'nodata', reason: `${budget.stat} is empty` } : { kind: 'value', value, unit: agg.unit ?? undefined };
      }
      if (agg.kind === 'gauge') return { kind: 'error', error: new CliInputError(`${budget.field}.metric`, `${budget.stat} needs a counter or a histogram; ${budget.metric} is a gauge`) };
      // No series matched the labels in the window: nothing was measured, which is not a 0.
      if (agg.rate === null || (agg.kind === 'counter' && agg.sum === null)) return { kind: 'nodata', reason: `no ${budget.metric} series match in the window` };
      const total = agg.kind === 'counter' ? agg.sum! : agg.count;
      if (budget.stat === 'rate') return { kind: 'value', value: agg.rate };
      if (budget.stat === 'count') return { kind: 'value', value: total };
      // errorRate: the error series' share of the total, in percent.
      if (total === 0) return { kind: 'nodata', reason: `no ${budget.metric} requests in the window` };
      const values = await labelValues(budget, signal);
      if (values instanceof CliInputError) return { kind: 'error', error: values };
      const amounts = await amountsByValue(budget, values, signal);
      if (amounts instanceof CliInputError) return { kind: 'error', error: amounts };
      return errorRateOf(budget, total, amounts);
    },
  };
}

/**
 * The error rate (percent) from the total and the amount per label value, fleet-wide. When the
 * values account for all of `total`, it is exact. When some requests carry a value the answering
 * instance never exposed (another instance's status, series without the label), those requests
 * may or may not be errors: the rate lies between the errors counted and the errors counted plus
 * every unaccounted request. If the budget holds (or breaks) at both ends, the end that is worse
 * for it is the reading, so the verdict is exact; if the ends disagree, the check cannot tell
 * and says so (exit 3) rather than guess either way.
 */
export function errorRateOf(budget: Budget, total: number, amounts: ReadonlyMap<string, number>): Reading {
  const match = new RegExp(`^(?:${budget.errors.match})$`);
  let errors = 0;
  let accounted = 0;
  for (const [value, amount] of amounts) {
    accounted += amount;
    if (match.test(value)) errors += amount;
  }
  // Sums of floats read back from JSON: a difference at rounding level is no missing request.
  const unaccounted = total - accounted > total * 1e-9 ? total - accounted : 0;
  const low = (errors / total) * 100;
  if (unaccounted === 0) return { kind: 'value', value: low };
  const high = ((errors + unaccounted) / total) * 100;
  const holds = (v: number): boolean => (budget.op === 'below' ? v < budget.threshold.value : v > budget.threshold.value);
  if (holds(low) === holds(high)) return { kind: 'value', value: budget.op === 'below' ? high : low };
  const share = (unaccounted / total) * 100;
  return {
    kind: 'error',
    error: new SourceResponseError(
      `${budget.field}: the error rate is between ${low.toPrecision(4)} % and ${high.toPrecision(4)} %: ${share.toPrecision(3)} % of ${budget.metric}'s requests carry a "${budget.errors.label}" value this instance does not expose (recorded by another instance, or without the label), so whether they are errors is unknown; use --prometheus, or ask an instance that served them`,
    ),
  };
}
