import { describe, expect, it } from 'vitest';
import { createMonitor, type PulsewatchError } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

function setup() {
  const monitor = createMonitor({ clock: new ManualClock() });
  const errors: PulsewatchError[] = [];
  monitor.on('error', (e) => errors.push(e));
  return { monitor, errors };
}

describe('one argument order: value first, labels second', () => {
  it('counter.inc(value, labels) adds value to the series of labels', () => {
    const { monitor, errors } = setup();
    const c = monitor.counter({ name: 'jobs_total', labelNames: ['queue'] });
    c.inc(3, { queue: 'mail' });
    c.inc(undefined, { queue: 'mail' });
    c.labels({ queue: 'mail' }).inc(2);
    expect(c.get({ queue: 'mail' })).toBe(6);
    expect(errors).toEqual([]);
  });

  it('gauge.set, inc and dec take the value first', () => {
    const { monitor, errors } = setup();
    const g = monitor.gauge({ name: 'queue_depth', labelNames: ['queue'] });
    g.set(10, { queue: 'mail' });
    g.inc(5, { queue: 'mail' });
    g.dec(2, { queue: 'mail' });
    g.inc(undefined, { queue: 'mail' });
    g.dec();
    expect(g.get({ queue: 'mail' })).toBe(14);
    expect(g.get()).toBe(-1);
    expect(errors).toEqual([]);
  });

  it('histogram.observe(value, labels) records in the series of labels', async () => {
    const { monitor, errors } = setup();
    const h = monitor.histogram({ name: 'op_seconds', labelNames: ['op'], unit: 'seconds' });
    h.observe(0.5, { op: 'read' });
    h.labels({ op: 'read' }).observe(1.5);
    const agg = await monitor.getAggregatedMetrics({ name: 'op_seconds', labels: { op: 'read' } });
    expect(agg.count).toBe(2);
    expect(agg.sum).toBe(2);
    expect(errors).toEqual([]);
  });
});

describe("prom-client's order (labels, value) keeps working", () => {
  it('counter.inc(labels) and inc(labels, value)', () => {
    const { monitor, errors } = setup();
    const c = monitor.counter({ name: 'requests_total', labelNames: ['route'] });
    c.inc({ route: '/a' });
    c.inc({ route: '/a' }, 4);
    expect(c.get({ route: '/a' })).toBe(5);
    expect(errors).toEqual([]);
  });

  it('gauge.set(labels, value), inc(labels, value) and dec(labels)', () => {
    const { monitor, errors } = setup();
    const g = monitor.gauge({ name: 'in_flight', labelNames: ['route'] });
    g.set({ route: '/a' }, 7);
    g.inc({ route: '/a' }, 3);
    g.dec({ route: '/a' });
    expect(g.get({ route: '/a' })).toBe(9);
    expect(errors).toEqual([]);
  });

  it('histogram.observe(labels, value)', async () => {
    const { monitor, errors } = setup();
    const h = monitor.histogram({ name: 'op_seconds', labelNames: ['op'], unit: 'seconds' });
    h.observe({ op: 'write' }, 0.25);
    const agg = await monitor.getAggregatedMetrics({ name: 'op_seconds', labels: { op: 'write' } });
    expect(agg.count).toBe(1);
    expect(agg.sum).toBe(0.25);
    expect(errors).toEqual([]);
  });

  it('a bad value in either order is dropped and reported, creating no series', () => {
    const { monitor, errors } = setup();
    const c = monitor.counter({ name: 'x_total', labelNames: ['k'] });
    const g = monitor.gauge({ name: 'y', labelNames: ['k'] });
    const h = monitor.histogram({ name: 'z_seconds', labelNames: ['k'], unit: 'seconds' });
    c.inc({ k: 'a' }, -1);
    c.inc(-1, { k: 'a' });
    g.set({ k: 'a' }, Number.NaN);
    g.inc({ k: 'a' }, '1' as unknown as number);
    h.observe({ k: 'a' }, -1);
    h.observe({ k: 'a' }, { k: 'b' } as unknown as number);
    expect(errors.map((e) => e.code)).toEqual(Array(6).fill('ERR_PULSEWATCH_VALIDATION'));
    expect([c.seriesCount, g.seriesCount, h.seriesCount]).toEqual([0, 0, 0]);
  });

  it('labels that are not an object in the value-first order are reported as labels', () => {
    const { monitor, errors } = setup();
    const c = monitor.counter({ name: 'x_total', labelNames: ['k'] });
    c.inc(1, 'a' as unknown as { k: string });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/labels/);
    expect(c.seriesCount).toBe(0);
  });
});
