/**
 * The Grafana dashboard's expressions and the exported rules against a real Prometheus that
 * scrapes a pulsewatch server: every panel's query returns data, and every rule loads healthy.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grafanaDashboard } from '../../src/export/grafana-dashboard.js';
import { toPrometheusRules } from '../../src/export/prometheus-rules.js';
import { createMonitor, type Monitor } from '../../src/index.js';
import { createNodeMonitoringHandler } from '../../src/node.js';
import { startPrometheus, type PrometheusProcess } from '../helpers/prometheus.js';

const H = 'http_request_duration_seconds';
let monitor: Monitor;
let server: Server;
let prometheus: PrometheusProcess;


beforeAll(async () => {
  monitor = createMonitor({ service: 'checkout api' });
  const h = monitor.histogram({ name: H, help: 'Request duration', labelNames: ['route', 'status'], buckets: [0.1, 0.5, 1, 5] });
  const orders = monitor.counter({ name: 'orders_total', help: 'Orders', labelNames: ['status'] });
  const queue = monitor.gauge({ name: 'queue_depth', help: 'Jobs waiting', labelNames: ['queue'] });
  for (let i = 0; i < 200; i++) h.observe(i % 7 === 0 ? 2 : 0.05, { route: i % 2 === 0 ? '/a' : '/b', status: i % 10 === 0 ? '500' : '200' });
  orders.inc(5, { status: 'paid' });
  queue.set(4, { queue: 'emails' });
  await monitor.alerts.createRule({ id: 'p95', name: 'HighP95', metric: H, aggregation: 'p95', condition: 'gt', threshold: 1, groupBy: ['route'] });
  await monitor.alerts.createRule({ id: 'errors', name: 'Errors', metric: H, aggregation: 'errorRate', condition: 'gt', threshold: 5, duration: '1m' });
  const handler = createNodeMonitoringHandler(monitor, {});
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  const rules = toPrometheusRules(monitor.alerts.getRules(), { metrics: monitor });
  prometheus = await startPrometheus({ targets: [`127.0.0.1:${address.port}`], rules: [rules.yaml] });
  // Rates need two scrapes of each series.
  await prometheus.until(`count_over_time(${H}_count[1m]) >= 3`);
  // Keep the series moving so rates are not zero (Prometheus sees only what changed between its
  // scrapes): /a slow, /b fast.
  for (let i = 0; i < 50; i++) h.observe(2, { route: '/a', status: '200' });
  for (let i = 0; i < 50; i++) h.observe(0.05, { route: '/b', status: '200' });
  orders.inc(3, { status: 'paid' });
  await prometheus.until(`count_over_time(${H}_count[1m]) >= 5`);
}, 90_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise((resolve) => server?.close(resolve));
  await monitor?.close();
});

describe('grafanaDashboard against a real Prometheus', () => {
  it('every panel query returns data Prometheus scraped from the pulsewatch server', async () => {
    const dashboard = grafanaDashboard(monitor, { metrics: [H, 'orders_total', 'queue_depth'] });
    const targets = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, expr: t.expr })));
    expect(targets.length).toBe(3 + 1 + 1 + 1);
    const empty: string[] = [];
    for (const t of targets) {
      // Grafana replaces $__rate_interval; 1m holds several 1 s scrapes.
      const result = await prometheus.query(t.expr.replaceAll('$__rate_interval', '1m'));
      if (result.length === 0) empty.push(`${t.panel}: ${t.expr}`);
    }
    expect(empty).toEqual([]);
    const p95a = await prometheus.query(`histogram_quantile(0.95, sum by (le, route) (rate(${H}_bucket[1m])))`);
    expect(p95a.map((s) => s.metric['route']).sort()).toEqual(['/a', '/b']);
  });

  it('the exported rules load into Prometheus and evaluate without error', async () => {
    const response = await fetch(`${prometheus.url}/api/v1/rules`);
    const body = (await response.json()) as { data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } };
    const rules = body.data.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.name).sort()).toEqual(['Errors', 'HighP95']);
    const firing = await prometheus.until('ALERTS{alertname="HighP95"}');
    expect(firing.map((a) => a.metric['route'])).toEqual(['/a']);
    const after = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as typeof body;
    expect(after.data.groups.flatMap((g) => g.rules).map((r) => [r.name, r.health, r.lastError ?? ''])).toEqual([
      ['HighP95', 'ok', ''],
      ['Errors', 'ok', ''],
    ]);
  }, 60_000);
});
