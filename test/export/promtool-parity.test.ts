/**
 * The same series fire in pulsewatch and in Prometheus: one monitor on the manual clock records
 * ten minutes of traffic and evaluates its rules; its exposition, scraped every 15 s, becomes the
 * input series of a `promtool test rules` unit test of the exported rule file, whose expected
 * alerts are exactly the ones pulsewatch fired.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toPrometheusRules } from '../../src/export/prometheus-rules.js';
import type { AlertRuleInput } from '../../src/index.js';
import { ensurePromtool, promtool } from '../helpers/promtool.js';
import { MINUTE, SECOND, setup } from '../alerts/support.js';

ensurePromtool();

const H = 'http_request_duration_seconds';
const STEP = 15 * SECOND;
const STEPS = 40; // 10 minutes

const RULES: (AlertRuleInput & { id: string })[] = [
  { id: 'slow-p95', name: 'SlowP95', metric: H, aggregation: 'p95', window: '5m', condition: 'gt', threshold: 1, groupBy: ['route'], duration: '1m' },
  { id: 'slow-avg', name: 'SlowAvg', metric: H, aggregation: 'avg', window: '5m', condition: 'gt', threshold: 1.5, groupBy: ['route'] },
  { id: 'errors', name: 'ErrorRate', metric: H, aggregation: 'errorRate', window: '5m', condition: 'gt', threshold: 5, duration: '1m' },
  { id: 'sla', name: 'Compliance', metric: H, aggregation: { type: 'compliance', under: 1 }, window: '5m', condition: 'lt', threshold: 95, groupBy: ['route'] },
  { id: 'orders', name: 'OrdersRate', metric: 'orders_total', aggregation: 'rate', window: '5m', condition: 'gt', threshold: 1, groupBy: ['status'] },
  { id: 'never', name: 'NeverP95', metric: H, aggregation: 'p95', window: '5m', condition: 'gt', threshold: 10, groupBy: ['route'] },
  { id: 'never-orders', name: 'NeverOrders', metric: 'orders_total', aggregation: 'sum', window: '5m', condition: 'gt', threshold: 1e6 },
];

/** `name{labels} value` lines of a text 0.0.4 exposition (test labels hold no spaces). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

describe('exported rules fire in Prometheus where pulsewatch fires', () => {
  it('promtool test rules over the scraped exposition expects exactly the alerts pulsewatch fired', async () => {
    const s = setup({ alerts: { evaluationInterval: STEP } });
    const h = s.monitor.histogram({ name: H, help: 'Request duration', labelNames: ['route', 'status'], buckets: [0.1, 0.25, 0.5, 1, 2.5, 5] });
    const orders = s.monitor.counter({ name: 'orders_total', help: 'Orders', labelNames: ['status'] });
    for (const rule of RULES) await s.monitor.alerts.createRule(rule);

    const scraped = new Map<string, number[]>();
    const scrape = (step: number): void => {
      for (const [series, value] of samples(s.monitor.exportPrometheusMetrics({ format: 'prometheus', names: [H, 'orders_total'] }))) {
        let values = scraped.get(series);
        if (values === undefined) scraped.set(series, (values = []));
        while (values.length < step) values.push(Number.NaN); // absent before it existed
        values.push(value);
      }
    };
    scrape(0);
    for (let step = 1; step <= STEPS; step++) {
      // Each 15 s: /fast at 50 ms, /slow at 2 s, one 500 in ten; 30 paid and 3 failed orders.
      for (let i = 0; i < 20; i++) h.observe(0.05, { route: '/fast', status: i % 10 === 0 ? '500' : '200' });
      for (let i = 0; i < 10; i++) h.observe(2, { route: '/slow', status: '200' });
      orders.inc(30, { status: 'paid' });
      orders.inc(3, { status: 'failed' });
      await s.advance(STEP);
      scrape(step);
    }
    const fired = s.monitor.alerts
      .getActiveAlerts()
      .filter((a) => a.status === 'firing')
      .map((a) => `${a.ruleName}${a.labels['route'] === undefined ? '' : ` route=${a.labels['route']}`}${a.labels['status'] === undefined ? '' : ` status=${a.labels['status']}`}`)
      .sort();
    expect(fired).toEqual(['Compliance route=/slow', 'ErrorRate', 'OrdersRate status=paid', 'SlowAvg route=/slow', 'SlowP95 route=/slow']);

    const exported = toPrometheusRules(s.monitor.alerts.getRules(), { metrics: s.monitor, interval: STEP });
    expect(exported.skipped).toEqual([]);
    const byName = new Map(exported.groups[0]!.rules.map((r) => [r.alert, r]));
    const expected = (alertname: string) =>
      s.monitor.alerts
        .getActiveAlerts()
        .filter((a) => a.ruleName === alertname && a.status === 'firing')
        .map((a) => ({
          exp_labels: { ...byName.get(alertname)!.labels, ...Object.fromEntries(Object.entries(a.labels).filter(([k]) => k === 'route' || k === 'status')) },
          exp_annotations: byName.get(alertname)!.annotations,
        }));

    const dir = mkdtempSync(join(tmpdir(), 'pw-parity-'));
    writeFileSync(join(dir, 'rules.yml'), exported.yaml);
    const test = {
      rule_files: ['rules.yml'],
      evaluation_interval: '15s',
      tests: [
        {
          interval: '15s',
          input_series: [...scraped].map(([series, values]) => ({ series, values: values.map((v) => (Number.isNaN(v) ? '_' : String(v))).join(' ') })),
          alert_rule_test: RULES.map((r) => ({ eval_time: `${(STEPS * STEP) / MINUTE}m`, alertname: r.name, exp_alerts: expected(r.name) })),
        },
      ],
    };
    // JSON is YAML: promtool reads the test file as is.
    writeFileSync(join(dir, 'test.yml'), JSON.stringify(test, null, 1));
    expect(test.tests[0]!.alert_rule_test.filter((t) => t.exp_alerts.length > 0).length).toBe(5);
    const run = promtool(['test', 'rules', join(dir, 'test.yml')]);
    expect(run.stdout + run.stderr).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });
});
