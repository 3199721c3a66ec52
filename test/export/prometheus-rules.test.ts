import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { promDuration } from '../../src/export/promql.js';
import { toPrometheusRules, type PrometheusRules } from '../../src/export/prometheus-rules.js';
import { ensurePromtool, promtool } from '../helpers/promtool.js';
import { setup } from '../alerts/support.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

ensurePromtool();

const base = { condition: 'gt', threshold: 1 } as const;

function lookup() {
  const s = setup();
  s.monitor.histogram({ name: 'http_request_duration_seconds', help: 'h', labelNames: ['route', 'status'], buckets: [0.1, 0.5, 1, 5] });
  s.monitor.counter({ name: 'orders_total', help: 'c', labelNames: ['status'] });
  s.monitor.gauge({ name: 'queue_depth', help: 'g' });
  return s.monitor;
}

/** The file passes the real `promtool check rules`. */
function check(out: PrometheusRules): void {
  const dir = mkdtempSync(join(tmpdir(), 'pw-rules-'));
  const file = join(dir, 'rules.yml');
  writeFileSync(file, out.yaml);
  const run = promtool(['check', 'rules', file]);
  expect(run.stderr + run.stdout).toContain(`SUCCESS: ${out.groups[0]!.rules.length} rules found`);
  expect(run.status).toBe(0);
}

const exprOf = (out: PrometheusRules, alert: string): string => out.groups[0]!.rules.find((r) => r.alert === alert)!.expr;

describe('toPrometheusRules', () => {
  it('writes each aggregation of each kind as PromQL summed over every scraped instance', () => {
    const monitor = lookup();
    const h = 'http_request_duration_seconds';
    const out = toPrometheusRules(
      [
        { ...base, name: 'p95', metric: h, aggregation: 'p95', window: '5m', groupBy: ['route'] },
        { ...base, name: 'avg', metric: h, aggregation: 'avg', window: '1m' },
        { ...base, name: 'count', metric: h, aggregation: 'count', window: '1m' },
        { ...base, name: 'rate', metric: h, aggregation: 'rate', window: '90s', labels: { route: '/a' } },
        { ...base, name: 'counter rate', metric: 'orders_total', aggregation: 'rate', window: '5m' },
        { ...base, name: 'counter sum', metric: 'orders_total', aggregation: 'sum', window: '1h' },
        { ...base, name: 'gauge last', metric: 'queue_depth', aggregation: 'last', window: '5m' },
        { ...base, name: 'gauge max', metric: 'queue_depth', aggregation: 'max', window: '5m' },
      ],
      { metrics: monitor },
    );
    expect(out.skipped).toEqual([]);
    expect(exprOf(out, 'p95')).toBe(`histogram_quantile(0.95, sum by (le, route) (rate(${h}_bucket[5m]))) > 1`);
    expect(exprOf(out, 'avg')).toBe(`sum (rate(${h}_sum[1m])) / sum (rate(${h}_count[1m])) > 1`);
    expect(exprOf(out, 'count')).toBe(`sum (increase(${h}_count[1m])) > 1`);
    expect(exprOf(out, 'rate')).toBe(`sum (rate(${h}_count{route="/a"}[90s])) > 1`);
    expect(exprOf(out, 'counter rate')).toBe('sum (rate(orders_total[5m])) > 1');
    expect(exprOf(out, 'counter sum')).toBe('sum (increase(orders_total[1h])) > 1');
    expect(exprOf(out, 'gauge last')).toBe('sum (last_over_time(queue_depth[5m])) > 1');
    expect(exprOf(out, 'gauge max')).toBe('max (max_over_time(queue_depth[5m])) > 1');
    expect(out.approximations.map((a) => a.name)).toEqual(['p95', 'gauge max']);
    check(out);
  });

  it('writes for, keep_firing_for, severity, type, the rule id, alert labels and annotations', () => {
    const out = toPrometheusRules(
      [{ ...base, id: 'lat', name: 'High latency', metric: 'x_total', aggregation: 'rate', duration: '2m', keepFiringFor: '30s', severity: 'critical', type: 'PERFORMANCE', alertLabels: { team: 'web' }, annotations: { runbook_url: 'https://r' }, description: 'd' }],
      {},
    );
    expect(out.groups[0]!.rules[0]).toEqual({
      alert: 'High latency',
      expr: 'sum (rate(x_total[5m])) > 1',
      for: '2m',
      keep_firing_for: '30s',
      labels: { severity: 'critical', type: 'PERFORMANCE', team: 'web', pulsewatch_rule: 'lat' },
      annotations: { summary: 'High latency', description: 'd', runbook_url: 'https://r' },
    });
    check(out);
  });

  it('joins conditions with and / or, and writes detectors and compliance at a bucket bound', () => {
    const monitor = lookup();
    const h = 'http_request_duration_seconds';
    const out = toPrometheusRules(
      [
        { name: 'all', metric: h, aggregation: 'p99', condition: 'gt', threshold: 2, conditions: [{ metric: 'orders_total', aggregation: 'rate', condition: 'lt', threshold: 1 }], match: 'all' },
        { name: 'any', metric: 'queue_depth', aggregation: 'last', condition: 'gte', threshold: 10, conditions: [{ metric: 'orders_total', aggregation: 'rate', condition: 'lte', threshold: 0 }], match: 'any' },
        { name: 'sla', metric: h, aggregation: { type: 'compliance', under: 5 }, condition: 'lt', threshold: 95 },
        { name: 'spike', metric: h, aggregation: { type: 'spike', of: 'avg', baselineWindow: '1h' }, condition: 'gt', threshold: 1.5, window: '5m' },
        { name: 'change', metric: 'orders_total', aggregation: { type: 'change', of: 'rate', direction: 'both' }, condition: 'gt', threshold: 50, window: '10m' },
        { name: 'regression', metric: h, aggregation: { type: 'regression', of: 'avg', baseline: 0.2 }, condition: 'gt', threshold: 10 },
        { name: 'errors', metric: 'orders_total', aggregation: { type: 'errorRate', errorLabels: { status: ['5xx', 'a.b'] } }, condition: 'gt', threshold: 5 },
      ],
      { metrics: monitor },
    );
    expect(out.skipped).toEqual([]);
    expect(exprOf(out, 'all')).toBe(`(histogram_quantile(0.99, sum by (le) (rate(${h}_bucket[5m]))) > 2) and (sum (rate(orders_total[5m])) < 1)`);
    expect(exprOf(out, 'any')).toBe('(sum (last_over_time(queue_depth[5m])) >= 10) or (sum (rate(orders_total[5m])) <= 0)');
    expect(exprOf(out, 'sla')).toBe(`100 * sum (rate(${h}_bucket{le="5.0"}[5m])) / sum (rate(${h}_count[5m])) < 95`);
    expect(exprOf(out, 'spike')).toBe(`(sum (rate(${h}_sum[5m])) / sum (rate(${h}_count[5m]))) / (sum (rate(${h}_sum[1h])) / sum (rate(${h}_count[1h]))) > 1.5`);
    expect(exprOf(out, 'change')).toBe('abs(100 * ((sum (rate(orders_total[10m]))) - (sum (rate(orders_total[10m] offset 10m)))) / abs(sum (rate(orders_total[10m] offset 10m)))) > 50');
    expect(exprOf(out, 'regression')).toBe(`100 * ((sum (rate(${h}_sum[5m])) / sum (rate(${h}_count[5m]))) - 0.2) / 0.2 > 10`);
    expect(exprOf(out, 'errors')).toBe('100 * sum (increase(orders_total{status=~"5[0-9][0-9]|a\\\\.b"}[5m])) / sum (increase(orders_total[5m])) > 5');
    check(out);
  });

  it('lists what PromQL cannot express in skipped, with the reason, and writes the rest', () => {
    const monitor = lookup();
    const h = 'http_request_duration_seconds';
    const out = toPrometheusRules(
      [
        { ...base, name: 'learned', metric: h, aggregation: { type: 'regression', of: 'avg' } },
        { ...base, name: 'histogram min', metric: h, aggregation: 'min' },
        { ...base, name: 'gauge count', metric: 'queue_depth', aggregation: 'count' },
        { ...base, name: 'off bucket', metric: h, aggregation: { type: 'compliance', under: 2 } },
        { ...base, name: 'unknown kind', metric: 'mystery', aggregation: 'avg' },
        { ...base, name: 'disabled', metric: 'orders_total', aggregation: 'rate', enabled: false },
        { ...base, name: 'bad label', metric: 'orders_total', aggregation: 'rate', labels: { 'not-a-label': 'x' } },
        { name: 'not a rule' },
        { ...base, name: 'kept', metric: 'orders_total', aggregation: 'rate' },
      ],
      { metrics: monitor },
    );
    expect(out.groups[0]!.rules.map((r) => r.alert)).toEqual(['kept']);
    const reasons = Object.fromEntries(out.skipped.map((s) => [s.name, s.reason]));
    expect(Object.keys(reasons)).toEqual(['learned', 'histogram min', 'gauge count', 'off bucket', 'unknown kind', 'disabled', 'bad label', 'not a rule']);
    expect(reasons['learned']).toContain('learned baseline');
    expect(reasons['off bucket']).toContain('bucket bound at 2');
    expect(reasons['unknown kind']).toContain('{ kinds: { "mystery"');
    expect(reasons['bad label']).toContain('"not-a-label"');
    expect(reasons['not a rule']).toContain('metric');
    check(out);
  });

  it('infers counters from _total and histograms from percentiles when no monitor is given; kinds override', () => {
    const out = toPrometheusRules(
      [
        { ...base, name: 'a', metric: 'jobs_total', aggregation: 'rate' },
        { ...base, name: 'b', metric: 'latency_seconds', aggregation: 'p90' },
        { ...base, name: 'c', metric: 'depth', aggregation: 'avg' },
      ],
      { kinds: { depth: 'gauge' } },
    );
    expect(out.skipped).toEqual([]);
    expect(exprOf(out, 'c')).toBe('sum (sum_over_time(depth[5m])) / sum (count_over_time(depth[5m])) > 1');
  });

  it('keeps hostile names, quotes and template braces literal in a file promtool accepts', () => {
    const name = 'Latency "p95" > 1s\n<script>{{ .Value }}</script> ✓';
    const out = toPrometheusRules([{ ...base, name, metric: 'x_total', aggregation: 'rate', labels: { route: '/a"b\\c\n' }, annotations: { note: '{{ $labels.secret }}' } }]);
    const rule = out.groups[0]!.rules[0]!;
    expect(rule.alert).toBe(name);
    expect(rule.expr).toBe('sum (rate(x_total{route="/a\\"b\\\\c\\n"}[5m])) > 1');
    expect(rule.annotations['note']).toBe('{{ "{{" }} $labels.secret }}');
    check(out);
  });

  it('throws a ConfigError for rules that are not an array and for invalid options', () => {
    expect(() => toPrometheusRules(null as unknown as [])).toThrow(ConfigError);
    expect(() => toPrometheusRules([], { group: '' })).toThrow(ConfigError);
    expect(() => toPrometheusRules([], { metrics: {} as never })).toThrow(/getMetric/);
  });

  it('writes durations in their largest whole unit', () => {
    expect([300_000, 90_000, 3_600_000, 1_500, 86_400_000, 0.4].map(promDuration)).toEqual(['5m', '90s', '1h', '1500ms', '1d', '1ms']);
  });
});
