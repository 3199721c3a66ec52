import { z } from 'zod';
import { isValidLabelName, isValidMetricName, isWellFormed } from '../core/labels.js';

/**
 * The cumulative state of one process's metrics, as a worker sends it to its primary at scrape
 * time: what its own `/metrics` would expose, as numbers. Histograms carry their bucket counts
 * (not quantiles), so states merge exactly by adding them.
 */

/** One counter or gauge series: its current value. */
export interface ValueSeries {
  labels: Record<string, string>;
  value: number;
}

/** One histogram series: per-bucket counts (not cumulative; the last is +Inf), sum and count. */
export interface HistogramSeriesState {
  labels: Record<string, string>;
  counts: number[];
  sum: number;
  count: number;
}

/** One metric family of one process. */
export type FamilyState =
  | { name: string; kind: 'counter' | 'gauge'; help: string; unit?: string | undefined; series: ValueSeries[] }
  | { name: string; kind: 'histogram'; help: string; unit?: string | undefined; buckets: number[]; series: HistogramSeriesState[] };

/** Bounds on one state message, checked by the primary before anything of it is merged. */
export interface StateLimits {
  /** Families in one message. */
  maxFamilies: number;
  /** Series in one message, all families together. */
  maxSeries: number;
  /** Labels of one series. */
  maxLabels: number;
  /** Characters of one label value. */
  maxLabelValueLength: number;
  /** Bucket bounds of one histogram. */
  maxBuckets: number;
}

const MAX_HELP_LENGTH = 4096;

const finite = z.number().finite();
/** Any number but NaN: gauges may be infinite, and a sum may overflow. */
const notNaN = z.custom<number>((v) => typeof v === 'number' && !Number.isNaN(v), 'must be a number (not NaN)');
const nonNegative = z.number().finite().min(0);

/** The zod schema of a state message's `families`, with `limits` built in. */
export function familiesSchema(limits: StateLimits) {
  const labels = z
    .record(
      z.string().refine(isValidLabelName, 'label names must match [a-zA-Z_][a-zA-Z0-9_]*'),
      z.string().max(limits.maxLabelValueLength).refine(isWellFormed, 'label values must be well-formed text'),
    )
    .refine((l) => Object.keys(l).length <= limits.maxLabels, `at most ${limits.maxLabels} labels`);
  const base = {
    name: z.string().refine(isValidMetricName, 'metric names must match [a-zA-Z_:][a-zA-Z0-9_:]*'),
    help: z.string().max(MAX_HELP_LENGTH).refine(isWellFormed, 'help must be well-formed text'),
    unit: z.string().regex(/^[a-zA-Z0-9_]{1,64}$/).optional(),
  };
  const counter = z.object({ ...base, kind: z.literal('counter'), series: z.array(z.object({ labels, value: nonNegative })) });
  const gauge = z.object({ ...base, kind: z.literal('gauge'), series: z.array(z.object({ labels, value: notNaN })) });
  const histogram = z
    .object({
      ...base,
      kind: z.literal('histogram'),
      buckets: z
        .array(finite)
        .min(1)
        .max(limits.maxBuckets)
        .refine((b) => b.every((v, i) => i === 0 || v > b[i - 1]!), 'buckets must be strictly increasing'),
      series: z.array(z.object({ labels, counts: z.array(nonNegative), sum: notNaN, count: nonNegative })),
    })
    .refine((h) => h.series.every((s) => s.counts.length === h.buckets.length + 1), 'every series has one count per bucket and one for +Inf');
  return z
    .array(z.discriminatedUnion('kind', [counter, gauge, histogram]))
    .max(limits.maxFamilies)
    .refine((families) => families.reduce((n, f) => n + f.series.length, 0) <= limits.maxSeries, `at most ${limits.maxSeries} series in one message`);
}

/**
 * Cheap checks before the schema runs: the family and series counts, so an oversized message
 * is refused without validating (and allocating for) all of it.
 */
export function withinCounts(families: unknown, limits: StateLimits): boolean {
  if (!Array.isArray(families) || families.length > limits.maxFamilies) return false;
  let series = 0;
  for (const f of families) {
    const list: unknown = (f as { series?: unknown } | null)?.series;
    if (!Array.isArray(list)) return false;
    series += list.length;
    if (series > limits.maxSeries) return false;
  }
  return true;
}
