/**
 * Seed 003's performance report (`monitor.generatePerformanceReport`): a summary of each metric
 * over a period, its trend against the previous period of equal length and recommendations from
 * documented threshold rules (docs/reports.md).
 */
import { isBuiltInMetric } from '../metrics/built-in-names.js';
import { parseReadQuery } from '../metrics/time-series-range.js';
import { WindowQuery, type WindowQuerySources } from '../metrics/window-query.js';
import { MAX_REPORT_METRICS, performanceReportQuerySchema, TENANT_LABEL, type PerformanceReportQuery, type ReportThresholds, type ResolvedPerformanceReportQuery } from './options.js';
import { checkReportSize, oneOfFewReports } from './limits.js';
import { reportRange, type ReportRange } from './range.js';
import { recommend, type Recommendation } from './rules.js';
import { summarize, type MetricSummary } from './summary.js';
import { trendsOf, type Trend } from './trends.js';

export type { PerformanceReportQuery } from './options.js';

/** Seed 003's report shape, with each figure's statistic and the rules' reasons spelled out. */
export interface PerformanceReport {
  /** `hourly`, `daily`, `weekly`, `monthly`, or `custom` for an explicit range without a period. */
  period: ReportRange['period'];
  /** Start of the period (ISO 8601, inclusive). */
  startDate: string;
  /** Last instant of the period (ISO 8601; seed 003: `...T23:59:59.999Z`). */
  endDate: string;
  /** The previous period of equal length the trends compare with. */
  previous: { startDate: string; endDate: string };
  /** The label filter applied (tenant included); empty: every series. */
  labels: Record<string, string>;
  /** Per metric name, its summary over the period. */
  metrics: Record<string, MetricSummary>;
  /** Per metric, its headline statistic (and error rate) against the previous period. */
  trends: Trend[];
  /** Percent change within which a trend is `stable`. */
  stableBand: number;
  /** Every rule past its threshold, critical first. */
  recommendations: Recommendation[];
  /** Thresholds the rules used. */
  thresholds: ReportThresholds;
  /** Metrics left out because the default list was longer than the limit (50). */
  truncatedMetrics: number;
  /** When the report was computed (ISO 8601, the monitor's clock). */
  generatedAt: string;
}

const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 } as const;

/**
 * A performance report over a period, with trends against the previous one and recommendations.
 * Each metric costs one store read (its rollups over both periods, by name and labels) merged with
 * this process's memory and waiting rollups, every write counted once (the window query that
 * `getAggregatedMetrics` reads through). Rejects with a `ValidationError` naming the bad field
 * (`from` after `to`, an unknown period) and with a `StorageError` when the store fails. Bounded
 * (src/reports/limits.ts): a `LimitError` when the monitor already computes
 * `MAX_CONCURRENT_REPORTS` reports (`limit: 'report.maxConcurrent'`) or when the data read holds
 * more than `MAX_REPORT_SLOTS` slots (`limit: 'report.maxSlots'`).
 */
export async function generatePerformanceReport(src: WindowQuerySources, query: PerformanceReportQuery = {}): Promise<PerformanceReport> {
  // Getter- and Proxy-safe, as every range read: a throwing query is a ValidationError too.
  const q = parseReadQuery(performanceReportQuerySchema, query, 'performance report query');
  return oneOfFewReports(src.ctx, () => report(src, q));
}

async function report(src: WindowQuerySources, q: ResolvedPerformanceReportQuery): Promise<PerformanceReport> {
  const windows = new WindowQuery(src);
  const now = windows.now;
  // Periods on the slot grid: each slot in one period (docs/reports.md).
  const range = reportRange(q, now, src.ctx.slotLength);
  const labels: Record<string, string> = { ...(q.labels ?? {}), ...(q.organizationId === undefined ? {} : { [TENANT_LABEL]: q.organizationId }) };
  const { names, truncated } = metricNames(src, q.metrics);
  const filter = Object.keys(labels).length > 0 ? labels : undefined;
  // One read per metric, all at once: the store sees them in parallel.
  const read = await Promise.all(names.map((name) => windows.read({ name, labels: filter, from: range.previousFrom, to: range.to, now })));
  checkReportSize(read);
  // No prototype: a metric named `__proto__` is a key like any other (JSON output is the same).
  const metrics = Object.create(null) as Record<string, MetricSummary>;
  const trends: Trend[] = [];
  const recommendations: Recommendation[] = [];
  for (const window of read) {
    const current = summarize(window, range.from, range.to, now);
    const before = summarize(window, range.previousFrom, range.from, now);
    const t = trendsOf(current, before, q.stableBand);
    metrics[window.name] = current;
    trends.push(...t);
    recommendations.push(...recommend(current, t, q.thresholds, q.stableBand));
  }
  recommendations.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  return {
    period: range.period,
    startDate: iso(range.from),
    endDate: iso(range.to - 1),
    previous: { startDate: iso(range.previousFrom), endDate: iso(range.from - 1) },
    labels,
    metrics,
    trends,
    stableBand: q.stableBand,
    recommendations,
    thresholds: q.thresholds,
    truncatedMetrics: truncated,
    generatedAt: iso(now),
  };
}

/** The metrics asked for (each once), or every metric this process defined but pulsewatch's own. */
function metricNames(src: WindowQuerySources, asked: readonly string[] | undefined): { names: string[]; truncated: number } {
  if (asked !== undefined) return { names: [...new Set(asked)], truncated: 0 };
  const all: string[] = [];
  for (const m of src.registry.all()) if (!isBuiltInMetric(m.name)) all.push(m.name);
  all.sort();
  return { names: all.slice(0, MAX_REPORT_METRICS), truncated: Math.max(0, all.length - MAX_REPORT_METRICS) };
}

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? d.toISOString() : String(ms);
}
