import { describe, expectTypeOf, it } from 'vitest';
import { createMonitor, type AggregatedMetrics, type DroppedEvent, type MonitorOptions, type MonitorSnapshot, type PulsewatchError } from '../../src/index.js';

const monitor = createMonitor();

describe('metric label types', () => {
  it('infers label names from labelNames', () => {
    const c = monitor.counter({ name: 'a_total', labelNames: ['method', 'status'] });
    c.inc({ method: 'GET', status: 200 });
    // @ts-expect-error unknown label name
    c.inc({ methd: 'GET' });
    const h = monitor.histogram({ name: 'b_seconds', labelNames: ['route'], unit: 'seconds' });
    h.observe(0.1, { route: '/x' });
    // @ts-expect-error unknown label name on a bound handle
    h.labels({ rout: '/x' });
    expectTypeOf(h.startTimer()).returns.toEqualTypeOf<number>();
  });
});

describe('argument order', () => {
  it('takes the value first on every metric, and the labels-first order as an overload', () => {
    const c = monitor.counter({ name: 'o_total', labelNames: ['route'] });
    c.inc();
    c.inc(2, { route: '/a' });
    c.inc({ route: '/a' }, 2);
    // @ts-expect-error unknown label name, value first
    c.inc(2, { rout: '/a' });
    // @ts-expect-error a string is no amount
    c.inc('2', { route: '/a' });
    const g = monitor.gauge({ name: 'o_gauge', labelNames: ['route'] });
    g.set(1, { route: '/a' });
    g.set({ route: '/a' }, 1);
    g.inc(1, { route: '/a' });
    g.dec({ route: '/a' }, 1);
    // @ts-expect-error set needs a value
    g.set({ route: '/a' });
    const h = monitor.histogram({ name: 'o_seconds', labelNames: ['route'], unit: 'seconds' });
    h.observe(0.1, { route: '/a' });
    h.observe({ route: '/a' }, 0.1);
    // @ts-expect-error unknown label name, labels first
    h.observe({ rout: '/a' }, 0.1);
  });
});

describe('event payloads', () => {
  it('types each listener by event name and returns an unsubscribe function', () => {
    const off = monitor.on('error', (e) => expectTypeOf(e).toEqualTypeOf<PulsewatchError>());
    expectTypeOf(off).toEqualTypeOf<() => void>();
    monitor.on('dropped', (e) => expectTypeOf(e).toEqualTypeOf<DroppedEvent>());
    // @ts-expect-error not an event
    monitor.on('nope', () => {});
  });
});

describe('options', () => {
  it('accepts durations as strings or ms and leaves every field optional', () => {
    expectTypeOf<MonitorOptions>().toMatchTypeOf<{ flush?: { interval?: number | string } }>();
    createMonitor({ flush: { interval: '10s' }, histogram: { slotLength: 60_000 } });
  });
});

describe('window reads', () => {
  it('returns the snapshot and the aggregate as promises', () => {
    expectTypeOf(monitor.snapshot()).toEqualTypeOf<Promise<MonitorSnapshot>>();
    expectTypeOf(monitor.getAggregatedMetrics({ name: 'x' })).toEqualTypeOf<Promise<AggregatedMetrics>>();
    expectTypeOf<AggregatedMetrics['unit']>().toEqualTypeOf<string | undefined>();
  });
});
