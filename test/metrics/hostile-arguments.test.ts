// Whatever a JavaScript caller passes as labels or values, the recording API drops it, counts it
// (invalid_value) and reports it, and never throws outside strict mode. `inc(null)` used to throw
// a TypeError from the label lookup.
import { describe, expect, it } from 'vitest';
import { ValidationError, createMonitor, type Monitor, type MonitorOptions } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { T0, recordEvents } from '../helpers/monitor-harness.js';

const revoked = Proxy.revocable({}, {});
revoked.revoke();

/** Values a caller may pass where labels go, none of them a usable label object. */
const HOSTILE_LABELS: [string, unknown][] = [
  ['null', null],
  ['a string', 'route'],
  ['an array', ['/a']],
  ['a Symbol', Symbol('labels')],
  ['a function', () => ({})],
  ['an object whose getter throws', { get route(): string { throw new Error('getter'); } }],
  ['a proxy whose traps throw', new Proxy({ route: '/a' }, { get() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); } })],
  ['a revoked proxy', revoked.proxy],
  ['an object with a Symbol value', { route: Symbol('value') }],
  ['an object with an object value', { route: { toString: () => '/a' } }],
];

/** Values a caller may pass where a number goes. */
const HOSTILE_VALUES: [string, unknown][] = [
  ['null', null],
  ['a string', '5'],
  ['a Symbol', Symbol('value')],
  ['an object with a throwing valueOf', { valueOf() { throw new Error('valueOf'); } }],
  ['a bigint', 5n],
  ['NaN', Number.NaN],
];

function setup(options: MonitorOptions = {}) {
  const monitor = createMonitor({ ...options, clock: new ManualClock(T0) });
  const events = recordEvents(monitor);
  const invalid = () => (monitor.getMetric('pulsewatch_dropped_total') as { get(l: object): number }).get({ reason: 'invalid_value' });
  return { monitor, events, invalid };
}

/** Every recording call of every metric kind with `labels`; each is one drop. */
function callsWithLabels(monitor: Monitor, labels: unknown): (() => unknown)[] {
  const l = labels as never;
  const c = monitor.counter({ name: 'c_total', labelNames: ['route'] });
  const g = monitor.gauge({ name: 'g', labelNames: ['route'] });
  const h = monitor.histogram({ name: 'h', labelNames: ['route'] });
  return [
    () => c.inc(l),
    () => c.inc(l, 2),
    () => c.labels(l).inc(),
    () => g.set(1, l),
    () => g.inc(l),
    () => g.dec(l),
    () => g.labels(l).set(1),
    () => h.observe(1, l),
    () => h.labels(l).observe(1),
    () => h.startTimer(l)(),
    () => h.startTimer({ route: '/a' })(l),
  ];
}

describe('hostile labels', () => {
  it.each(HOSTILE_LABELS)('drops, counts and reports %s as labels without throwing', (_, labels) => {
    const { monitor, events, invalid } = setup();
    const calls = callsWithLabels(monitor, labels);
    for (const call of calls) expect(call).not.toThrow();
    expect(invalid()).toBe(calls.length);
    expect(events.errors).toHaveLength(calls.length);
    expect(events.errors.every((e) => e instanceof ValidationError)).toBe(true);
    // Nothing was recorded, so no series exists (the unlabeled counter's one aside, never written).
    for (const name of ['c_total', 'g', 'h']) expect(monitor.getMetric(name)!.seriesCount).toBe(0);
  });

  it.each(HOSTILE_LABELS)('throws a ValidationError for %s as labels in strict mode', (_, labels) => {
    const { monitor } = setup({ strict: true });
    for (const call of callsWithLabels(monitor, labels)) expect(call).toThrow(ValidationError);
  });

  it('refuses what is no object as the labels of an unlabeled metric, and ignores the contents of an object', () => {
    const { monitor, invalid } = setup();
    const c = monitor.counter({ name: 'plain_total' });
    for (const labels of [null, 'x', Symbol('x'), ['x'], revoked.proxy]) expect(() => c.inc(labels as never)).not.toThrow();
    expect(invalid()).toBe(5);
    // Labels a metric does not declare are ignored, for unlabeled metrics as for labeled ones.
    c.inc({ route: Symbol('x') } as never);
    expect(c.get()).toBe(1);
  });

  it('takes a lone number as the amount of counters and gauges (value first), and refuses a number as labels', () => {
    const { monitor, invalid } = setup();
    const c = monitor.counter({ name: 'c_total' });
    const g = monitor.gauge({ name: 'g' });
    const h = monitor.histogram({ name: 'h' });
    c.inc(42);
    g.inc(42);
    h.observe(1, 42 as never);
    expect(c.get()).toBe(42);
    expect(g.get()).toBe(42);
    expect(invalid()).toBe(1);
  });

  it('reads a metric with hostile labels as 0, without throwing or creating a series', () => {
    const { monitor } = setup();
    const c = monitor.counter({ name: 'c_total', labelNames: ['route'] });
    for (const [, labels] of HOSTILE_LABELS) expect(c.get(labels as never)).toBe(0);
    expect(c.seriesCount).toBe(0);
  });

  it('records into a recordMetric histogram through its public observe with free-form labels', () => {
    const { monitor, events } = setup();
    monitor.recordMetric({ metricType: 'latency_ms', value: 1, tags: { route: '/a' } });
    const h = monitor.getMetric('latency_ms') as unknown as { observe(value: number, labels: object): void; seriesCount: number };
    expect(() => h.observe(2, { route: '/a' })).not.toThrow();
    expect(() => h.observe(2, { 'not a name': 'x' } as never)).not.toThrow();
    expect(h.seriesCount).toBe(1);
    expect(events.errors).toHaveLength(1);
  });
});

describe('hostile values', () => {
  it.each(HOSTILE_VALUES)('drops, counts and reports %s as a value without throwing or creating a series', (_, value) => {
    const { monitor, events, invalid } = setup();
    const v = value as never;
    const c = monitor.counter({ name: 'c_total', labelNames: ['route'] });
    const g = monitor.gauge({ name: 'g', labelNames: ['route'] });
    const h = monitor.histogram({ name: 'h', labelNames: ['route'] });
    const calls = [
      () => c.inc({ route: '/a' }, v),
      () => g.set(v, { route: '/a' }),
      () => g.inc({ route: '/a' }, v),
      () => g.dec({ route: '/a' }, v),
      () => h.observe(v, { route: '/a' }),
    ];
    for (const call of calls) expect(call).not.toThrow();
    expect(invalid()).toBe(calls.length);
    expect(events.errors).toHaveLength(calls.length);
    for (const m of [c, g, h]) expect(m.seriesCount).toBe(0);
    // Bound series check their values too.
    const bound = [() => c.labels({ route: '/a' }).inc(v), () => g.labels({ route: '/a' }).inc(v), () => g.labels({ route: '/a' }).set(v), () => h.labels({ route: '/a' }).observe(v)];
    for (const call of bound) expect(call).not.toThrow();
    expect(invalid()).toBe(calls.length + bound.length);
  });
});

describe('counter overflow', () => {
  it('refuses an increment that would take the total to +Inf, keeping the total, and counts it', () => {
    const { monitor, events, invalid } = setup();
    const c = monitor.counter({ name: 'bytes_total' });
    c.inc(Number.MAX_VALUE);
    c.inc(Number.MAX_VALUE);
    c.labels({}).inc(Number.MAX_VALUE);
    expect(c.get()).toBe(Number.MAX_VALUE);
    expect(invalid()).toBe(2);
    expect(events.errors.map((e) => e.message)).toEqual([expect.stringMatching(/overflow/), expect.stringMatching(/overflow/)]);
    expect(monitor.exportPrometheusMetrics()).not.toContain('bytes_total +Inf');
  });

  it('throws a ValidationError for it in strict mode', () => {
    const { monitor } = setup({ strict: true });
    const c = monitor.counter({ name: 'bytes_total' });
    c.inc(Number.MAX_VALUE);
    expect(() => c.inc(Number.MAX_VALUE)).toThrow(ValidationError);
  });
});

describe('label names that are Object.prototype members', () => {
  it('reads a left-out `constructor` label as an empty value, not as Object.prototype.constructor', () => {
    const monitor = createMonitor({ clock: new ManualClock(0) });
    const errors: unknown[] = [];
    monitor.on('error', (e) => errors.push(e));
    const gauge = monitor.gauge({ name: 'proto_names', help: 'h', labelNames: ['constructor', 'route'] });
    gauge.set(1, { route: '/a' } as { route: string; constructor?: string });
    gauge.set(2, { route: '/b', constructor: 'x' });
    expect(errors).toEqual([]);
    expect(gauge.get({ route: '/a' } as { route: string; constructor?: string })).toBe(1);
    expect(gauge.get({ route: '/b', constructor: 'x' })).toBe(2);
    void monitor.close();
  });
});
