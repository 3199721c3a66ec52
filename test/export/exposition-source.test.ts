import { describe, expect, it } from 'vitest';
import { metricsFromExposition } from '../../src/export/exposition-source.js';
import { grafanaDashboard } from '../../src/export/grafana-dashboard.js';
import { toPrometheusRules } from '../../src/export/prometheus-rules.js';
import { createMonitor } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

describe('metricsFromExposition', () => {
  it('reads back kinds, help, label names and bucket bounds of a monitor exposition', async () => {
    const monitor = createMonitor({ service: 'api', clock: new ManualClock() });
    const h = monitor.histogram({ name: 'http_request_duration_seconds', help: 'Request duration', labelNames: ['route', 'status'], buckets: [0.1, 0.5, 1, 5] });
    monitor.counter({ name: 'orders_total', help: 'Orders "paid"\nor not', labelNames: ['status'] }).inc(1, { status: 'a"b\\c' });
    monitor.gauge({ name: 'queue_depth', help: 'Waiting' }).set(3);
    h.observe(0.2, { route: '/a', status: '200' });
    const read = metricsFromExposition(monitor.exportPrometheusMetrics({ format: 'prometheus', names: ['http_request_duration_seconds', 'orders_total', 'queue_depth'] }), 'api');
    const byName = Object.fromEntries([...read.getMetrics()].map((m) => [m.name, { kind: m.kind, help: m.help, labelNames: m.labelNames }]));
    expect(byName).toEqual({
      http_request_duration_seconds: { kind: 'histogram', help: 'Request duration', labelNames: ['route', 'status'] },
      orders_total: { kind: 'counter', help: 'Orders "paid"\nor not', labelNames: ['status'] },
      queue_depth: { kind: 'gauge', help: 'Waiting', labelNames: [] },
    });
    expect(read.getMetric('http_request_duration_seconds')).toEqual({ kind: 'histogram', buckets: [0.1, 0.5, 1, 5] });
    // Enough for both exports without the monitor's code.
    const rules = toPrometheusRules([{ name: 'sla', metric: 'http_request_duration_seconds', aggregation: { type: 'compliance', under: 1 }, condition: 'lt', threshold: 95 }], { metrics: read });
    expect(rules.skipped).toEqual([]);
    expect(grafanaDashboard(read).panels.length).toBe(4);
    await monitor.close();
  });

  it('skips summaries, untyped and malformed lines', () => {
    const text = ['# TYPE s summary', 's{quantile="0.5"} 1', '# HELP only_help no type', '# TYPE bad-name counter', 'garbage line without value', '# TYPE c_total counter', 'c_total{a="x",b="y\\"z"} 1'].join('\n');
    const read = metricsFromExposition(text);
    expect([...read.getMetrics()].map((m) => [m.name, m.labelNames])).toEqual([['c_total', ['a', 'b']]]);
    expect(read.getMetric('c_total')).toEqual({ kind: 'counter' });
    expect(read.getMetric('s')).toBeUndefined();
  });

  it('reads at most 10,000 families and counts the rest', () => {
    const read = metricsFromExposition(Array.from({ length: 10_005 }, (_, i) => `# TYPE g${i} gauge`).join('\n'));
    expect([...read.getMetrics()].length).toBe(10_000);
    expect(read.ignored).toBe(5);
  });
});
