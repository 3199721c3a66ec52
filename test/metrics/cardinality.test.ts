import { describe, expect, it } from 'vitest';
import { CardinalityError, OVERFLOW_LABEL_VALUE, createMonitor, type PulsewatchError } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

describe('series limit', () => {
  it('folds label sets past the limit into one overflow series, counts them and reports once', () => {
    const monitor = createMonitor({ clock: new ManualClock(), limits: { maxSeriesPerMetric: 3 } });
    const errors: PulsewatchError[] = [];
    monitor.on('error', (e) => errors.push(e));
    const c = monitor.counter({ name: 'by_user_total', labelNames: ['user'] });
    for (let i = 0; i < 10; i++) c.inc({ user: `u${i}` });
    c.inc({ user: 'u0' });
    expect(c.seriesCount).toBe(4);
    expect(c.get({ user: 'u0' })).toBe(2);
    expect(c.overflowCount).toBe(7);
    const text = monitor.exportPrometheusMetrics();
    expect(text).toContain(`by_user_total{user="${OVERFLOW_LABEL_VALUE}"} 7`);
    expect(text).toContain('pulsewatch_series_overflow_total{metric="by_user_total"} 7');
    expect(errors.filter((e) => e instanceof CardinalityError)).toHaveLength(1);
  });

  it('takes a per-metric limit over the monitor default', () => {
    const monitor = createMonitor({ clock: new ManualClock() });
    const h = monitor.histogram({ name: 'h', labelNames: ['k'], maxSeries: 2 });
    for (let i = 0; i < 5; i++) h.observe(1, { k: String(i) });
    expect(h.seriesCount).toBe(3);
  });
});

describe('idle series eviction', () => {
  it('evicts counter and histogram series idle past the TTL, but never gauges', () => {
    const clock = new ManualClock();
    const monitor = createMonitor({ clock, limits: { seriesTtl: '5m' } });
    const c = monitor.counter({ name: 'c_total', labelNames: ['k'] });
    const h = monitor.histogram({ name: 'h', labelNames: ['k'] });
    const g = monitor.gauge({ name: 'g', labelNames: ['k'] });
    c.inc({ k: 'old' });
    h.observe(1, { k: 'old' });
    g.set(1, { k: 'old' });
    clock.advance(10 * 60_000);
    c.inc({ k: 'new' });
    clock.advance(60_000);
    expect(c.seriesCount).toBe(1);
    expect(h.seriesCount).toBe(0);
    expect(g.seriesCount).toBe(1);
    const text = monitor.exportPrometheusMetrics();
    expect(text).not.toContain('c_total{k="old"}');
    expect(text).not.toContain('h_count{k="old"}');
    expect(text).toContain('g{k="old"} 1');
  });

  it('brings an evicted series back when its bound handle writes again, losing nothing', async () => {
    const clock = new ManualClock();
    const monitor = createMonitor({ clock, limits: { seriesTtl: '5m' } });
    const h = monitor.histogram({ name: 'h', labelNames: ['k'] });
    const bound = h.labels({ k: 'kept' });
    bound.observe(1);
    clock.advance(10 * 60_000);
    expect(h.seriesCount).toBe(0);
    bound.observe(2);
    expect(h.seriesCount).toBe(1);
    const agg = await monitor.getAggregatedMetrics({ name: 'h', labels: { k: 'kept' }, window: '1m' });
    expect(agg.sum).toBe(2);
    // The labeled path finds the same series, not a second one.
    h.observe(3, { k: 'kept' });
    expect(h.seriesCount).toBe(1);
  });

  it('keeps series forever with a TTL of 0', () => {
    const clock = new ManualClock();
    const monitor = createMonitor({ clock, limits: { seriesTtl: 0 } });
    const c = monitor.counter({ name: 'c_total', labelNames: ['k'] });
    c.inc({ k: 'old' });
    clock.advance(24 * 3_600_000);
    expect(c.seriesCount).toBe(1);
  });
});

describe('unlabeled metrics', () => {
  it('are never evicted, so an idle total does not reset', () => {
    const clock = new ManualClock();
    const monitor = createMonitor({ clock, limits: { seriesTtl: '5m' } });
    const c = monitor.counter({ name: 'total_jobs_total' });
    c.inc(7);
    clock.advance(2 * 3_600_000);
    expect(c.get()).toBe(7);
    expect(monitor.exportPrometheusMetrics()).toContain('total_jobs_total 7\n');
  });
});
