import { describe, expect, it } from 'vitest';
import { createMonitor, type PulsewatchError } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

function setup() {
  const monitor = createMonitor({ clock: new ManualClock() });
  const errors: PulsewatchError[] = [];
  monitor.on('error', (e) => errors.push(e));
  return { monitor, errors };
}

describe('counter', () => {
  it('counts by label set, turning numbers and booleans into label strings', () => {
    const { monitor } = setup();
    const c = monitor.counter({ name: 'requests_total', labelNames: ['method', 'status'] });
    c.inc({ method: 'GET', status: 200 });
    c.inc({ method: 'GET', status: '200' }, 2);
    c.labels({ method: 'POST', status: 500 }).inc();
    expect(c.get({ method: 'GET', status: '200' })).toBe(3);
    expect(c.get({ method: 'POST', status: '500' })).toBe(1);
    expect(c.seriesCount).toBe(2);
  });

  it('accepts inc(amount) on an unlabeled counter', () => {
    const { monitor } = setup();
    const c = monitor.counter({ name: 'bytes_total' });
    c.inc(10);
    c.inc();
    expect(c.get()).toBe(11);
  });

  it('drops negative, NaN, infinite and non-number increments and reports them', () => {
    const { monitor, errors } = setup();
    const c = monitor.counter({ name: 'x_total' });
    c.inc(-1);
    c.inc(Number.NaN);
    c.labels({}).inc(Infinity);
    c.inc('3' as unknown as number);
    expect(c.get()).toBe(0);
    expect(errors.map((e) => e.code)).toEqual(Array(4).fill('ERR_PULSEWATCH_VALIDATION'));
  });

  it('treats a missing label as the empty value, as Prometheus does', () => {
    const { monitor } = setup();
    const c = monitor.counter({ name: 'y_total', labelNames: ['a', 'b'] });
    c.inc({ a: 'x' });
    expect(c.get({ a: 'x', b: '' })).toBe(1);
  });

  it('reports unusable label values instead of throwing', () => {
    const { monitor, errors } = setup();
    const c = monitor.counter({ name: 'z_total', labelNames: ['a'] });
    c.inc({ a: {} as unknown as string });
    expect(c.seriesCount).toBe(0);
    expect(errors).toHaveLength(1);
  });
});

describe('gauge', () => {
  it('sets, increments and decrements', () => {
    const { monitor } = setup();
    const g = monitor.gauge({ name: 'queue_depth', labelNames: ['queue'] });
    g.set(5, { queue: 'a' });
    g.inc({ queue: 'a' }, 3);
    g.dec({ queue: 'a' });
    const bound = g.labels({ queue: 'b' });
    bound.set(-2);
    bound.inc();
    expect(g.get({ queue: 'a' })).toBe(7);
    expect(g.get({ queue: 'b' })).toBe(-1);
  });

  it('reads its value from collect before exposition, and reports a throwing collect', () => {
    const { monitor, errors } = setup();
    let depth = 4;
    monitor.gauge({ name: 'depth', collect: () => depth });
    expect(monitor.exportPrometheusMetrics()).toContain('depth 4\n');
    depth = 9;
    expect(monitor.exportPrometheusMetrics()).toContain('depth 9\n');
    monitor.gauge({
      name: 'broken',
      collect: () => {
        throw new Error('db down');
      },
    });
    expect(() => monitor.exportPrometheusMetrics()).not.toThrow();
    expect(errors.some((e) => e.message.includes('broken'))).toBe(true);
  });

  it('lets collect set labeled series', () => {
    const { monitor } = setup();
    const g = monitor.gauge({
      name: 'pool_connections',
      labelNames: ['state'],
      collect: (gauge) => {
        gauge.set(3, { state: 'idle' });
        gauge.set(7, { state: 'busy' });
      },
    });
    expect(g.get({ state: 'busy' })).toBe(7);
  });

  it('accepts infinities but drops NaN', () => {
    const { monitor, errors } = setup();
    const g = monitor.gauge({ name: 'g' });
    g.set(Infinity);
    g.set(Number.NaN);
    expect(g.get()).toBe(Infinity);
    expect(errors).toHaveLength(1);
  });
});

describe('two monitors', () => {
  it('share nothing: the same metric name lives independently in each', () => {
    const a = createMonitor({ clock: new ManualClock() });
    const b = createMonitor({ clock: new ManualClock() });
    a.counter({ name: 'hits_total' }).inc(5);
    expect(b.counter({ name: 'hits_total' }).get()).toBe(0);
  });
});
