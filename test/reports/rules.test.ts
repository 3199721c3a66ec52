import { describe, expect, it } from 'vitest';
import { REPORT_THRESHOLDS, reportThresholdsSchema } from '../../src/reports/options.js';
import { recommend, THRESHOLD_RULES } from '../../src/reports/rules.js';
import { classify, type MetricSummary } from '../../src/reports/summary.js';
import { compare, trendsOf, type Trend } from '../../src/reports/trends.js';

const defaults = reportThresholdsSchema.parse({});

function summary(over: Partial<MetricSummary>): MetricSummary {
  return { name: 'm', kind: 'histogram', class: 'other', unit: undefined, series: 1, count: 100, rate: 1, sum: 1, mean: 1, min: 1, max: 1, p50: 1, p95: 1, p99: 1, errorRate: null, ...over };
}

const latency = (over: Partial<MetricSummary>) => summary({ name: 'http_request_duration_seconds', class: 'latency', unit: 'ms', mean: 100, p95: 100, p99: 100, rate: 1_000, ...over });
const rules = (s: MetricSummary, t = defaults, trends: Trend[] = []) => recommend(s, trends, t, 5).map((r) => r.rule);

describe('recommendation rules, each on both sides of its threshold (strictly past it fires)', () => {
  it.each([
    ['latency-p95', latency({ p95: 500 }), latency({ p95: 500.1 })],
    ['latency-p99', latency({ p99: 1_000 }), latency({ p99: 1_000.1 })],
    ['latency-mean', latency({ mean: 500 }), latency({ mean: 500.1 })],
    ['error-rate', summary({ errorRate: 5 }), summary({ errorRate: 5.01 })],
    ['memory', summary({ name: 'system_memory_usage_percent', kind: 'gauge', class: 'memory', mean: 85 }), summary({ name: 'system_memory_usage_percent', kind: 'gauge', class: 'memory', mean: 85.1 })],
    ['cpu', summary({ name: 'cpu_usage', kind: 'gauge', class: 'cpu', mean: 80 }), summary({ name: 'cpu_usage', kind: 'gauge', class: 'cpu', mean: 80.1 })],
  ] as const)('%s: silent at the threshold, fires just past it', (rule, at, past) => {
    expect(rules(at)).not.toContain(rule);
    expect(rules(past)).toContain(rule);
  });

  it('throughput: off by default; with minThroughput 500 silent at 500 req/s, fires at 499.9', () => {
    expect(rules(latency({ rate: 1 }))).not.toContain('throughput');
    const t = reportThresholdsSchema.parse({ minThroughput: 500 });
    expect(rules(latency({ rate: 500 }), t)).not.toContain('throughput');
    expect(rules(latency({ rate: 499.9 }), t)).toContain('throughput');
  });

  it('names the metric, the observation, the threshold and the seed it comes from', () => {
    const [r] = recommend(latency({ p95: 612 }), [], defaults, 5);
    expect(r).toEqual({
      rule: 'latency-p95',
      metric: 'http_request_duration_seconds',
      statistic: 'p95',
      observed: 612,
      threshold: 500,
      comparison: 'above',
      unit: 'ms',
      severity: 'critical',
      source: expect.stringContaining('seed 001'),
      message: expect.stringMatching(/^http_request_duration_seconds: p95 latency 612 ms is above 500 ms/),
    });
  });

  it('uses the seeds\' thresholds by default and every rule cites a source', () => {
    expect(REPORT_THRESHOLDS).toEqual({ p95Ms: 500, p99Ms: 1_000, meanMs: 500, errorRatePercent: 5, memoryPercent: 85, cpuPercent: 80 });
    for (const rule of THRESHOLD_RULES) expect(rule.source).toMatch(/seed 00[123]/);
  });

  it('judges nothing without data, and latency rules only latencies', () => {
    expect(rules(latency({ count: 0, p95: 900 }))).toEqual([]);
    expect(rules(summary({ p95: 900, mean: 900 }))).toEqual([]);
  });

  it('trend: a latency p95 or an error rate rising past the band is a recommendation; falling or other statistics are not', () => {
    const up: Trend = { metricType: 'http_request_duration_seconds', statistic: 'p95', trend: 'increasing', changePercent: 5.01, current: 105.01, previous: 100 };
    expect(rules(latency({}), defaults, [up])).toEqual(['trend']);
    expect(rules(latency({}), defaults, [{ ...up, trend: 'stable', changePercent: 5 }])).toEqual([]);
    expect(rules(latency({}), defaults, [{ ...up, trend: 'decreasing', changePercent: -20 }])).toEqual([]);
    expect(rules(summary({ kind: 'gauge' }), defaults, [{ ...up, statistic: 'mean' }])).toEqual([]);
    expect(rules(summary({ errorRate: 1 }), defaults, [{ ...up, statistic: 'errorRate' }])).toEqual(['trend']);
  });
});

describe('trends at the edges of the stable band (±5 %)', () => {
  it.each([
    [105, 100, 'stable', 5],
    [105.01, 100, 'increasing', 5.01],
    // Classified on the change rounded to 2 decimals, as shown: 5.004 % is 5.00 %, stable.
    [105.004, 100, 'stable', 5],
    [94.996, 100, 'stable', -5],
    [105.005, 100, 'increasing', 5.01],
    [95, 100, 'stable', -5],
    [94.99, 100, 'decreasing', -5.01],
    [100, 100, 'stable', 0],
    [0, 0, 'stable', 0],
    [1, 0, 'increasing', null],
    [null, 100, 'insufficient-data', null],
    [100, null, 'insufficient-data', null],
  ] as const)('%s against %s is %s (%s %)', (current, previous, trend, change) => {
    expect(compare(current, previous, 5)).toEqual({ trend, changePercent: change });
  });

  it('follows p95 for latencies, the rate for counters, the mean otherwise, and the error rate beside them', () => {
    const t = trendsOf(latency({ p95: 200, errorRate: 2 }), latency({ p95: 100, errorRate: 2 }), 5);
    expect(t.map((x) => [x.statistic, x.trend])).toEqual([
      ['p95', 'increasing'],
      ['errorRate', 'stable'],
    ]);
    expect(trendsOf(summary({ kind: 'counter', rate: 2 }), summary({ kind: 'counter', rate: 1 }), 5)[0]).toMatchObject({ statistic: 'rate', changePercent: 100 });
  });
});

describe('classification', () => {
  it.each([
    ['http_request_duration_seconds', 'histogram', 'seconds', 'latency', 1000],
    ['db_query_duration_seconds', 'histogram', undefined, 'latency', 1000],
    ['response_time', 'histogram', undefined, 'latency', 1],
    ['job_ms', 'histogram', 'ms', 'latency', 1],
    ['error_rate', 'gauge', 'percent', 'errorRate', 1],
    ['memory_usage', 'histogram', 'percent', 'memory', 1],
    ['system_memory_usage_percent', 'gauge', undefined, 'memory', 1],
    ['system_cpu_usage_percent', 'gauge', undefined, 'cpu', 1],
    ['payload_bytes', 'histogram', 'bytes', 'other', 1],
    ['requests_total', 'counter', undefined, 'other', 1],
  ] as const)('%s (%s, %s) is %s', (name, kind, unit, cls, factor) => {
    expect(classify(name, kind, unit)).toMatchObject({ class: cls, factor });
  });
});
