import { z } from 'zod';
import { parseDuration } from '../../core/duration.js';
import { CliInputError } from '../errors.js';
import { defaultMetricOf, statKind, statOf, STATS, type Stat } from './stats.js';
import { parseThreshold, type Threshold } from './threshold.js';

/** What a violated budget does to the exit code: `fail` makes it 2, `warn` 1. */
export type Severity = 'fail' | 'warn';

/** A budget as evaluated: every default applied, every threshold parsed. */
export interface Budget {
  /** Shown in tables; defaults to `<stat> <metric>`. */
  name: string;
  metric: string;
  stat: Stat;
  /** `below`: passes while the value is under the threshold; `above`: while it is over it. */
  op: 'below' | 'above';
  threshold: Threshold;
  severity: Severity;
  /** Only series with these labels (pulsewatch's `label.<k>=<v>`, a PromQL matcher). */
  labels: Readonly<Record<string, string>>;
  /** Window in ms. */
  window: number;
  /** `seconds` or `milliseconds` when neither the source nor the name says it. */
  unit: string | undefined;
  /** For `errorRate`: the label that classifies a request, and the values (a regex, anchored) that are errors. */
  errors: { label: string; match: string };
  /** Where it was written (`budgets[2]`, `--fail[0]`), for messages. */
  field: string;
}

/** Defaults a budget takes from the command line or the file's top level. */
export interface BudgetDefaults {
  window: number;
  labels: Readonly<Record<string, string>>;
  metrics: { latency: string; requests: string };
}

/** Prometheus' label-name and metric-name rules, which pulsewatch's names follow too. */
export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** The most budgets one check evaluates: each is a request or two to the source. */
export const MAX_BUDGETS = 100;
/** Windows from one second to 30 days. */
const MIN_WINDOW = 1000;
const MAX_WINDOW = 30 * 86_400_000;

const labelsSchema = z.record(z.string().regex(LABEL_NAME_RE, 'label names are letters, digits and underscores').max(100), z.string().max(1000));

/** One budget as a file writes it (validated by zod; thresholds parsed per stat afterwards). */
export const budgetInputSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  metric: z.string().regex(METRIC_NAME_RE, 'metric names are letters, digits, underscores and colons').max(200).optional(),
  stat: z.string().min(1).max(40),
  below: z.union([z.number(), z.string().max(40)]).optional(),
  above: z.union([z.number(), z.string().max(40)]).optional(),
  severity: z.enum(['fail', 'warn']).default('fail'),
  labels: labelsSchema.optional(),
  window: z.union([z.number(), z.string().max(20)]).optional(),
  unit: z.enum(['seconds', 'milliseconds']).optional(),
  errors: z.strictObject({ label: z.string().regex(LABEL_NAME_RE).max(100).default('status'), match: z.string().min(1).max(200).default('5..') }).optional(),
});

/** A budget as written in a file. */
export type BudgetInput = z.input<typeof budgetInputSchema>;

export { labelsSchema };

/** Parses a window (`5m`, or ms) into ms between one second and 30 days. */
export function parseWindow(raw: unknown, field: string): number {
  const ms = parseDuration(typeof raw === 'string' ? raw.trim() : raw);
  if (ms === undefined || ms < MIN_WINDOW || ms > MAX_WINDOW) {
    throw new CliInputError(field, `expected a window from 1s to 30d such as 5m or 1h, got ${JSON.stringify(raw)}`);
  }
  return ms;
}

/**
 * Turns a validated budget into a {@link Budget}: resolves the stat, checks that exactly one of
 * `below`/`above` is given, parses the threshold for the stat and applies the defaults.
 * Throws a {@link CliInputError} naming the field.
 */
export function toBudget(input: z.output<typeof budgetInputSchema>, defaults: BudgetDefaults, field: string): Budget {
  const stat = statOf(input.stat);
  if (stat === undefined) throw new CliInputError(`${field}.stat`, `unknown stat ${JSON.stringify(input.stat)}; expected one of ${STATS.join(', ')}`);
  if ((input.below === undefined) === (input.above === undefined)) {
    throw new CliInputError(field, 'give exactly one of "below" (passes while the value is under it) or "above"');
  }
  const op = input.below !== undefined ? 'below' : 'above';
  const threshold = parseThreshold(input.below ?? input.above, statKind(stat), `${field}.${op}`);
  const metric = input.metric ?? defaultMetricOf(stat, defaults.metrics);
  const labels = { ...defaults.labels, ...(input.labels ?? {}) };
  const errors = { label: input.errors?.label ?? 'status', match: input.errors?.match ?? '5..' };
  if (input.errors !== undefined && stat !== 'errorRate') throw new CliInputError(`${field}.errors`, 'only an errorRate budget classifies errors');
  if (stat === 'errorRate') {
    if (Object.hasOwn(labels, errors.label)) throw new CliInputError(`${field}.labels.${errors.label}`, `an errorRate budget splits requests by "${errors.label}"; it cannot also filter on it`);
    try {
      new RegExp(`^(?:${errors.match})$`);
    } catch {
      throw new CliInputError(`${field}.errors.match`, `not a regular expression: ${JSON.stringify(errors.match)}`);
    }
  }
  return {
    name: input.name ?? `${stat} ${metric}`,
    metric,
    stat,
    op,
    threshold,
    severity: input.severity,
    labels,
    window: input.window === undefined ? defaults.window : parseWindow(input.window, `${field}.window`),
    unit: input.unit,
    errors,
    field,
  };
}
