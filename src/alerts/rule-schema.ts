import { z } from 'zod';
import { CONDITION_NAMES, type Comparison, type ConditionName } from './conditions.js';
import { shown } from '../core/duration.js';
import { byInputType, finiteDurationSchema, finitePositiveDurationSchema, labelNameSchema, safeRecord } from './schema-parts.js';

/**
 * Aggregations that read one number off a window of data, as the engine spells them: the mean is
 * `avg` here. Rules may write it `mean` (the canonical name, as in `getAggregatedMetrics()` and
 * `checks.metric`); the schema turns that into `avg`, so the engine sees one value.
 */
export const BASIC_AGGREGATIONS = ['avg', 'min', 'max', 'sum', 'count', 'rate', 'p50', 'p90', 'p95', 'p99', 'p999', 'last'] as const;
/** One of {@link BASIC_AGGREGATIONS}. */
export type BasicAggregation = (typeof BASIC_AGGREGATIONS)[number];
/** A plain aggregation as rules may write it: `mean` is the canonical spelling of `avg`. */
export type BasicAggregationInput = BasicAggregation | 'mean';

/** Plain aggregation names in the order messages list them, the canonical spelling first. */
const BASIC_NAMES: readonly string[] = ['mean (or avg)', ...BASIC_AGGREGATIONS.filter((a) => a !== 'avg')];
const DETECTOR_TYPES = ['errorRate', 'compliance', 'spike', 'change', 'regression'] as const;

const basicAggregationSchema = z
  .enum([...BASIC_AGGREGATIONS, 'mean'], {
    error: (issue) => `expected one of ${BASIC_NAMES.join(', ')}, got ${shown(issue.input)}`,
  })
  .transform((a): BasicAggregation => (a === 'mean' ? 'avg' : a));

/**
 * Which labels mark a series as an error, for `errorRate`. A value may be a string, a list, or
 * `'5xx'`-style class patterns. Default: `outcome="failure"` (pulsewatch's own label), `status`
 * failure/error/5xx, and `success="false"` (what withPerformanceTracking wrote before `outcome`).
 */
const errorLabelsSchema = safeRecord(z.string(), z.union([z.string(), z.array(z.string()).min(1)]));

const stringAggregationSchema = z
  .enum([...BASIC_AGGREGATIONS, 'mean', 'errorRate'], {
    error: (issue) => `expected one of ${[...BASIC_NAMES, 'errorRate'].join(', ')}, or an object with \`type\` (${DETECTOR_TYPES.join(', ')}); got ${shown(issue.input)}`,
  })
  .transform((a): BasicAggregation | 'errorRate' => (a === 'mean' ? 'avg' : a));

const detectorSchema = z.discriminatedUnion(
  'type',
  [
    z.object({
      /** Percent of observations (or of the counted amount) in series marked as errors. */
      type: z.literal('errorRate'),
      errorLabels: errorLabelsSchema.optional(),
    }),
    z.object({
      /** Percent of observations at or under `under` (seed 004's SLA compliance: share under 5 s). */
      type: z.literal('compliance'),
      under: z.number().nonnegative(),
    }),
    z.object({
      /** Recent `of` divided by `of` over the longer `baselineWindow` (seed 002: spike when > 1.5). */
      type: z.literal('spike'),
      of: basicAggregationSchema.default('avg'),
      baselineWindow: finitePositiveDurationSchema.default(3_600_000),
    }),
    z.object({
      /** Percent change of `of` against the window before (seed 004: +/- 50 %). `both` compares |change|. */
      type: z.literal('change'),
      of: basicAggregationSchema.default('avg'),
      direction: z.enum(['both', 'up', 'down']).default('both'),
    }),
    z.object({
      /**
       * Percent by which `of` is worse (higher) than a baseline (seed 000: regression when > 10 %).
       * The baseline is `baseline` if given, else learned the first time the window holds
       * `minCount` observations (seed 000: after 10 executions), kept per label group.
       */
      type: z.literal('regression'),
      of: basicAggregationSchema.default('avg'),
      baseline: z.number().positive().optional(),
      minCount: z.number().int().positive().default(10),
    }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union' ? `expected one of ${DETECTOR_TYPES.join(', ')}, got ${shown((issue.input as { type?: unknown } | undefined)?.type)}` : undefined,
  },
);

/**
 * What a condition computes over its window. Strings for the plain ones, objects for detectors.
 * Dispatched on the input's type so a mistake gets the message of the form it was written in.
 */
export const aggregationSchema = byInputType(stringAggregationSchema, detectorSchema);

/** An aggregation as rules spell it. */
export type AggregationInput = z.input<typeof aggregationSchema>;
/** An aggregation after defaults. */
export type Aggregation = z.output<typeof aggregationSchema>;

const conditionNameSchema = z.enum(Object.keys(CONDITION_NAMES) as [ConditionName, ...ConditionName[]], {
  error: (issue) => `expected one of ${Object.keys(CONDITION_NAMES).join(', ')}, got ${JSON.stringify(issue.input)}`,
});

const matchersSchema = safeRecord(z.string(), z.string());

/** The fields one condition is made of; a rule holds one at the top level, more in `conditions`. */
const conditionFields = {
  /** Metric name (seed 003 calls it `metricType`; either works). */
  metric: z.string().min(1).optional(),
  metricType: z.string().min(1).optional(),
  /** Label matchers: only series whose labels equal these. */
  labels: matchersSchema.optional(),
  aggregation: aggregationSchema.optional(),
  /** How far back the aggregation looks. */
  window: finitePositiveDurationSchema.optional(),
  condition: conditionNameSchema.optional(),
  threshold: z.number().finite().optional(),
  /** Hysteresis: once firing, the alert clears only when this threshold is no longer crossed. */
  recoveryThreshold: z.number().finite().optional(),
};

/** One condition of a multi-condition rule. */
export const conditionSchema = z.object(conditionFields).superRefine((c, ctx) => {
  if (c.metric === undefined && c.metricType === undefined) ctx.addIssue({ code: 'custom', path: ['metric'], message: 'required' });
  if (c.condition === undefined) ctx.addIssue({ code: 'custom', path: ['condition'], message: 'required' });
  if (c.threshold === undefined) ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'required' });
});

const severitySchema = z.enum(['info', 'warning', 'error', 'critical']);

/**
 * An alert rule in seed 003's shape: one condition at the top level (`metric`, `aggregation`,
 * `window`, `condition`, `threshold`), optionally more in `conditions` joined by `match`.
 * Durations are ms or strings such as `'5m'`; `cooldownPeriod` is seed 003's cooldown in seconds.
 */
export const alertRuleSchema = z
  .object({
    /** Stable id; generated when absent. */
    id: z.string().min(1).max(200).optional(),
    name: z.string().min(1).max(200),
    description: z.string().max(2_000).optional(),
    ...conditionFields,
    /** More conditions; with a top-level condition, that one is the first. */
    conditions: z.array(conditionSchema).min(1).optional(),
    /** `all`: every condition must hold; `any`: one is enough. */
    match: z.enum(['all', 'any']).default('all'),
    /** One alert per distinct value of these labels (default: one alert for the whole rule). */
    groupBy: z.array(labelNameSchema).default([]),
    /** How long the condition must hold before the alert fires (Prometheus' `for`). */
    duration: finiteDurationSchema.default(0),
    /** How long a firing alert keeps firing after its condition clears (damps flapping). */
    keepFiringFor: finiteDurationSchema.default(0),
    /** Least time between two firing notifications of one label set; default by severity. */
    cooldown: finitePositiveDurationSchema.optional(),
    /** Seed 003's cooldown, in seconds. `cooldown` wins when both are given. */
    cooldownPeriod: z.number().positive().finite().optional(),
    severity: severitySchema.default('warning'),
    /** Seed 000's alert type: SYSTEM_HEALTH, JOB_FAILURE, ... or anything of yours. */
    type: z.string().min(1).max(100).default('custom'),
    /** Notifier names to send to; empty: every configured notifier. */
    channels: z.array(z.string().min(1)).default([]),
    /** Extra addressees (email). */
    recipients: z.array(z.string().min(1)).default([]),
    enabled: z.boolean().default(true),
    /** When there is no data: `ok` (treat as not met), `keep` (keep the last state), `alerting` (treat as met). */
    noData: z.enum(['ok', 'keep', 'alerting']).default('ok'),
    /** Labels added to every alert of the rule (Prometheus rule `labels`). */
    alertLabels: safeRecord(labelNameSchema, z.string()).default({}),
    /** Annotations added to every alert (summary, description, runbook_url ...). */
    annotations: safeRecord(z.string(), z.string()).default({}),
    /**
     * Most alerts (pending + firing) one evaluation of this rule may hold, Prometheus' rule
     * `limit`. Past it the evaluation fails and the rule holds no alerts until it is back within.
     * 0: the monitor's `limits.maxAlertsPerRule`, which is also the ceiling for any value here.
     */
    limit: z.number().int().nonnegative().default(0),
  })
  .superRefine((rule, ctx) => {
    const hasTop = rule.metric !== undefined || rule.metricType !== undefined || rule.condition !== undefined || rule.threshold !== undefined;
    if (rule.conditions === undefined || hasTop) {
      if (rule.metric === undefined && rule.metricType === undefined) ctx.addIssue({ code: 'custom', path: ['metric'], message: 'required (or metricType, or conditions)' });
      if (rule.condition === undefined) ctx.addIssue({ code: 'custom', path: ['condition'], message: 'required' });
      if (rule.threshold === undefined) ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'required' });
    }
  });

/** A rule as callers write it. */
export type AlertRuleInput = z.input<typeof alertRuleSchema>;

/**
 * Issues of a rule, or of an `updateRule` patch, as a caller wrote it, that {@link alertRuleSchema}
 * cannot see because it also reads parsed and stored rules: a bare number other than 0 in
 * `duration`. Seed 003 writes `duration: 300` meaning seconds while every pulsewatch duration
 * reads a number as milliseconds, so rather than guess, the caller writes the unit. A parsed rule
 * (from `getRules()`, the store, or the rule an update applies to) holds ms and never comes here.
 * `current` is the duration (ms) of the rule a patch applies to: a patch that gives it back
 * unchanged (a read-modify-write of a listed rule) is no new number and passes.
 */
export function callerRuleIssues(input: unknown, current?: number): { path: string[]; message: string }[] {
  if (typeof input !== 'object' || input === null) return [];
  let duration: unknown;
  try {
    duration = (input as { duration?: unknown }).duration;
  } catch {
    // A throwing getter: alertRuleSchema reports it when it reads the rule.
    return [];
  }
  if (typeof duration !== 'number' || duration === 0 || duration === current) return [];
  return [{ path: ['duration'], message: `a bare number is ambiguous (seed 003 means seconds, pulsewatch durations milliseconds): write the unit, e.g. '${shown(duration).slice(0, 20)}s', '5m' or '${shown(duration).slice(0, 20)}ms'; got ${shown(duration)}` }];
}

/** A rule as the engine holds and stores it: defaults applied, durations in ms, plus bookkeeping. */
export type AlertRule = z.output<typeof alertRuleSchema> & { id: string; createdAt: number; updatedAt: number };

/**
 * One condition, normalised for evaluation. Never changed in place: what is derived from one is
 * cached per object (message parts in alert-records.ts, error matchers in evaluate-conditions.ts);
 * a changed rule gets new conditions (RuleBook.set).
 */
export interface NormalizedCondition {
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly aggregation: Aggregation;
  readonly window: number;
  readonly op: Comparison;
  readonly threshold: number;
  readonly recoveryThreshold: number | undefined;
}

/** Default window of a condition (seed 003 and the design's examples use 5 minutes). */
export const DEFAULT_WINDOW = 300_000;

/** The conditions of a rule, the top-level one first. */
export function conditionsOf(rule: z.output<typeof alertRuleSchema>): NormalizedCondition[] {
  const out: NormalizedCondition[] = [];
  const add = (c: z.output<typeof conditionSchema>): void => {
    out.push({
      metric: (c.metric ?? c.metricType)!,
      labels: c.labels ?? {},
      aggregation: c.aggregation ?? 'avg',
      window: c.window ?? DEFAULT_WINDOW,
      op: CONDITION_NAMES[c.condition!],
      threshold: c.threshold!,
      recoveryThreshold: c.recoveryThreshold,
    });
  };
  if (rule.metric !== undefined || rule.metricType !== undefined) add(rule);
  for (const c of rule.conditions ?? []) add(c);
  return out;
}

/** How far back (ms before now) each range a condition reads starts: its window, a spike's baseline, a change's previous window. */
export function lookbacksOf(c: NormalizedCondition): number[] {
  const a = c.aggregation;
  if (typeof a === 'object' && a.type === 'spike') return [c.window, a.baselineWindow];
  if (typeof a === 'object' && a.type === 'change') return [c.window, 2 * c.window];
  return [c.window];
}

/** The largest of {@link lookbacksOf}, without its array: read for every condition at every tick. */
export function widestLookback(c: NormalizedCondition): number {
  const a = c.aggregation;
  if (typeof a === 'object' && a.type === 'spike') return Math.max(c.window, a.baselineWindow);
  if (typeof a === 'object' && a.type === 'change') return Math.max(c.window, 2 * c.window);
  return Math.max(c.window);
}

/** Name of an aggregation for messages: `'p95'`, `'spike(avg)'`. */
export function aggregationName(a: Aggregation): string {
  if (typeof a === 'string') return a;
  if (a.type === 'errorRate') return 'errorRate';
  if (a.type === 'compliance') return `compliance(<=${a.under})`;
  return `${a.type}(${a.of})`;
}
