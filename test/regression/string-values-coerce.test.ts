// '7' >= 0 is true in JavaScript, so a range check alone let strings through, and `sum += '7'`
// turned a histogram's sum into a string. Every recording path checks typeof first.
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

describe('regression: numeric strings recorded as values', () => {
  it('are rejected by histograms, bound histograms and counters, leaving sums numeric', async () => {
    const monitor = createMonitor({ clock: new ManualClock() });
    let errors = 0;
    monitor.on('error', () => errors++);
    const h = monitor.histogram({ name: 'h' });
    const c = monitor.counter({ name: 'c_total' });
    h.observe(1);
    h.observe('7' as unknown as number);
    h.labels({}).observe('8' as unknown as number);
    c.inc('3' as unknown as number);
    c.labels({}).inc('4' as unknown as number);
    const agg = await monitor.getAggregatedMetrics({ name: 'h' });
    expect(agg.sum).toBe(1);
    expect(typeof agg.sum).toBe('number');
    expect(c.get()).toBe(0);
    expect(errors).toBe(4);
  });
});
