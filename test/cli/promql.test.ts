import { describe, expect, it } from 'vitest';
import type { BudgetDefaults } from '../../src/cli/budget/budget.js';
import { parseBudgetExpression } from '../../src/cli/budget/expression.js';
import { seriesLabels } from '../../src/cli/sources/exposition-labels.js';
import { budgetQuery, promDuration } from '../../src/cli/sources/promql.js';

const DEFAULTS: BudgetDefaults = { window: 300_000, labels: { route: '/x"y\\z' }, metrics: { latency: 'http_request_duration_seconds', requests: 'http_requests_total' } };
const query = (expr: string): string => budgetQuery(parseBudgetExpression(expr, 'fail', DEFAULTS, '--fail[0]'));
const SEL = String.raw`{route="/x\"y\\z"}`;

describe('PromQL for each stat', () => {
  it('percentiles and the mean read the histogram', () => {
    expect(query('p95 < 1s')).toBe(`histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket${SEL}[5m])))`);
    expect(query('p999 < 1s')).toContain('histogram_quantile(0.999,');
    expect(query('mean < 1s')).toBe(`sum(rate(http_request_duration_seconds_sum${SEL}[5m])) / sum(rate(http_request_duration_seconds_count${SEL}[5m]))`);
  });

  it('rate, count and errorRate read a counter by its name, a histogram by its _count', () => {
    expect(query('rate > 1')).toBe(`sum(rate(http_requests_total${SEL}[5m]))`);
    expect(query('count(job_duration_seconds) > 1')).toBe(`sum(increase(job_duration_seconds_count${SEL}[5m]))`);
    expect(query('error_rate < 5%')).toBe(
      String.raw`100 * (sum(rate(http_requests_total{route="/x\"y\\z",status=~"5.."}[5m])) or vector(0)) / sum(rate(http_requests_total${SEL}[5m]))`,
    );
  });

  it('refuses what PromQL cannot compute over histograms, naming the field', () => {
    expect(() => query('max < 1s')).toThrow('--fail[0].stat: max cannot be computed from Prometheus histograms');
    expect(() => query('p95(http_requests_total) < 1s')).toThrow('--fail[0].stat: p95 needs a histogram; http_requests_total is a counter');
  });

  it('writes windows as PromQL ranges', () => {
    expect([promDuration(300_000), promDuration(90_000), promDuration(1500)]).toEqual(['5m', '90s', '1500ms']);
  });
});

describe('label values from an exposition', () => {
  it("reads each series' labels once, escapes decoded, le dropped, other metrics ignored", () => {
    const text = [
      '# TYPE http_requests_total counter',
      'http_requests_total{route="/a",status="200"} 5',
      'http_requests_total{route="/a",status="500"} 1',
      String.raw`http_requests_total{route="/q\"u\\o\nte",status="503"} 1`,
      'http_requests_total_other{status="504"} 1',
      'http_request_duration_seconds_bucket{route="/a",le="0.1"} 1',
      'http_request_duration_seconds_count{route="/a"} 1',
      'http_requests_total{__proto__="x"} 1',
    ].join('\n');
    expect(seriesLabels(text, 'http_requests_total')).toEqual([
      { route: '/a', status: '200' },
      { route: '/a', status: '500' },
      { route: '/q"u\\o\nte', status: '503' },
      JSON.parse('{"__proto__":"x"}'),
    ]);
    expect(seriesLabels(text, 'http_request_duration_seconds')).toEqual([{ route: '/a' }]);
  });
});
