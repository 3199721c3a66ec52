/**
 * Rules read the fleet's data through the window query: two monitors on one MemoryStorage stand
 * for two instances; only `b` evaluates. Its rules see `a`'s flushed data, metrics `b` never
 * defined, and series only the store knows.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { MINUTE, SECOND, T0, firingValue, probe, setup } from './support.js';

function pair(options: { seriesTtl?: number } = {}) {
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now() });
  const common = { storage, alerts: { evaluationInterval: '1h' as const }, limits: { seriesTtl: options.seriesTtl ?? 3_600_000 } };
  return { clock, a: setup(common, clock), b: setup(common, clock) };
}

describe('rules over the fleet', () => {
  it('evaluate a metric this process never defined from the store', async () => {
    const { a, b } = pair();
    const h = a.monitor.histogram({ name: 'latency_ms', help: 'Latency' });
    for (let v = 1; v <= 100; v++) h.observe(v);
    await a.monitor.flush();
    const rule = await b.monitor.alerts.createRule(probe('fleet p95', 'latency_ms', { aggregation: 'p95', window: '5m' }));
    expect(b.monitor.getMetric('latency_ms')).toBeUndefined();
    await b.advance(SECOND);
    expect(Math.abs(firingValue(b.monitor, rule.id)! - 95) / 95).toBeLessThan(0.01);
    expect(b.events.errors).toEqual([]);
  });

  it('report an aggregation that does not apply to the kind the store holds', async () => {
    const { a, b } = pair();
    a.monitor.counter({ name: 'orders_total', help: 'Orders' }).inc(3);
    await a.monitor.flush();
    await b.monitor.alerts.createRule(probe('misfit', 'orders_total', { aggregation: 'p95' }));
    await b.advance(SECOND);
    expect(b.monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(b.events.errors.map((e) => e.message)).toEqual([expect.stringMatching(/p95 does not apply to counter "orders_total"/)]);
  });

  it('group series only the store knows with the ones in memory', async () => {
    const { a, b } = pair();
    a.monitor.histogram({ name: 'latency_ms', help: 'Latency', labelNames: ['route'] }).observe(10, { route: '/a' });
    b.monitor.histogram({ name: 'latency_ms', help: 'Latency', labelNames: ['route'] }).observe(20, { route: '/b' });
    await a.monitor.flush();
    const rule = await b.monitor.alerts.createRule(probe('per route', 'latency_ms', { aggregation: 'max', window: '5m', groupBy: ['route'] }));
    await b.advance(SECOND);
    expect([firingValue(b.monitor, rule.id, { route: '/a' }), firingValue(b.monitor, rule.id, { route: '/b' })]).toEqual([10, 20]);
  });

  it('keep evaluating a series evicted from memory, from its stored rollups', async () => {
    const { clock, b } = pair({ seriesTtl: 60_000 });
    const c = b.monitor.counter({ name: 'jobs_total', help: 'Jobs', labelNames: ['queue'] });
    c.inc({ queue: 'mail' }, 7);
    const rule = await b.monitor.alerts.createRule(probe('jobs', 'jobs_total', { aggregation: 'sum', window: '5m', groupBy: ['queue'] }));
    await clock.advanceAsync(3 * MINUTE); // idle past seriesTtl: evicted at a slot close
    await b.monitor.flush();
    expect(b.monitor.exportPrometheusMetrics()).not.toContain('jobs_total{queue="mail"}');
    await b.advance(SECOND);
    expect(firingValue(b.monitor, rule.id, { queue: 'mail' })).toBe(7);
  });

  it('sum a counter over instances from the window start: 100 + 100 fire `sum > 150`', async () => {
    const { clock, a, b } = pair();
    a.monitor.counter({ name: 'sales_total', help: 'Sales' }).inc(100);
    b.monitor.counter({ name: 'sales_total', help: 'Sales' }).inc(100);
    // Counted before b's engine ever evaluated: it counts.
    await clock.advanceAsync(30 * SECOND);
    await a.monitor.flush();
    await b.monitor.alerts.createRule({ name: 'sales', metric: 'sales_total', aggregation: 'sum', window: '5m', condition: 'gt', threshold: 150 });
    await b.advance(SECOND);
    expect(b.monitor.alerts.getActiveAlerts().map((x) => x.value)).toEqual([200]);
  });
});
