/**
 * A recommendation's message shows the observed value with enough decimals to tell it from the
 * threshold it crossed: p95 500.04 ms past 500 ms read "p95 latency 500.0 ms is above 500 ms",
 * and an error rate of 5.04 % "5.0% is above 5%" (one decimal).
 */
import { describe, expect, it } from 'vitest';
import { reportThresholdsSchema } from '../../src/reports/options.js';
import { recommend } from '../../src/reports/rules.js';
import type { MetricSummary } from '../../src/reports/summary.js';

const defaults = reportThresholdsSchema.parse({});
const summary = (over: Partial<MetricSummary>): MetricSummary => ({ name: 'http_request_duration_seconds', kind: 'histogram', class: 'latency', unit: 'ms', series: 1, count: 100, rate: 1, sum: 1, mean: 100, min: 1, max: 1, p50: 1, p95: 100, p99: 100, errorRate: null, ...over });

describe('recommendation messages near the threshold', () => {
  it.each([
    [{ p95: 500.04 }, 'p95 latency 500.04 ms is above 500 ms'],
    [{ p95: 500.0004 }, 'p95 latency 500.0004 ms is above 500 ms'],
    [{ errorRate: 5.04 }, 'error rate 5.04% is above 5%'],
    [{ p95: 612.345 }, 'p95 latency 612.3 ms is above 500 ms'],
  ])('%j: %s', (over, text) => {
    const messages = recommend(summary(over), [], defaults, 5).map((r) => r.message);
    expect(messages.some((m) => m.includes(text))).toBe(true);
  });
});

describe('trend messages near the stable band', () => {
  it('shows a 5.01 % rise against a ±5 % band as 5.01%, not 5.0%', () => {
    const trend = { metricType: 'http_request_duration_seconds', statistic: 'p95' as const, trend: 'increasing' as const, changePercent: 5.01, current: 105.01, previous: 100 };
    const [r] = recommend(summary({}), [trend], defaults, 5);
    expect(r!.message).toBe('http_request_duration_seconds: p95 latency rose 5.01% against the previous period (stable band ±5%); find what changed');
  });
});
