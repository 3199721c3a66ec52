import { fixedApart } from '../core/fixed-apart.js';
import type { ReportThresholds } from './options.js';
import type { MetricSummary } from './summary.js';
import type { Trend } from './trends.js';

/** One recommendation: which rule fired, on which metric, what was observed and the threshold it crossed. */
export interface Recommendation {
  /** The rule's id (docs/reports.md lists them): `latency-p95`, `latency-p99`, `latency-mean`, `error-rate`, `memory`, `cpu`, `throughput`, `trend`. */
  rule: RecommendationRuleId;
  metric: string;
  /** The statistic observed (`p95`, `p99`, `mean`, `errorRate`, `rate`, or `<statistic> change` for trends). */
  statistic: string;
  /** The observed value (for `trend`, the percent change). */
  observed: number;
  /** The threshold crossed (for `trend`, the stable band). */
  threshold: number;
  /** `above`: observed > threshold; `below`: observed < threshold. */
  comparison: 'above' | 'below';
  unit: string;
  severity: 'critical' | 'warning' | 'info';
  /** Where the threshold comes from (a seed, or the report's stable band). */
  source: string;
  /** One human sentence (seed 003's recommendation strings). */
  message: string;
}

/** Ids of the recommendation rules. */
export type RecommendationRuleId = 'latency-p95' | 'latency-p99' | 'latency-mean' | 'error-rate' | 'memory' | 'cpu' | 'throughput' | 'trend';

interface ThresholdRule {
  id: Exclude<RecommendationRuleId, 'trend'>;
  applies(s: MetricSummary): boolean;
  statistic: 'p95' | 'p99' | 'mean' | 'errorRate' | 'rate';
  threshold(t: ReportThresholds): number | undefined;
  comparison: 'above' | 'below';
  unit: string;
  severity: Recommendation['severity'];
  source: string;
  what: string;
  advice: string;
}

const latency = (s: MetricSummary): boolean => s.class === 'latency';

/** The threshold rules, in the order their recommendations are listed. */
export const THRESHOLD_RULES: readonly ThresholdRule[] = Object.freeze([
  { id: 'latency-p95', applies: latency, statistic: 'p95', threshold: (t) => t.p95Ms, comparison: 'above', unit: 'ms', severity: 'critical', source: 'seed 001: P95 latency budget < 500 ms (CI fails)', what: 'p95 latency', advice: 'find the slowest routes and queries' },
  { id: 'latency-p99', applies: latency, statistic: 'p99', threshold: (t) => t.p99Ms, comparison: 'above', unit: 'ms', severity: 'warning', source: 'seed 001: P99 latency budget < 1000 ms (warning)', what: 'p99 latency', advice: 'look for timeouts, retries and lock waits in the tail' },
  { id: 'latency-mean', applies: latency, statistic: 'mean', threshold: (t) => t.meanMs, comparison: 'above', unit: 'ms', severity: 'warning', source: 'seed 002: average response time target < 500 ms; seed 003: health threshold 500 ms', what: 'average latency', advice: 'profile the common path and add caching where reads repeat' },
  { id: 'error-rate', applies: (s) => s.errorRate !== null, statistic: 'errorRate', threshold: (t) => t.errorRatePercent, comparison: 'above', unit: '%', severity: 'critical', source: 'seed 001: error rate < 5 % (CI fails); seed 002 and 003: alert above 5 %', what: 'error rate', advice: 'check the failing routes and their dependencies' },
  { id: 'memory', applies: (s) => s.class === 'memory', statistic: 'mean', threshold: (t) => t.memoryPercent, comparison: 'above', unit: '%', severity: 'warning', source: 'seed 002: memory > 85 % (high)', what: 'average memory usage', advice: 'look for leaks and oversized caches, or add memory' },
  { id: 'cpu', applies: (s) => s.class === 'cpu', statistic: 'mean', threshold: (t) => t.cpuPercent, comparison: 'above', unit: '%', severity: 'warning', source: 'seed 002: CPU > 80 % (high)', what: 'average CPU usage', advice: 'profile hot paths or scale out' },
  { id: 'throughput', applies: latency, statistic: 'rate', threshold: (t) => t.minThroughput, comparison: 'below', unit: 'req/s', severity: 'warning', source: 'seed 001: throughput > 500 req/s (warning); off unless thresholds.minThroughput is set', what: 'throughput', advice: 'check for saturation upstream or lost traffic' },
]);

/** A number for a message: at most one decimal. */
function shown(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

/**
 * An observed value for a message beside the threshold it crossed: one decimal, or as many more
 * (up to 6) as tell it from the threshold. At one decimal, p95 500.04 ms read "500.0 ms is above
 * 500 ms".
 */
function shownAgainst(x: number, threshold: number): string {
  if (Number.isInteger(x)) return String(x);
  const { text, digits } = fixedApart(x, [threshold]);
  return digits === 1 ? text : String(Number(text));
}

/**
 * The recommendations for one metric over the period: each threshold rule whose value is
 * strictly past its threshold (a value equal to it passes), then each `trend` that got worse
 * beyond the stable band (a latency p95 or an error rate increasing).
 */
export function recommend(s: MetricSummary, trends: readonly Trend[], t: ReportThresholds, band: number): Recommendation[] {
  const out: Recommendation[] = [];
  for (const rule of THRESHOLD_RULES) {
    const threshold = rule.threshold(t);
    const observed = s[rule.statistic];
    if (threshold === undefined || observed === null || !rule.applies(s) || s.count === 0) continue;
    const past = rule.comparison === 'above' ? observed > threshold : observed < threshold;
    if (!past) continue;
    const unit = rule.unit === '%' ? '%' : ` ${rule.unit}`;
    out.push({
      rule: rule.id,
      metric: s.name,
      statistic: rule.statistic,
      observed,
      threshold,
      comparison: rule.comparison,
      unit: rule.unit,
      severity: rule.severity,
      source: rule.source,
      message: `${s.name}: ${rule.what} ${shownAgainst(observed, threshold)}${unit} is ${rule.comparison} ${shown(threshold)}${unit}; ${rule.advice}`,
    });
  }
  for (const trend of trends) {
    if (trend.trend !== 'increasing' || trend.changePercent === null) continue;
    if (!((trend.statistic === 'p95' && s.class === 'latency') || trend.statistic === 'errorRate')) continue;
    const what = trend.statistic === 'p95' ? 'p95 latency' : 'error rate';
    out.push({
      rule: 'trend',
      metric: s.name,
      statistic: `${trend.statistic} change`,
      observed: trend.changePercent,
      threshold: band,
      comparison: 'above',
      unit: '%',
      severity: 'info',
      source: `the report's stable band (±${shown(band)} %; seed 003's increasing/decreasing trends)`,
      message: `${s.name}: ${what} rose ${shownAgainst(trend.changePercent, band)}% against the previous period (stable band ±${shown(band)}%); find what changed`,
    });
  }
  return out;
}
