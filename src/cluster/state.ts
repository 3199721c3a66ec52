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

/**
 * The zod schema of a state message's families, their series left to {@link seriesProblem}:
 * series are the bulk of a state (100,000 of them is a normal one), and zod takes ~11 µs for
 * each histogram series where the loop below takes well under one.
 */
export function familiesSchema(limits: StateLimits) {
  const base = {
    name: z.string().refine(isValidMetricName, 'metric names must match [a-zA-Z_:][a-zA-Z0-9_:]*'),
    help: z.string().max(MAX_HELP_LENGTH).refine(isWellFormed, 'help must be well-formed text'),
    unit: z.string().regex(/^[a-zA-Z0-9_]{1,64}$/).optional(),
    series: z.array(z.unknown()),
  };
  const buckets = z
    .array(finite)
    .min(1)
    .max(limits.maxBuckets)
    .refine((b) => b.every((v, i) => i === 0 || v > b[i - 1]!), 'buckets must be strictly increasing');
  return z
    .array(
      z.discriminatedUnion('kind', [
        z.object({ ...base, kind: z.enum(['counter', 'gauge']) }),
        z.object({ ...base, kind: z.literal('histogram'), buckets }),
      ]),
    )
    .max(limits.maxFamilies);
}

/** Why `families` (already through {@link familiesSchema}) holds an invalid series, or undefined. */
export function seriesProblem(families: readonly { name: string; kind: string; buckets?: readonly number[]; series: readonly unknown[] }[], limits: StateLimits): string | undefined {
  for (const f of families) {
    for (const s of f.series) {
      if (typeof s !== 'object' || s === null) return `${f.name}: a series is not an object`;
      const series = s as Record<string, unknown>;
      const labels = labelsProblem(series.labels, limits);
      if (labels !== undefined) return `${f.name}: ${labels}`;
      if (f.kind === 'histogram') {
        const counts = series.counts;
        if (!Array.isArray(counts) || counts.length !== f.buckets!.length + 1) return `${f.name}: every series has one count per bucket and one for +Inf`;
        for (const c of counts) if (!isCount(c)) return `${f.name}: bucket counts must be finite numbers >= 0`;
        if (!isCount(series.count)) return `${f.name}: count must be a finite number >= 0`;
        if (typeof series.sum !== 'number' || Number.isNaN(series.sum)) return `${f.name}: sum must be a number (not NaN)`;
      } else if (f.kind === 'counter' ? !isCount(series.value) : typeof series.value !== 'number' || Number.isNaN(series.value)) {
        return `${f.name}: ${f.kind === 'counter' ? 'counter values must be finite numbers >= 0' : 'gauge values must be numbers (not NaN)'}`;
      }
    }
  }
  return undefined;
}

function isCount(v: unknown): boolean {
  return typeof v === 'number' && v >= 0 && v < Infinity;
}

function labelsProblem(labels: unknown, limits: StateLimits): string | undefined {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return 'labels must be an object';
  let n = 0;
  for (const name in labels) {
    if (!Object.hasOwn(labels, name)) continue;
    if (++n > limits.maxLabels) return `at most ${limits.maxLabels} labels`;
    if (!isValidLabelName(name)) return 'label names must match [a-zA-Z_][a-zA-Z0-9_]*';
    const value: unknown = (labels as Record<string, unknown>)[name];
    if (typeof value !== 'string' || value.length > limits.maxLabelValueLength || !isWellFormed(value)) {
      return `label values must be well-formed strings of at most ${limits.maxLabelValueLength} characters`;
    }
  }
  return undefined;
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
