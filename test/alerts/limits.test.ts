/**
 * Bounds of the rule engine: rules per monitor (`limits.maxRules`) and alerts per rule
 * (Prometheus' rule `limit`, capped by `limits.maxAlertsPerRule`).
 */
import { describe, expect, it } from 'vitest';
import { LimitError, MemoryStorage, isLimitError, type DroppedEvent, type Monitor, type StoredRule } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { SECOND, T0, probe, setup } from './support.js';

/** Drop events of one reason. */
function drops(monitor: Monitor, reason: DroppedEvent['reason']): DroppedEvent[] {
  const out: DroppedEvent[] = [];
  monitor.on('dropped', (e) => {
    if (e.reason === reason) out.push(e);
  });
  return out;
}

/** A `route` gauge with `n` series (route r0 ... r<n-1>), each set to 1. */
function routes(monitor: Monitor, n: number, from = 0) {
  const g = monitor.gauge({ name: 'level', labelNames: ['route'] });
  for (let i = from; i < n; i++) g.set(1, { route: `r${i}` });
  return g;
}

const stored = (i: number): StoredRule => ({ id: `rule-${String(i).padStart(4, '0')}`, name: `rule ${i}`, createdAt: T0 + i, updatedAt: T0 + i, metric: 'level', condition: 'gt', threshold: 5 });

describe('limits.maxRules', () => {
  it('rejects createRule past 500 rules with a LimitError and keeps the 500', async () => {
    const { monitor } = setup();
    for (let i = 0; i < 500; i++) await monitor.alerts.createRule(probe(`r${i}`, 'level'));
    const error = await monitor.alerts.createRule(probe('one too many', 'level')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimitError);
    expect(error).toMatchObject({ code: 'ERR_PULSEWATCH_LIMIT', limit: 'limits.maxRules', max: 500 });
    expect(monitor.alerts.getRules()).toHaveLength(500);
    expect(monitor.alerts.getRules().some((r) => r.name === 'one too many')).toBe(false);
  });

  it('skips stored rules past the bound, oldest kept, and reports it once, not at every sync', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    for (let i = 0; i < 503; i++) await storage.saveRule(stored(i));
    const s = setup({ storage }, clock);
    await s.at(0);
    expect(s.monitor.alerts.getRules()).toHaveLength(500);
    expect(s.monitor.alerts.getRule('rule-0499')).toBeDefined();
    expect(s.monitor.alerts.getRule('rule-0500')).toBeUndefined();
    await s.at(30 * SECOND);
    await s.at(60 * SECOND);
    const limits = s.events.errors.filter(isLimitError);
    expect(limits).toHaveLength(1);
    expect(limits[0]).toMatchObject({ limit: 'limits.maxRules', max: 500 });
    expect(limits[0]!.message).toContain('3 stored rules');
  });
});

describe('alerts per rule (Prometheus rule `limit`)', () => {
  it('bounds 100 groupBy rules over 1,000 series to at most 1,000 alerts, counted as alert_limit once per rule', async () => {
    const s = setup({ alerts: { evaluationInterval: '1h' } });
    const dropped = drops(s.monitor, 'alert_limit');
    routes(s.monitor, 1000);
    for (let i = 0; i < 100; i++) await s.monitor.alerts.createRule(probe(`by route ${i}`, 'level', { aggregation: 'last', groupBy: ['route'], limit: 10 }));
    const started = performance.now();
    const first = await s.monitor.alerts.evaluate();
    const elapsed = performance.now() - started;
    expect(first.firing + first.pending).toBeLessThanOrEqual(1000);
    expect(s.monitor.alerts.getActiveAlerts().length).toBeLessThanOrEqual(1000);
    expect(await s.monitor.alerts.getAlertHistory({ limit: 2000 })).toHaveLength(0);
    // The unbounded engine took ~5 s and +284 MB here; nothing is created now.
    expect(elapsed).toBeLessThan(2500);
    expect(dropped).toEqual(Array.from({ length: 100 }, () => ({ reason: 'alert_limit', count: 1000 })));
    await s.advance(15 * SECOND);
    expect(dropped).toHaveLength(100);
    expect(s.events.errors.filter(isLimitError)).toHaveLength(100);
    expect(s.events.errors.filter(isLimitError)[0]).toMatchObject({ limit: 'limit', max: 10 });
    expect(await s.monitor.exportPrometheusMetrics()).toContain('pulsewatch_dropped_total{reason="alert_limit"} 100000');
  });

  it('fails the evaluation past the limit: firing alerts resolve, nothing fires until it is back within, then it fires afresh', async () => {
    const s = setup({ alerts: { evaluationInterval: '1h' } });
    const dropped = drops(s.monitor, 'alert_limit');
    const g = routes(s.monitor, 3);
    const rule = await s.monitor.alerts.createRule(probe('by route', 'level', { aggregation: 'last', window: '1m', groupBy: ['route'], limit: 3 }));
    await s.at(0);
    expect(s.monitor.alerts.getActiveAlerts()).toHaveLength(3);

    g.set(1, { route: 'r3' }); // four label sets: over the limit
    const over = await s.at(15 * SECOND);
    expect(over).toMatchObject({ firing: 0, pending: 0, triggered: [] });
    expect(s.monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(s.events.resolved.map((a) => a.labels.route).sort()).toEqual(['r0', 'r1', 'r2']);
    await s.at(30 * SECOND);
    await s.at(45 * SECOND);
    expect(dropped).toEqual([{ reason: 'alert_limit', count: 4 }]);
    expect(s.events.errors.filter(isLimitError).map((e) => [e.limit, e.max])).toEqual([['limit', 3]]);

    await s.monitor.alerts.updateRule(rule.id, { labels: { route: 'r0' } }); // one label set: within
    await s.at(60 * SECOND);
    expect(s.monitor.alerts.getActiveAlerts().map((a) => a.labels.route)).toEqual(['r0']);

    await s.monitor.alerts.updateRule(rule.id, { labels: {} }); // over again: reported again
    await s.at(75 * SECOND);
    expect(dropped).toHaveLength(2);
    expect(s.events.errors.filter(isLimitError)).toHaveLength(2);
    expect(s.monitor.alerts.getActiveAlerts()).toEqual([]);
  });

  it('counts pending alerts against the limit too', async () => {
    const s = setup({ alerts: { evaluationInterval: '1h' } });
    routes(s.monitor, 5);
    await s.monitor.alerts.createRule(probe('slow', 'level', { aggregation: 'last', groupBy: ['route'], duration: '10m', limit: 4 }));
    const result = await s.at(0);
    expect(result.pending).toBe(0);
    expect(s.monitor.alerts.getPendingAlerts()).toEqual([]);
    expect(s.events.errors.filter(isLimitError)).toHaveLength(1);
  });

  it('counts alerts kept firing by keepFiringFor against the limit, as Prometheus does', async () => {
    const s = setup({ alerts: { evaluationInterval: '1h' } });
    const g = s.monitor.gauge({ name: 'level', labelNames: ['route'] });
    g.set(10, { route: 'r0' });
    g.set(10, { route: 'r1' });
    await s.monitor.alerts.createRule({ name: 'high', metric: 'level', aggregation: 'last', window: '1m', condition: 'gt', threshold: 5, groupBy: ['route'], keepFiringFor: '5m', limit: 3 });
    await s.at(0);
    expect(s.monitor.alerts.getActiveAlerts()).toHaveLength(2);
    // r0 and r1 clear but keep firing; r2 and r3 start: 4 alerts against a limit of 3.
    for (const route of ['r0', 'r1']) g.set(1, { route });
    for (const route of ['r2', 'r3']) g.set(10, { route });
    await s.at(15 * SECOND);
    expect(s.monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(s.events.errors.filter(isLimitError)).toMatchObject([{ limit: 'limit', max: 3 }]);
  });

  it('limit 0 means limits.maxAlertsPerRule (1,000): 1,000 label sets fire, one more fails the rule', async () => {
    const s = setup({ alerts: { evaluationInterval: '1h' }, limits: { maxSeriesPerMetric: 2000 } });
    const g = routes(s.monitor, 1000);
    await s.monitor.alerts.createRule(probe('by route', 'level', { aggregation: 'last', window: '1m', groupBy: ['route'] }));
    await s.at(0);
    expect(s.monitor.alerts.getActiveAlerts()).toHaveLength(1000);
    g.set(1, { route: 'r1000' });
    await s.at(15 * SECOND);
    expect(s.monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(s.events.errors.filter(isLimitError)).toMatchObject([{ limit: 'limits.maxAlertsPerRule', max: 1000 }]);
  });

  it('rejects a negative or fractional limit', async () => {
    const { monitor } = setup();
    await expect(monitor.alerts.createRule(probe('neg', 'level', { limit: -1 }))).rejects.toMatchObject({ issues: [{ path: 'limit' }] });
    await expect(monitor.alerts.createRule(probe('frac', 'level', { limit: 1.5 }))).rejects.toMatchObject({ issues: [{ path: 'limit' }] });
  });
});

describe('manual alerts', () => {
  it('refuses a new manual alert past limits.maxAlertsPerRule firing ones, counted as alert_limit', async () => {
    const { monitor } = setup();
    const dropped = drops(monitor, 'alert_limit');
    for (let i = 0; i < 1000; i++) await monitor.alerts.triggerAlert({ name: 'manual', labels: { n: String(i) } });
    await expect(monitor.alerts.triggerAlert({ name: 'manual', labels: { n: 'extra' } })).rejects.toMatchObject({ code: 'ERR_PULSEWATCH_LIMIT', limit: 'limits.maxAlertsPerRule' });
    // An alert already firing is still updated.
    await expect(monitor.alerts.triggerAlert({ name: 'manual', labels: { n: '0' }, message: 'again' })).resolves.toMatchObject({ message: 'again' });
    expect(dropped).toEqual([{ reason: 'alert_limit', count: 1 }]);
    expect(monitor.alerts.getActiveAlerts()).toHaveLength(1000);
  });
});
