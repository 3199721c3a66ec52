import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { grafanaDashboard, type DashboardMetric, type DashboardSource } from '../../src/export/grafana-dashboard.js';

const metrics: DashboardMetric[] = [
  { name: 'http_request_duration_seconds', kind: 'histogram', help: 'Request duration', labelNames: ['route', 'status'], unit: 'seconds' },
  { name: 'orders_total', kind: 'counter', help: 'Orders', labelNames: [] },
  { name: 'queue_depth', kind: 'gauge', help: 'Waiting', labelNames: ['queue'] },
  { name: 'pulsewatch_dropped_total', kind: 'counter', help: 'Dropped', labelNames: ['reason'] },
  { name: 'response time', kind: 'histogram', help: 'recordMetric name', labelNames: [] },
];
const source = (service = 'checkout'): DashboardSource => ({ service, getMetrics: () => metrics });

describe('grafanaDashboard', () => {
  it('draws percentiles and rate per histogram, rate per counter, value per gauge, split by the first label', () => {
    const d = grafanaDashboard(source());
    expect(d.panels.map((p) => p.title)).toEqual(['http_request_duration_seconds percentiles', 'http_request_duration_seconds rate', 'orders_total rate', 'queue_depth']);
    expect(d.panels[0]!.targets.map((t) => [t.expr, t.legendFormat])).toEqual([
      ['histogram_quantile(0.5, sum by (le, route) (rate(http_request_duration_seconds_bucket[$__rate_interval])))', 'p50 {{route}}'],
      ['histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket[$__rate_interval])))', 'p95 {{route}}'],
      ['histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket[$__rate_interval])))', 'p99 {{route}}'],
    ]);
    expect(d.panels[0]!.fieldConfig.defaults.unit).toBe('s');
    expect(d.panels[2]!.targets[0]!.expr).toBe('sum (rate(orders_total[$__rate_interval]))');
    expect(d.panels[3]!.targets[0]!.expr).toBe('sum by (queue) (queue_depth)');
  });

  it('is a well-formed dashboard: unique ids and refIds, panels that do not overlap, a datasource variable', () => {
    const d = grafanaDashboard(source(), { internal: true });
    expect(d.schemaVersion).toBe(39);
    expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
    const cells = d.panels.map((p) => `${p.gridPos.x},${p.gridPos.y}`);
    expect(new Set(cells).size).toBe(cells.length);
    for (const p of d.panels) expect(new Set(p.targets.map((t) => t.refId)).size).toBe(p.targets.length);
    expect(d.templating.list).toEqual([expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' })]);
    expect(d.panels.every((p) => p.datasource.uid === '${datasource}')).toBe(true);
    expect(d.panels.map((p) => p.title)).toContain('pulsewatch_dropped_total rate');
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });

  it('takes chosen metrics, groupBy and quantiles; a uid and title from a hostile service name', () => {
    const d = grafanaDashboard(source('<script>alert(1)</script> "x" ✓'.repeat(5)), { metrics: ['queue_depth'], groupBy: { queue_depth: [] }, quantiles: [0.9] });
    expect(d.panels.map((p) => p.targets[0]!.expr)).toEqual(['sum (queue_depth)']);
    expect(d.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(d.title.startsWith('<script>')).toBe(true); // Grafana renders titles as text
  });

  it('throws a ConfigError for a missing metric, bad options or a source that is not a monitor', () => {
    expect(() => grafanaDashboard(source(), { metrics: ['nope'] })).toThrow(/no metric "nope"/);
    expect(() => grafanaDashboard(source(), { quantiles: [1.5] })).toThrow(ConfigError);
    expect(() => grafanaDashboard(source(), { uid: 'a'.repeat(41) })).toThrow(ConfigError);
    expect(() => grafanaDashboard({} as DashboardSource)).toThrow(/getMetrics/);
  });
});
