import { z } from 'zod';
import { ValidationError, type ValidationIssue } from '../core/errors.js';
import { isValidLabelName, isValidMetricName, MAX_LABEL_NAME_LENGTH, MAX_METRIC_NAME_LENGTH, toWellFormed, type Labels } from '../core/labels.js';
import { OVERFLOW_LABEL_VALUE } from './series-index.js';

const scalar = z.union([z.string(), z.number().finite(), z.boolean()]);

const timestampSchema = z
  .union([z.date(), z.number(), z.string()])
  .transform((v, ctx) => {
    const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(v);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: `expected a Date, epoch ms or ISO 8601 string, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return ms;
  });

/**
 * A metric record as the seeds send it (seed 003's POST /api/monitoring/metrics body, seed
 * 002's `recordMetric`). Extra scalar fields (`service`, `endpoint`, `organizationId`...) become
 * labels next to `tags`.
 */
export const metricRecordSchema = z
  .object({
    /** What is measured, e.g. `response_time` or `API_RESPONSE_TIME`; becomes the metric name (lower-cased). */
    metricType: z.string().min(1),
    /** The measurement; >= 0. */
    value: z.number().finite().nonnegative(),
    /** Unit of `value`, e.g. `ms`, `percent`, `count`. One metricType keeps one unit. */
    unit: z.string().min(1).max(32).optional(),
    /** Dimensions of the value; each becomes a label. */
    tags: z.record(z.string(), scalar).optional(),
    /** When it was measured (default: now). Values older than the current slot are written as their own rollup. */
    timestamp: timestampSchema.optional(),
  })
  .catchall(scalar);

/** A metric record as callers pass it. */
export interface MetricRecordInput {
  metricType: string;
  value: number;
  unit?: string | undefined;
  tags?: Record<string, string | number | boolean> | undefined;
  timestamp?: Date | number | string | undefined;
  /** Extra scalar fields become labels (seed 002: `service`, `endpoint`, `organizationId`). */
  [extra: string]: unknown;
}

/** A validated metric record. */
export interface MetricRecord {
  name: string;
  value: number;
  unit: string | undefined;
  labels: Labels;
  timestamp: number | undefined;
}

/** Fields of a record that are not labels. */
const RECORD_FIELDS = new Set(['metricType', 'value', 'unit', 'tags', 'timestamp']);

/**
 * Validates a metric record; throws a {@link ValidationError} naming every failing field: schema
 * issues (value, unit, timestamp, tag values...) and names that cannot be a metric or label
 * name are reported together, not one kind at a time.
 */
export function parseMetricRecord(input: unknown): MetricRecord {
  const result = metricRecordSchema.safeParse(input);
  const issues: ValidationIssue[] = result.success ? [] : result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  issues.push(...nameIssues(input));
  if (!result.success || issues.length > 0) {
    throw new ValidationError(`invalid metric record: ${issues.map((i) => `${i.path || 'record'}: ${i.message}`).join('; ')}`, issues, {
      cause: result.success ? undefined : result.error,
    });
  }
  const { metricType, value, unit, tags, timestamp, ...extra } = result.data;
  // Labels as the series holds them, so `metricRecorded` carries those: values well-formed, and
  // an empty value left out (Prometheus reads `{a=""}` as `{}`; a tag overrides an extra field).
  const labels: Labels = {};
  const add = (key: string, value: string | number | boolean): void => {
    const text = toWellFormed(String(value));
    if (text === '') delete labels[key];
    else labels[key] = text;
  };
  for (const key of Object.keys(extra).sort()) add(key, extra[key]!);
  if (tags) for (const key of Object.keys(tags).sort()) add(key, tags[key]!);
  return { name: metricType.toLowerCase(), value, unit, labels, timestamp };
}

/**
 * Issues of the metric name (from `metricType`), of the label names (extra fields and `tags`)
 * and of reserved label values, read from the raw input.
 */
function nameIssues(input: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isPlainObject(input)) return issues;
  const { metricType, tags } = input;
  if (typeof metricType === 'string' && metricType !== '') {
    const name = metricType.toLowerCase();
    if (!isValidMetricName(name) || name.startsWith('__')) {
      // Cut: the name is the caller's, and an error body must not echo a 6 KB string back.
      const shown = metricType.length > 64 ? `${JSON.stringify(metricType.slice(0, 64))}... (${metricType.length} characters)` : JSON.stringify(metricType);
      issues.push({ path: 'metricType', message: `${shown} is not a valid metric name (must match [a-zA-Z_:][a-zA-Z0-9_:]*, at most ${MAX_METRIC_NAME_LENGTH} characters, not starting with "__")` });
    }
  }
  const checkLabelNames = (source: Record<string, unknown>, prefix: string, skip?: Set<string>): void => {
    for (const key of Object.keys(source).sort()) {
      if (skip?.has(key)) continue;
      if (!isValidLabelName(key) || key === 'le') {
        const path = key.length > 64 ? `${prefix}${key.slice(0, 64)}...` : `${prefix}${key}`;
        issues.push({ path, message: `is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, at most ${MAX_LABEL_NAME_LENGTH} characters, not "le")` });
      }
    }
  };
  checkLabelNames(input, '', RECORD_FIELDS);
  if (isPlainObject(tags)) checkLabelNames(tags, 'tags.');
  // The overflow series' marker: a user series holding it could duplicate that series.
  const checkReserved = (source: Record<string, unknown>, prefix: string, skip?: Set<string>): void => {
    for (const key of Object.keys(source).sort()) {
      if (!skip?.has(key) && source[key] === OVERFLOW_LABEL_VALUE) issues.push({ path: `${prefix}${key}`, message: `"${OVERFLOW_LABEL_VALUE}" is reserved for the overflow series` });
    }
  };
  checkReserved(input, '', RECORD_FIELDS);
  if (isPlainObject(tags)) checkReserved(tags, 'tags.');
  return issues;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
