/**
 * Seed 003's performance report (`monitor.generatePerformanceReport`). Placeholder until issue
 * 18 item 4 lands here.
 */
import type { WindowQuerySources } from '../metrics/window-query.js';

/** Which period and metrics a report covers. */
export interface PerformanceReportQuery {
  period?: string;
}

/** Seed 003's report shape. */
export interface PerformanceReport {
  period: string;
}

/** A performance report over a period, with trends against the previous one and recommendations. */
export async function generatePerformanceReport(src: WindowQuerySources, query: PerformanceReportQuery): Promise<PerformanceReport> {
  void src;
  throw new Error(`generatePerformanceReport(${query.period ?? ''}) is not implemented yet`);
}
