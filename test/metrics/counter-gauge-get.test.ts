// counter.get(labels) and gauge.get(labels) are reads: they find a live series by its labels and
// create none. A lookup there made a series for labels of none (exposed at 0), brought a removed
// series back into /metrics, and past maxSeries folded reads into the overflow series with a warning.
import { describe, expect, it, vi } from 'vitest';
import { createMonitor, MemoryStorage } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

function setup() {
  const clock = new ManualClock(Date.parse('2026-12-07T00:00:10Z'));
  const warn = vi.fn();
  const monitor = createMonitor({ clock, storage: new MemoryStorage({ now: () => clock.now() }), instanceId: 'm2-get', logger: { warn } });
  return { monitor, warn };
}

const lines = (text: string, prefix: string): string[] => text.split('\n').filter((l) => l.startsWith(prefix));

describe('counter.get and gauge.get', () => {
  it('read a removed series as 0 and leave it out of /metrics', () => {
    const { monitor } = setup();
    const c = monitor.counter({ name: 'get_total', labelNames: ['route'] });
    const g = monitor.gauge({ name: 'get_g', labelNames: ['route'] });
    c.inc(3, { route: '/a' });
    g.set(4, { route: '/a' });
    expect(c.get({ route: '/a' })).toBe(3);
    expect(g.get({ route: '/a' })).toBe(4);
    c.remove({ route: '/a' });
    g.remove({ route: '/a' });
    expect(c.get({ route: '/a' })).toBe(0);
    expect(g.get({ route: '/a' })).toBe(0);
    const text = monitor.exportPrometheusMetrics();
    expect(lines(text, 'get_total{')).toEqual([]);
    expect(lines(text, 'get_g{')).toEqual([]);
    expect(c.seriesCount + g.seriesCount).toBe(0);
  });

  it('read labels of no series as 0 without making one, past maxSeries too: no overflow, no warning', () => {
    const { monitor, warn } = setup();
    const c = monitor.counter({ name: 'reads_total', labelNames: ['route'], maxSeries: 1 });
    const g = monitor.gauge({ name: 'reads_g', labelNames: ['route'], maxSeries: 1 });
    c.inc({ route: '/a' });
    g.set(1, { route: '/a' });
    for (const route of ['/x', '/y', '/z']) {
      expect(c.get({ route })).toBe(0);
      expect(g.get({ route })).toBe(0);
    }
    expect(c.seriesCount).toBe(1);
    expect(g.seriesCount).toBe(1);
    expect(c.overflowCount + g.overflowCount).toBe(0);
    expect(warn).not.toHaveBeenCalled();
    // The unlabeled series reads 0 before it counted.
    expect(monitor.counter({ name: 'plain_total' }).get()).toBe(0);
  });
});
