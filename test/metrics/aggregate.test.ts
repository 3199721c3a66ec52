import { delegatingStorage } from '../helpers/delegating-storage.js';
import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  StorageError,
  ValidationError,
  createMonitor,
  type AggregatedMetrics,
  type Monitor,
  type MonitorOptions,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { T0, createHarness, recordEvents } from '../helpers/monitor-harness.js';
import { random } from '../helpers/random.js';

const SLOT = 30_000;

function setup(options: MonitorOptions = {}) {
  const clock = new ManualClock(T0);
  const monitor = createMonitor({ ...options, clock });
  const events = recordEvents(monitor);
  return { clock, monitor, events };
}

/** `n` log-normal values (median e^mu, shape sigma), by Box-Muller. */
function logNormal(n: number, mu: number, sigma: number, seed: number): number[] {
  const next = random(seed);
  const out: number[] = [];
  while (out.length < n) {
    const u = 1 - next();
    const v = next();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    out.push(Math.exp(mu + sigma * z));
  }
  return out;
}

/** Nearest-rank percentile of sorted values. */
function exactPercentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p * sorted.length) / 100))) - 1]!;
}

const PERCENTILES = [
  ['p50', 50],
  ['p90', 90],
  ['p95', 95],
  ['p99', 99],
  ['p999', 99.9],
] as const;

function expectPercentilesWithin1Percent(stats: AggregatedMetrics, values: readonly number[], keys: readonly (readonly [keyof AggregatedMetrics & `p${string}`, number])[] = PERCENTILES): void {
  const sorted = [...values].sort((a, b) => a - b);
  for (const [key, p] of keys) {
    const exact = exactPercentile(sorted, p);
    const relative = Math.abs(stats[key] - exact) / exact;
    expect(relative, `${key}: got ${stats[key]}, exact ${exact}`).toBeLessThan(0.01);
  }
}

async function expectRejectedWith(promise: Promise<unknown>, paths: string[]): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).code).toBe('ERR_PULSEWATCH_VALIDATION');
  expect((error as ValidationError).issues.map((i) => i.path)).toEqual(paths);
}

describe('getAggregatedMetrics query validation', () => {
  it('rejects a missing or empty name with a ValidationError on "name"', async () => {
    const { monitor } = setup();
    await expectRejectedWith(monitor.getAggregatedMetrics({} as never), ['name']);
    await expectRejectedWith(monitor.getAggregatedMetrics({ name: '' }), ['name']);
    await expectRejectedWith(monitor.getAggregatedMetrics({ name: 7 } as never), ['name']);
  });

  it.each([['5 minutes'], ['-1m'], [-1], [Number.NaN], [{}]])('rejects the window %s with a ValidationError on "window"', async (window) => {
    const { monitor } = setup();
    await expectRejectedWith(monitor.getAggregatedMetrics({ name: 'x', window: window as never }), ['window']);
  });

  it('rejects an empty window, which has no rate', async () => {
    const { monitor } = setup();
    await expectRejectedWith(monitor.getAggregatedMetrics({ name: 'x', window: 0 }), ['window']);
    await expectRejectedWith(monitor.getAggregatedMetrics({ name: 'x', window: '0s' }), ['window']);
  });

  it('rejects label matchers that are not strings, naming the label', async () => {
    const { monitor } = setup();
    await expectRejectedWith(monitor.getAggregatedMetrics({ name: 'x', labels: { status: 500 } as never }), ['labels.status']);
  });

  it('rejects instead of throwing synchronously, and emits nothing', async () => {
    const { monitor, events } = setup();
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = monitor.getAggregatedMetrics({ name: '' });
    }).not.toThrow();
    await expect(promise).rejects.toBeInstanceOf(ValidationError);
    expect(events.errors).toEqual([]);
  });
});

describe('getAggregatedMetrics statistics', () => {
  it('returns count 0 and every other statistic NaN for a metric nobody recorded (as rules read "no data")', async () => {
    const { monitor } = setup();
    const stats = await monitor.getAggregatedMetrics({ name: 'never_recorded' });
    expect(stats).toMatchObject({ name: 'never_recorded', kind: 'unknown', count: 0, series: 0 });
    for (const key of ['sum', 'rate', 'last', 'min', 'max', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999'] as const) expect(stats[key]).toBeNaN();
  });

  it("gives a histogram's last as the mean of its newest slot with observations, as rules read `last`", async () => {
    const { clock, monitor } = setup();
    const h = monitor.histogram({ name: 'job_seconds' });
    h.observe(1);
    h.observe(3);
    await clock.advanceAsync(SLOT);
    h.observe(10);
    h.observe(20);
    expect((await monitor.getAggregatedMetrics({ name: 'job_seconds' })).last).toBe(15);
    await clock.advanceAsync(SLOT);
    // The open slot is empty: the newest slot with observations is the one before.
    expect((await monitor.getAggregatedMetrics({ name: 'job_seconds' })).last).toBe(15);
    const rule = await monitor.alerts.createRule({ name: 'last', metric: 'job_seconds', aggregation: 'last', window: '5m', condition: 'greater_than', threshold: 14 });
    const result = await monitor.alerts.evaluate();
    expect([...result.triggered, ...monitor.alerts.getPendingAlerts()].map((a) => [a.ruleId, a.value])).toEqual([[rule.id, 15]]);
  });

  it('keeps count, sum and rate 0 for a histogram with series but no observations in the window', async () => {
    const { clock, monitor } = setup();
    monitor.histogram({ name: 'idle_seconds' }).observe(1);
    await clock.advanceAsync(20 * SLOT);
    const stats = await monitor.getAggregatedMetrics({ name: 'idle_seconds', window: '1m' });
    expect(stats).toMatchObject({ kind: 'histogram', count: 0, sum: 0, rate: 0, series: 1 });
    expect(stats.last).toBeNaN();
  });

  it('reports the window it used: 5 minutes by default, ending now', async () => {
    const { clock, monitor } = setup();
    clock.advance(12_345);
    expect(await monitor.getAggregatedMetrics({ name: 'x' })).toMatchObject({ window: 300_000, to: T0 + 12_345, from: T0 + 12_345 - 300_000 });
    expect(await monitor.getAggregatedMetrics({ name: 'x', window: '1h' })).toMatchObject({ window: 3_600_000, from: T0 + 12_345 - 3_600_000 });
    expect(await monitor.getAggregatedMetrics({ name: 'x', window: 90_000 })).toMatchObject({ window: 90_000 });
  });

  it('computes count, sum, min, max, mean and nearest-rank percentiles exactly for a small set', async () => {
    const { monitor } = setup();
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    for (const v of [7, 3, 10, 1, 9, 2, 8, 4, 6, 5]) h.observe(v);
    expect(await monitor.getAggregatedMetrics({ name: 'latency_milliseconds' })).toMatchObject({
      kind: 'histogram',
      count: 10,
      sum: 55,
      min: 1,
      max: 10,
      mean: 5.5,
      p50: 5,
      p90: 9,
      p95: 10,
      p99: 10,
      p999: 10,
      series: 1,
    });
  });

  it('picks the nearest rank, never an interpolated value', async () => {
    const { monitor } = setup();
    const h = monitor.histogram({ name: 'size_bytes' });
    for (const v of [15, 20, 35, 40, 50]) h.observe(v);
    expect(await monitor.getAggregatedMetrics({ name: 'size_bytes' })).toMatchObject({ p50: 35, p90: 50, p95: 50, p99: 50 });
    for (let v = 21; v <= 40; v++) h.observe(v * 1000); // now 25 values
    const stats = await monitor.getAggregatedMetrics({ name: 'size_bytes' });
    // ranks: p50 -> 13th, p90 -> 23rd, p95 -> 24th, p99 -> 25th.
    expect(stats).toMatchObject({ count: 25, p50: 28_000, p90: 38_000, p95: 39_000, p99: 40_000, p999: 40_000 });
  });

  // KNOWN BUG (src/metrics/distribution.ts rankOf, see the p999 accuracy test): the rank of
  // p99.9 among 1000 values comes out as ceil(999.0000000000001) = 1000. Turn into `it` once fixed.
  it('picks the 999th of 1000 values as p999', async () => {
    const { clock, monitor } = setup();
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    for (let v = 1; v <= 1000; v++) {
      h.observe(v);
      if (v % 100 === 0 && v < 1000) await clock.advanceAsync(SLOT); // 100 a slot, all 10 slots in memory: exact values
    }
    expect(await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '10m' })).toMatchObject({ count: 1000, p99: 990, p999: 999 });
  });

  it('stays exact when a small set is spread over several slots', async () => {
    const { clock, monitor } = setup();
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    const values = [12.5, 3.25, 99, 41, 7.75, 18, 64, 5, 33.5, 2];
    for (const [i, v] of values.entries()) {
      h.observe(v);
      if (i % 2 === 1) await clock.advanceAsync(SLOT);
    }
    const sorted = [...values].sort((a, b) => a - b);
    expect(await monitor.getAggregatedMetrics({ name: 'latency_milliseconds' })).toMatchObject({
      count: 10,
      sum: values.reduce((a, b) => a + b, 0),
      min: 2,
      max: 99,
      p50: exactPercentile(sorted, 50),
      p90: exactPercentile(sorted, 90),
      p95: 99,
    });
  });

  it('gives the rate of a histogram as observations per second of the window', async () => {
    const { clock, monitor } = setup();
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    for (let i = 0; i < 30; i++) h.observe(1);
    await clock.advanceAsync(SLOT);
    for (let i = 0; i < 30; i++) h.observe(1);
    expect((await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '1m' })).rate).toBe(1);
    expect((await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '2m' })).rate).toBe(0.5);
  });
});

describe('getAggregatedMetrics label matching', () => {
  async function seeded() {
    const { monitor } = setup();
    const h = monitor.histogram({ name: 'http_request_duration_seconds', unit: 'seconds', labelNames: ['route', 'status'] });
    h.observe(0.1, { route: '/a', status: '200' });
    h.observe(0.2, { route: '/a', status: '200' });
    h.observe(0.4, { route: '/a', status: '500' });
    h.observe(0.8, { route: '/b', status: '200' });
    return monitor;
  }

  it('summarises every series without matchers', async () => {
    const monitor = await seeded();
    expect(await monitor.getAggregatedMetrics({ name: 'http_request_duration_seconds' })).toMatchObject({ count: 4, series: 3, max: 0.8 });
  });

  it('keeps series whose labels include every matcher', async () => {
    const monitor = await seeded();
    const name = 'http_request_duration_seconds';
    expect(await monitor.getAggregatedMetrics({ name, labels: { route: '/a' } })).toMatchObject({ count: 3, series: 2, min: 0.1, max: 0.4 });
    expect(await monitor.getAggregatedMetrics({ name, labels: { status: '200' } })).toMatchObject({ count: 3, series: 2, max: 0.8 });
    expect(await monitor.getAggregatedMetrics({ name, labels: { route: '/a', status: '200' } })).toMatchObject({ count: 2, series: 1, p50: 0.1, p99: 0.2 });
    expect(await monitor.getAggregatedMetrics({ name, labels: {} })).toMatchObject({ count: 4 });
  });

  it('matches nothing for an unknown label value or label name', async () => {
    const monitor = await seeded();
    expect(await monitor.getAggregatedMetrics({ name: 'http_request_duration_seconds', labels: { route: '/c' } })).toMatchObject({ count: 0, series: 0 });
    expect(await monitor.getAggregatedMetrics({ name: 'http_request_duration_seconds', labels: { method: 'GET' } })).toMatchObject({ count: 0, series: 0 });
  });

  it('applies matchers to data read back from storage too', async () => {
    const { clock, monitor } = setup();
    const h = monitor.histogram({ name: 'op_milliseconds', unit: 'milliseconds', labelNames: ['op'] });
    h.observe(10, { op: 'read' });
    h.observe(20, { op: 'write' });
    await clock.advanceAsync(11 * SLOT); // both leave memory
    expect(await monitor.getAggregatedMetrics({ name: 'op_milliseconds', labels: { op: 'write' }, window: '10m' })).toMatchObject({ count: 1, sum: 20 });
  });
});

describe('getAggregatedMetrics windows over slots', () => {
  it('counts a slot that overlaps the window and leaves out one that ended before it', async () => {
    const { clock, monitor } = setup();
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    h.observe(5); // slot [T0, T0+30s)
    await clock.advanceAsync(45_000); // now T0+45s
    expect((await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '20s' })).count).toBe(1); // from T0+25s
    expect((await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '15s' })).count).toBe(0); // from T0+30s
    expect((await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '10s' })).count).toBe(0);
  });

  it('always includes the current slot', async () => {
    const { clock, monitor } = setup();
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    clock.advance(29_000);
    h.observe(5);
    expect((await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: 1 })).count).toBe(1);
  });

  it('honours the slot length and slot count options', async () => {
    const { clock, monitor } = setup({ histogram: { slotLength: '10s', slots: 3 } });
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    h.observe(1); // slot [T0, T0+10s)
    await clock.advanceAsync(10_000);
    h.observe(2); // slot [T0+10s, T0+20s)
    await clock.advanceAsync(25_000); // now T0+35s; memory holds 3 slots of 10 s
    expect(await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '14s' })).toMatchObject({ count: 0 }); // from T0+21s
    expect(await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '20s' })).toMatchObject({ count: 1, sum: 2 }); // from T0+15s
    expect(await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '25s' })).toMatchObject({ count: 1, sum: 2 }); // from T0+10s
    expect(await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '1m' })).toMatchObject({ count: 2, sum: 3 });
  });
});

describe('getAggregatedMetrics beyond memory', () => {
  it('reads slots that left memory from storage, with counts and percentiles intact and nothing counted twice', async () => {
    const { clock, monitor } = setup();
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    const old = logNormal(500, Math.log(200), 0.5, 1); // more than a slot keeps exactly
    for (const v of old) h.observe(v);
    const oldSum = old.reduce((a, b) => a + b, 0);

    // While the slot is both in memory and in storage, it is counted once.
    await clock.advanceAsync(2 * SLOT);
    expect((await monitor.storage.queryRollups({ name: 'latency_milliseconds' })).map((r) => r.count)).toEqual([500]);
    const both = await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '10m' });
    expect(both.count).toBe(500);
    expect(both.sum).toBeCloseTo(oldSum, 6);

    // 11 slots later the slot has left memory (10 slots of 30 s).
    await clock.advanceAsync(9 * SLOT);
    const recent = [10, 20, 30];
    for (const v of recent) h.observe(v);
    await monitor.flush();
    expect(await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '5m' })).toMatchObject({ count: 3, sum: 60, min: 10, max: 30 });
    const all = await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '10m' });
    expect(all.count).toBe(503);
    expect(all.sum).toBeCloseTo(oldSum + 60, 6);
    expect(all.min).toBe(10);
    expect(all.max).toBe(Math.max(...old));
    expectPercentilesWithin1Percent(all, [...old, ...recent]);
  });

  it('counts slots closed early by flush() once each, however often it flushes', async () => {
    const { clock, monitor } = setup();
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    for (let i = 1; i <= 15; i++) {
      h.observe(i);
      await monitor.flush();
      clock.advance(1_000);
    }
    const stats = await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '5m' });
    expect(stats).toMatchObject({ count: 15, sum: 120, min: 1, max: 15 });
    expect(Math.abs(stats.p50 - 8) / 8).toBeLessThan(0.01);
  });

  it('counts rollups still waiting for a failing store', async () => {
    const { clock, monitor, storage } = createHarness();
    storage.fail();
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    h.observe(100);
    await clock.advanceAsync(11 * SLOT);
    expect(monitor.bufferedRollups).toBeGreaterThan(0);
    expect(await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '10m' })).toMatchObject({ count: 1, sum: 100 });
    storage.recover();
    await clock.advanceAsync(2 * 60_000); // past the retry backoff
    expect(monitor.bufferedRollups).toBe(0);
    expect(storage.written.some((r) => r.name === 'latency_milliseconds')).toBe(true);
    expect(await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '1h' })).toMatchObject({ count: 1, sum: 100 });
  });

  it('reads stored rollups of a metric this monitor has not defined (e.g. after a restart)', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const before = createMonitor({ clock, storage });
    before.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' }).observe(42);
    await before.close();
    const after = createMonitor({ clock, storage });
    clock.advance(SLOT);
    // Its kind comes from the rollups; its unit cannot (rollups carry none).
    expect(await after.getAggregatedMetrics({ name: 'latency_milliseconds', window: '10m' })).toMatchObject({ kind: 'histogram', unit: undefined, count: 1, sum: 42, p50: 42, series: 1 });
    await after.close();
  });

  it('leaves out rollups outside the window even if the store returns them', async () => {
    const clock = new ManualClock(T0);
    const inner = new MemoryStorage({ now: () => clock.now() });
    const storage = delegatingStorage(inner, {
      name: 'sloppy',
      writeRollups: (r) => inner.writeRollups(r),
      queryRollups: (q) => inner.queryRollups({ name: q.name, labels: q.labels }), // ignores from and to
    });
    const monitor = createMonitor({ clock, storage });
    const c = monitor.counter({ name: 'orders_total' });
    c.inc(100);
    await clock.advanceAsync(20 * SLOT);
    c.inc(1);
    expect(await monitor.getAggregatedMetrics({ name: 'orders_total', window: '5m' })).toMatchObject({ sum: 1, last: 101 });
  });

  it('rejects with a StorageError when storage cannot be read', async () => {
    const clock = new ManualClock(T0);
    const inner = new MemoryStorage({ now: () => clock.now() });
    const cause = new Error('connection refused');
    const storage = delegatingStorage(inner, {
      name: 'broken',
      writeRollups: (r) => inner.writeRollups(r),
      queryRollups: async () => {
        throw cause;
      },
    });
    const monitor = createMonitor({ clock, storage });
    monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' }).observe(1);
    const error = await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '1h' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).cause).toBe(cause);
    expect((error as Error).message).toContain('broken');
  });
});

describe('getAggregatedMetrics on counters', () => {
  async function counting() {
    const { clock, monitor } = setup();
    const c = monitor.counter({ name: 'orders_total', labelNames: ['region'] });
    return { clock, monitor, c };
  }

  it('sums the amount added in the window, gives its rate per second and the running total as last', async () => {
    const { clock, monitor, c } = await counting();
    c.inc({ region: 'eu' }, 5);
    c.inc({ region: 'us' }, 10);
    await clock.advanceAsync(SLOT);
    c.inc({ region: 'eu' }, 15);
    const stats = await monitor.getAggregatedMetrics({ name: 'orders_total', window: '1m' });
    expect(stats).toMatchObject({ kind: 'counter', sum: 30, rate: 0.5, last: 30, series: 2, min: 5, max: 15 });
    expect(stats.p50).toBeNaN();
    expect(await monitor.getAggregatedMetrics({ name: 'orders_total', labels: { region: 'eu' }, window: '1m' })).toMatchObject({ sum: 20, last: 20, series: 1 });
  });

  it('keeps counting increments after their slots left memory, and drops them once the window passes them', async () => {
    const { clock, monitor, c } = await counting();
    c.inc({ region: 'eu' }, 4);
    await clock.advanceAsync(11 * SLOT);
    c.inc({ region: 'eu' }, 1);
    expect(await monitor.getAggregatedMetrics({ name: 'orders_total', window: '10m' })).toMatchObject({ sum: 5, last: 5 });
    expect(await monitor.getAggregatedMetrics({ name: 'orders_total', window: '5m' })).toMatchObject({ sum: 1, last: 5 });
  });

  it('counts increments flushed at the same instant as the slot they closed', async () => {
    const { monitor, c } = await counting();
    c.inc({ region: 'eu' }, 2);
    await monitor.flush();
    c.inc({ region: 'eu' }, 3);
    await monitor.flush();
    c.inc({ region: 'eu' }, 4);
    expect(await monitor.getAggregatedMetrics({ name: 'orders_total' })).toMatchObject({ sum: 9, last: 9 });
  });
});

describe('getAggregatedMetrics on gauges', () => {
  it('describes the samples in the window, with the current value as last', async () => {
    const { clock, monitor } = setup();
    const g = monitor.gauge({ name: 'job_queue_size', labelNames: ['state'] });
    g.set(4, { state: 'pending' });
    g.set(8, { state: 'pending' });
    await clock.advanceAsync(SLOT);
    g.set(2, { state: 'pending' });
    g.set(100, { state: 'failed' });
    const pending = await monitor.getAggregatedMetrics({ name: 'job_queue_size', labels: { state: 'pending' }, window: '1m' });
    expect(pending).toMatchObject({ kind: 'gauge', count: 3, sum: 14, min: 2, max: 8, last: 2, series: 1 });
    expect(pending.p50).toBeNaN();
    expect(await monitor.getAggregatedMetrics({ name: 'job_queue_size', window: '1m' })).toMatchObject({ last: 102, max: 100, series: 2 });
  });

  it('reads the value of a gauge with a collect callback', async () => {
    const { monitor } = setup();
    let depth = 7;
    monitor.gauge({ name: 'db_connections', collect: () => depth });
    expect((await monitor.getAggregatedMetrics({ name: 'db_connections' })).last).toBe(7);
    depth = 9;
    expect((await monitor.getAggregatedMetrics({ name: 'db_connections' })).last).toBe(9);
  });
});

describe('getAggregatedMetrics percentile accuracy', () => {
  const N = 100_000;

  async function recordAll(monitor: Monitor, clock: ManualClock, values: readonly number[], slots: number) {
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    const perSlot = Math.ceil(values.length / slots);
    for (let i = 0; i < values.length; i++) {
      h.observe(values[i]!);
      if ((i + 1) % perSlot === 0 && i + 1 < values.length) await clock.advanceAsync(SLOT);
    }
  }

  it('stays within 1% of the exact percentiles on 100k log-normal values in one slot', async () => {
    const { clock, monitor } = setup();
    const values = logNormal(N, Math.log(120), 0.8, 42);
    await recordAll(monitor, clock, values, 1);
    const stats = await monitor.getAggregatedMetrics({ name: 'latency_milliseconds' });
    expect(stats.count).toBe(N);
    expect(stats.min).toBe(Math.min(...values));
    expect(stats.max).toBe(Math.max(...values));
    expectPercentilesWithin1Percent(stats, values);
  });

  it('stays within 1% when the values span many slots, most of them read back from storage (p50 to p99)', async () => {
    const { clock, monitor } = setup();
    const values = logNormal(N, Math.log(40), 1.2, 7);
    await recordAll(monitor, clock, values, 20);
    const stats = await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '15m' });
    expect(stats.count).toBe(N);
    expect(stats.sum).toBeCloseTo(values.reduce((a, b) => a + b, 0), 3);
    // p999 is checked by the known-bug test below.
    expectPercentilesWithin1Percent(stats, values, PERCENTILES.slice(0, 4));
  });

  it('stays within 1% of the exact p999 on 100k log-normal values', async () => {
    const { clock, monitor } = setup();
    const values = logNormal(N, Math.log(40), 1.2, 7);
    await recordAll(monitor, clock, values, 1);
    const stats = await monitor.getAggregatedMetrics({ name: 'latency_milliseconds' });
    expectPercentilesWithin1Percent(stats, values, PERCENTILES.slice(4));
  });
});
