import { z } from 'zod';
import { safeRecord } from '../alerts/schema-parts.js';
import { instantSchema, MAX_MATCHERS, MAX_RANGE_MS, type Instant } from '../metrics/time-series-range.js';

/** Seed 003's reporting periods and their lengths (ms). A month is 30 days: periods compare equal lengths. */
export const REPORT_PERIODS = Object.freeze({
  hourly: 3_600_000,
  daily: 86_400_000,
  weekly: 7 * 86_400_000,
  monthly: 30 * 86_400_000,
});

/** A reporting period name (seed 003). */
export type ReportPeriod = keyof typeof REPORT_PERIODS;

/** Longest range one report covers (as every range read: 366 days). */
export const MAX_REPORT_RANGE = MAX_RANGE_MS;
/** Most metrics one report covers: each costs one store read. */
export const MAX_REPORT_METRICS = 50;

/** The label a tenant filter (`organizationId`, seed 002's column) narrows by. */
export const TENANT_LABEL = 'organizationId';

/**
 * Thresholds of the recommendation rules, in one place, each from a seed (docs/reports.md lists
 * the rules). Latencies are compared in ms whatever the metric's unit.
 */
export const REPORT_THRESHOLDS = Object.freeze({
  /** Seed 001's budget "P95 latency < 500 ms" (CI fails) and its alert "P95 latency > 500ms". */
  p95Ms: 500,
  /** Seed 001's budget "P99 latency < 1000 ms" (warning). */
  p99Ms: 1_000,
  /** Seed 002's KPI "Average response time: target < 500ms" and seed 003's health threshold 500. */
  meanMs: 500,
  /** Seed 001's "Error rate < 5 %", seed 002's "> 5 %" alert and seed 003's default rule (5 %). */
  errorRatePercent: 5,
  /** Seed 002's "Memory > 85 % (high)". */
  memoryPercent: 85,
  /** Seed 002's "CPU > 80 % (high)". */
  cpuPercent: 80,
});

/** Seed 003's trend band: a change within ±5 % of the previous period is `stable`. */
export const DEFAULT_STABLE_BAND = 5;

const DAY = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A range end: an instant as every range read takes it (epoch ms, ISO 8601 or a `Date`: the
 * metrics' `instantSchema`), except that a date alone (`2024-01-07`) means the whole day (seed
 * 003: `endDate=2024-01-07` covers it up to 23:59:59.999), so it ends at the next midnight UTC.
 */
const endSchema = z
  .custom<Instant>()
  .transform((v: unknown, ctx) => {
    const parsed = instantSchema.safeParse(v);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
      return z.NEVER;
    }
    return typeof v === 'string' && DATE_ONLY.test(v.trim()) ? parsed.data + DAY : parsed.data;
  });

const positive = (fallback: number) => z.number().finite().min(0).default(fallback);

/** The recommendation thresholds a caller may change (each optional; defaults: {@link REPORT_THRESHOLDS}). */
export const reportThresholdsSchema = z
  .strictObject({
    p95Ms: positive(REPORT_THRESHOLDS.p95Ms),
    p99Ms: positive(REPORT_THRESHOLDS.p99Ms),
    meanMs: positive(REPORT_THRESHOLDS.meanMs),
    errorRatePercent: z.number().finite().min(0).max(100).default(REPORT_THRESHOLDS.errorRatePercent),
    memoryPercent: z.number().finite().min(0).max(100).default(REPORT_THRESHOLDS.memoryPercent),
    cpuPercent: z.number().finite().min(0).max(100).default(REPORT_THRESHOLDS.cpuPercent),
    /**
     * Requests per second below which a latency metric's throughput is flagged. Off by default:
     * seed 001's "> 500 req/s" is one service's load-test target, not a rule for every service.
     */
    minThroughput: z.number().finite().min(0).optional(),
  })
  .prefault({});

/** Which period and metrics a report covers (`monitor.generatePerformanceReport(query)`). */
export const performanceReportQuerySchema = z
  .strictObject({
    /**
     * Seed 003's period: `hourly`, `daily`, `weekly` or `monthly` (30 days). Alone: the period
     * ending now. With `from` or `to` only: the period starting or ending there. With both: a
     * label only (the range is `from`-`to`). Default `daily` when nothing is given.
     */
    period: z.enum(['hourly', 'daily', 'weekly', 'monthly']).optional(),
    /** Range start (inclusive): epoch ms, ISO 8601 (a date alone is midnight UTC) or a `Date`. */
    from: instantSchema.optional(),
    /** Range end (exclusive; a date alone covers that whole day). */
    to: endSchema.optional(),
    /** Metric names to report on (default: every metric this monitor defined, pulsewatch's own left out). */
    metrics: z.array(z.string().min(1).max(200)).min(1).max(MAX_REPORT_METRICS).readonly().optional(),
    /** Only series whose labels include all of these. */
    labels: safeRecord(z.string().min(1).max(200), z.string().max(1_000))
      .refine((l) => Object.keys(l).length <= MAX_MATCHERS, `at most ${MAX_MATCHERS} labels`)
      .optional(),
    /** Seed 002's tenant: only series whose `organizationId` label is this (see {@link TENANT_LABEL}). */
    organizationId: z.string().min(1).max(256).optional(),
    /** Percent change within which a trend is `stable` (default 5: ±5 %). */
    stableBand: z.number().finite().min(0).max(1_000).default(DEFAULT_STABLE_BAND),
    /** Thresholds of the recommendation rules. */
    thresholds: reportThresholdsSchema,
  })
  .superRefine((q, ctx) => {
    const tenant = q.labels?.[TENANT_LABEL];
    if (q.organizationId !== undefined && tenant !== undefined && tenant !== q.organizationId) {
      ctx.addIssue({ code: 'custom', path: ['organizationId'], message: `conflicts with labels.${TENANT_LABEL} (${JSON.stringify(tenant)})` });
    }
  });

/** A report query as callers pass it (instants as ms, ISO strings or Dates). */
export type PerformanceReportQuery = z.input<typeof performanceReportQuerySchema>;
/** A report query after defaults. */
export type ResolvedPerformanceReportQuery = z.output<typeof performanceReportQuerySchema>;
/** Recommendation thresholds as callers pass them. */
export type ReportThresholdsInput = z.input<typeof reportThresholdsSchema>;
/** Recommendation thresholds after defaults. */
export type ReportThresholds = z.output<typeof reportThresholdsSchema>;
