// A handle bound before its series was removed writes through to the series of its label set
// that a lookup made since (Metric.writeThrough): every kind of write lands there once, and the
// handle then reads that series' value, not its own stale one.
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

const monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function setup(): Monitor {
  const monitor = createMonitor({ clock: new ManualClock(Date.UTC(2026, 0, 1)), storage: new MemoryStorage(), logger: false });
  monitors.push(monitor);
  return monitor;
}

describe('a handle whose series was removed', () => {
  it('counter: inc adds to the live series, and the handle reads its total', () => {
    const c = setup().counter({ name: 'orders_total', labelNames: ['shop'] });
    const handle = c.labels({ shop: 'a' });
    handle.inc(10);
    c.remove({ shop: 'a' });
    c.inc(4, { shop: 'a' });
    handle.inc(3);
    expect(handle.value).toBe(7);
    expect(c.get({ shop: 'a' })).toBe(7);
    expect(c.seriesCount).toBe(1);
  });

  it('gauge: set, inc and dec reach the live series, and the handle reads its value after each', () => {
    const g = setup().gauge({ name: 'pool_conn', labelNames: ['pool'] });
    const handle = g.labels({ pool: 'a' });
    handle.set(100);
    g.remove({ pool: 'a' });
    g.set(5, { pool: 'a' });
    handle.inc(2);
    expect([handle.value, g.get({ pool: 'a' })]).toEqual([7, 7]);
    g.remove({ pool: 'a' });
    g.set(20, { pool: 'a' });
    handle.dec(5);
    expect([handle.value, g.get({ pool: 'a' })]).toEqual([15, 15]);
    g.remove({ pool: 'a' });
    g.set(1, { pool: 'a' });
    handle.set(9);
    expect([handle.value, g.get({ pool: 'a' })]).toEqual([9, 9]);
    expect(g.seriesCount).toBe(1);
  });

  it('histogram: observe records into the live series and says so', () => {
    const monitor = setup();
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds', labelNames: ['route'] });
    const handle = h.labels({ route: '/a' });
    handle.observe(10);
    h.remove({ route: '/a' });
    h.observe(20, { route: '/a' });
    expect(handle.observe(30)).toBe(true);
    expect(h.seriesCount).toBe(1);
    const count = monitor
      .exportPrometheusMetrics()
      .split('\n')
      .find((l) => l.startsWith('latency_milliseconds_count{'));
    // The series made again exposes counts from the removal on (Histogram.restart): 20 and 30.
    expect(count).toBe('latency_milliseconds_count{route="/a"} 2');
  });
});
