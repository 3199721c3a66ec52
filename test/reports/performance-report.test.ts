import { describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, ValidationError, type Monitor, type StorageAdapter } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

/** 2026-01-01T00:00:00Z. */
const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Setup {
  clock: ManualClock;
  storage: MemoryStorage;
  monitor: Monitor;
}

function setup(clock = new ManualClock(T0), storage = new MemoryStorage({ now: () => clock.now(), retention: '60d' }), instanceId = 'a'): Setup {
  // One-minute slots: a few hours of data stay cheap to step through.
  const monitor = createMonitor({ clock, storage, instanceId, logger: false, service: 'report-test', histogram: { slotLength: '1m' } });
  return { clock, storage, monitor };
}

function latency(m: Monitor) {
  return m.getMetric('http_request_duration_seconds') as ReturnType<Monitor['histogram']> | undefined ?? m.histogram({ name: 'http_request_duration_seconds', labelNames: ['route', 'status', 'organizationId'], unit: 'seconds' });
}

/** Observes `n` requests of `seconds` each. */
function requests(m: Monitor, n: number, seconds: number, labels: Record<string, string> = { route: '/a', status: '200', organizationId: 'org-1' }): void {
  const h = latency(m);
  for (let i = 0; i < n; i++) h.observe(seconds, labels);
}

describe('query validation', () => {
  it.each([
    [{ from: T0 + HOUR, to: T0 }, 'from'],
    [{ from: T0, to: T0 }, 'from'],
    [{ from: '2024-01-08', to: '2024-01-01' }, 'from'],
    [{ period: 'yearly' }, 'period'],
    [{ from: 'yesterday' }, 'from'],
    [{ from: 'May 5' }, 'from'],
    [{ to: '2024-13-01' }, 'to'],
    [{ from: 0, to: 400 * DAY }, 'to'],
    // Bounds outside valid dates, named after the field they come from.
    [{ from: -DAY, to: DAY }, 'from'],
    [{ to: HOUR, period: 'daily' }, 'to'],
    [{ from: 8.64e15 - HOUR, period: 'daily' }, 'from'],
    [{ from: 8.64e15 - HOUR, to: 8.64e15 + HOUR }, 'to'],
    [{ metrics: [] }, 'metrics'],
    [{ metrics: Array.from({ length: 51 }, (_, i) => `m${i}`) }, 'metrics'],
    [{ organizationId: 'a', labels: { organizationId: 'b' } }, 'organizationId'],
    [{ stableBand: -1 }, 'stableBand'],
    [{ thresholds: { p95Ms: 'fast' } }, 'thresholds.p95Ms'],
    [{ unknown: 1 }, 'query'],
  ])('rejects %j with a ValidationError naming %s', async (query, field) => {
    const { monitor } = setup();
    const error = await monitor.generatePerformanceReport(query as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const paths = (error as ValidationError).issues.map((i) => i.path || 'query');
    expect(paths).toContain(field);
  });
});

it('rejects a query that throws when read with a ValidationError, not the foreign error', async () => {
  const { monitor } = setup();
  const hostile = new Proxy({}, { ownKeys: () => { throw new Error('boom'); } });
  await expect(monitor.generatePerformanceReport(hostile as never)).rejects.toBeInstanceOf(ValidationError);
});

describe('periods', () => {
  it('covers the period ending now when only a period is given, and the day before by default', async () => {
    const { monitor, clock } = setup();
    await clock.advanceAsync(3 * HOUR);
    const hourly = await monitor.generatePerformanceReport({ period: 'hourly', metrics: ['x'] });
    expect(hourly).toMatchObject({ period: 'hourly', startDate: new Date(T0 + 2 * HOUR).toISOString(), endDate: new Date(T0 + 3 * HOUR - 1).toISOString() });
    expect(hourly.previous).toEqual({ startDate: new Date(T0 + HOUR).toISOString(), endDate: new Date(T0 + 2 * HOUR - 1).toISOString() });
    const daily = await monitor.generatePerformanceReport({ metrics: ['x'] });
    expect(daily).toMatchObject({ period: 'daily', startDate: new Date(T0 + 3 * HOUR - DAY).toISOString() });
  });

  it('reads seed 003\'s startDate/endDate days as whole days (endDate ...T23:59:59.999Z)', async () => {
    const { monitor } = setup();
    const r = await monitor.generatePerformanceReport({ period: 'daily', from: '2024-01-01', to: '2024-01-07', metrics: ['x'] });
    expect(r).toMatchObject({ period: 'daily', startDate: '2024-01-01T00:00:00.000Z', endDate: '2024-01-07T23:59:59.999Z' });
    // The previous period has the same length: 7 days.
    expect(r.previous).toEqual({ startDate: '2023-12-25T00:00:00.000Z', endDate: '2023-12-31T23:59:59.999Z' });
  });

  it('takes a period from `from` or up to `to`, and calls an explicit range without one custom', async () => {
    const { monitor } = setup();
    const weekly = await monitor.generatePerformanceReport({ period: 'weekly', from: T0, metrics: ['x'] });
    expect(weekly.endDate).toBe(new Date(T0 + 7 * DAY - 1).toISOString());
    const monthly = await monitor.generatePerformanceReport({ period: 'monthly', to: new Date(T0), metrics: ['x'] });
    expect(monthly.startDate).toBe(new Date(T0 - 30 * DAY).toISOString());
    const custom = await monitor.generatePerformanceReport({ from: T0 - 90 * MINUTE, to: T0, metrics: ['x'] });
    expect(custom.period).toBe('custom');
  });
});

describe('the summary of a metric', () => {
  it('reports a latency histogram in ms with its error rate and rate, and a metric without data as nulls', async () => {
    const { monitor, clock } = setup();
    requests(monitor, 90, 0.1);
    requests(monitor, 10, 0.3, { route: '/a', status: '500', organizationId: 'org-1' });
    await clock.advanceAsync(10 * MINUTE);
    const r = await monitor.generatePerformanceReport({ period: 'hourly', metrics: ['http_request_duration_seconds', 'nothing_here'] });
    const s = r.metrics.http_request_duration_seconds!;
    expect(s).toMatchObject({ kind: 'histogram', class: 'latency', unit: 'ms', count: 100, series: 2, min: 100, max: 300 });
    expect(s.mean).toBeCloseTo(120, 6);
    expect(s.p95).toBeCloseTo(300, 0);
    expect(s.errorRate).toBeCloseTo(10, 9);
    expect(s.rate).toBeCloseTo(100 / 3600, 9);
    expect(r.metrics.nothing_here).toMatchObject({ kind: 'unknown', count: 0, mean: null, p95: null, errorRate: null });
    // No data in the previous hour: the trend cannot be told.
    expect(r.trends.find((t) => t.metricType === 'http_request_duration_seconds' && t.statistic === 'p95')).toMatchObject({ trend: 'insufficient-data', changePercent: null });
  });

  it('defaults to every metric this monitor defined, leaving pulsewatch\'s own out', async () => {
    const { monitor } = setup();
    requests(monitor, 1, 0.1);
    monitor.gauge({ name: 'system_memory_usage_percent' }).set(50);
    monitor.circuitBreaker('b', async () => 1);
    const r = await monitor.generatePerformanceReport({ period: 'hourly' });
    expect(Object.keys(r.metrics).sort()).toEqual(['http_request_duration_seconds', 'system_memory_usage_percent']);
    expect(r.metrics.system_memory_usage_percent).toMatchObject({ class: 'memory', mean: 50, rate: null });
  });
});

describe('trends against the previous period', () => {
  it('says increasing, decreasing or stable from data of both periods (one hour each)', async () => {
    const { monitor, clock } = setup();
    const g = monitor.gauge({ name: 'queue_depth' });
    g.set(100);
    await clock.advanceAsync(HOUR);
    g.set(110);
    await clock.advanceAsync(HOUR);
    const r = await monitor.generatePerformanceReport({ from: T0 + HOUR, to: T0 + 2 * HOUR, metrics: ['queue_depth'] });
    expect(r.trends).toEqual([{ metricType: 'queue_depth', statistic: 'mean', trend: 'increasing', changePercent: 10, current: 110, previous: 100 }]);
    const r2 = await monitor.generatePerformanceReport({ from: T0 + HOUR, to: T0 + 2 * HOUR, metrics: ['queue_depth'], stableBand: 10 });
    expect(r2.trends[0]).toMatchObject({ trend: 'stable', changePercent: 10 });
  });
});

describe('data in memory and stored by other instances', () => {
  it('counts this process\'s memory and a second instance\'s stored rollups once each, with one store read per metric', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now(), retention: '60d' });
    const a = setup(clock, storage, 'a');
    const b = setup(clock, storage, 'b');
    requests(b.monitor, 30, 0.2);
    await clock.advanceAsync(5 * MINUTE);
    await b.monitor.flush();
    requests(a.monitor, 20, 0.1);
    await a.monitor.flush();
    let reads = 0;
    const counting: StorageAdapter = Object.assign(Object.create(storage) as StorageAdapter, {
      queryRollups: (q: Parameters<StorageAdapter['queryRollups']>[0]) => {
        reads++;
        return storage.queryRollups(q);
      },
    });
    const reader = createMonitor({ clock, storage: counting, instanceId: 'r', logger: false, histogram: { slotLength: '1m' } });
    const r = await reader.generatePerformanceReport({ period: 'hourly', metrics: ['http_request_duration_seconds'] });
    expect(r.metrics.http_request_duration_seconds).toMatchObject({ count: 50, min: 100, max: 200 });
    expect(reads).toBe(1);
    const own = await a.monitor.generatePerformanceReport({ period: 'hourly', metrics: ['http_request_duration_seconds'] });
    expect(own.metrics.http_request_duration_seconds!.count).toBe(50);
  });
});

describe('the tenant filter', () => {
  it('narrows every metric to series whose organizationId label is the one asked for', async () => {
    const { monitor, clock } = setup();
    requests(monitor, 10, 0.1, { route: '/a', status: '200', organizationId: 'org-1' });
    requests(monitor, 5, 0.9, { route: '/a', status: '500', organizationId: 'org-2' });
    await clock.advanceAsync(MINUTE);
    const one = await monitor.generatePerformanceReport({ period: 'hourly', organizationId: 'org-1', metrics: ['http_request_duration_seconds'] });
    expect(one.labels).toEqual({ organizationId: 'org-1' });
    expect(one.metrics.http_request_duration_seconds).toMatchObject({ count: 10, errorRate: 0, max: 100 });
    const two = await monitor.generatePerformanceReport({ period: 'hourly', labels: { organizationId: 'org-2' }, metrics: ['http_request_duration_seconds'] });
    expect(two.metrics.http_request_duration_seconds).toMatchObject({ count: 5, errorRate: 100 });
    expect(two.recommendations.map((x) => x.rule)).toEqual(['latency-p95', 'error-rate', 'latency-mean']);
  });
});

describe('rates and classes', () => {
  it('divides a rate by the time elapsed of a period running past now, not its nominal length', async () => {
    const { monitor, clock } = setup();
    const orders = monitor.counter({ name: 'orders_total' });
    // 60 orders an hour for two hours: a daily report of today at 02:00 reads 1/60 per second.
    for (let i = 0; i < 120; i++) {
      orders.inc();
      await clock.advanceAsync(MINUTE);
    }
    const r = await monitor.generatePerformanceReport({ period: 'daily', from: '2026-01-01', to: '2026-01-01', metrics: ['orders_total'] });
    expect(r.metrics.orders_total).toMatchObject({ count: 120, sum: 120 });
    expect(r.metrics.orders_total!.rate).toBeCloseTo(1 / 60, 6);
    await monitor.close();
  });

  it('reads a counter named error_rate as a count of errors (other), a gauge of percentages as errorRate', async () => {
    const { monitor, clock } = setup();
    const counted = monitor.counter({ name: 'error_rate' });
    for (let i = 0; i < 7; i++) counted.inc();
    monitor.gauge({ name: 'checkout_error_rate' }).set(3);
    await clock.advanceAsync(MINUTE);
    const r = await monitor.generatePerformanceReport({ period: 'hourly', metrics: ['error_rate', 'checkout_error_rate'] });
    expect(r.metrics.error_rate).toMatchObject({ kind: 'counter', class: 'other', errorRate: null });
    expect(r.metrics.checkout_error_rate).toMatchObject({ kind: 'gauge', class: 'errorRate', errorRate: 3 });
    expect(r.recommendations.filter((x) => x.metric === 'error_rate')).toEqual([]);
    await monitor.close();
  });
});

it('keeps a metric named __proto__ as a key of report.metrics, never as its prototype', async () => {
  const { monitor } = setup();
  const r = await monitor.generatePerformanceReport({ period: 'hourly', metrics: ['__proto__', 'toString'] });
  expect(Object.getPrototypeOf(r.metrics)).toBeNull();
  expect(Object.keys(r.metrics).sort()).toEqual(['__proto__', 'toString']);
  expect(JSON.parse(JSON.stringify(r.metrics)).__proto__).toMatchObject({ name: '__proto__', count: 0 });
  await monitor.close();
});
