import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage, ValidationError, createMonitor, type Monitor, type MonitorOptions } from '../../src/index.js';
import { MAX_POINTS } from '../../src/metrics/time-series.js';
import type { StorageAdapter } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing.js';
import { delegatingStorage } from '../helpers/delegating-storage.js';
import { T0 } from '../helpers/monitor-harness.js';

const SLOT = 30_000;
const MIN = 60_000;
const HOUR = 3_600_000;

const open: Monitor[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
});

function setup(options: MonitorOptions = {}, clock = new ManualClock(T0)) {
  const storage = (options.storage as StorageAdapter | undefined) ?? new MemoryStorage({ now: () => clock.now() });
  const monitor = createMonitor({ logger: false, ...options, clock, storage });
  open.push(monitor);
  return { clock, monitor, storage };
}

async function rejection(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

/** Histogram data in memory: 10 and 20 in slot 0, 30 at the last ms of slot 1, none in slot 2, 100 at the first ms of slot 3; now T0+120s. */
async function latencies() {
  const s = setup();
  const h = s.monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
  h.observe(10);
  h.observe(20);
  await s.clock.advanceAsync(2 * SLOT - 1);
  h.observe(30);
  await s.clock.advanceAsync(SLOT + 1);
  h.observe(100);
  await s.clock.advanceAsync(SLOT);
  return s;
}

const values = (ts: { points: { value: number | null }[] }) => ts.points.map((p) => p.value);

describe('getTimeSeries: validation', () => {
  it.each([
    ['an unknown aggregation', { aggregation: 'p42' }, 'aggregation', /Invalid option/i],
    ['from after to', { from: T0 + MIN, to: T0 }, 'from', /before to/],
    ['from in the future', { from: T0 + 3 * HOUR }, 'from', /future/],
    ['window with from', { window: '1h', from: T0 }, 'window', /either window or from/],
    ['a step of 0', { step: 0 }, 'step', /greater than 0/],
    ['a step that is no duration', { step: 'often' }, 'step', /duration/],
    ['no name', { name: '' }, 'name', /./],
  ])('refuses %s, naming the field', async (_, query, field, message) => {
    const { clock, monitor } = setup();
    clock.advance(2 * HOUR);
    const error = await rejection(monitor.getTimeSeries({ name: 'latency_milliseconds', ...query } as never));
    expect(error.issues.map((i) => i.path)).toEqual([field]);
    expect(error.issues[0]!.message).toMatch(message);
  });

  it(`refuses a step giving more than ${MAX_POINTS} points, naming step and the least step that fits`, async () => {
    const { clock, monitor } = setup();
    clock.advance(2 * 24 * HOUR);
    const error = await rejection(monitor.getTimeSeries({ name: 'latency_milliseconds', from: T0 + 24 * HOUR, step: '30s' }));
    expect(error.issues).toEqual([{ path: 'step', message: expect.stringMatching(/gives 2880 points over the range, at most 1000: use a step of at least 90000 ms/) }]);
    // The step it names fits.
    const fits = await monitor.getTimeSeries({ name: 'latency_milliseconds', from: T0 + 24 * HOUR, step: 90_000 });
    expect(fits.points).toHaveLength(960);
  });

  it('refuses a percentile of a counter, listing what a counter can give', async () => {
    const { monitor } = setup();
    monitor.counter({ name: 'orders_total' }).inc();
    const error = await rejection(monitor.getTimeSeries({ name: 'orders_total', aggregation: 'p95' }));
    expect(error.issues).toEqual([{ path: 'aggregation', message: 'a counter has no p95: use one of count, sum, rate, last, errorRate' }]);
  });
});

describe('getTimeSeries: steps', () => {
  it('puts each slot in the step its start falls in, with null for a step without data', async () => {
    const { monitor } = await latencies();
    const q = { name: 'latency_milliseconds', from: T0, to: T0 + 4 * SLOT };
    const bySlot = await monitor.getTimeSeries({ ...q, step: '30s', aggregation: 'count' });
    expect(bySlot).toMatchObject({ kind: 'histogram', unit: 'milliseconds', step: SLOT, from: T0, to: T0 + 4 * SLOT, series: 1, aggregation: 'count' });
    expect(bySlot.points).toEqual([
      { time: T0, value: 2, count: 2 },
      { time: T0 + SLOT, value: 1, count: 1 },
      { time: T0 + 2 * SLOT, value: null, count: 0 },
      { time: T0 + 3 * SLOT, value: 1, count: 1 },
    ]);
    // 30 was observed at the last ms of the first minute, 100 at the first ms of the second.
    const byMinute = { ...q, step: '1m' };
    expect(values(await monitor.getTimeSeries({ ...byMinute, aggregation: 'sum' }))).toEqual([60, 100]);
    expect(values(await monitor.getTimeSeries({ ...byMinute, aggregation: 'mean' }))).toEqual([20, 100]);
    expect(values(await monitor.getTimeSeries({ ...byMinute, aggregation: 'avg' }))).toEqual([20, 100]);
    expect(values(await monitor.getTimeSeries({ ...byMinute, aggregation: 'min' }))).toEqual([10, 100]);
    expect(values(await monitor.getTimeSeries({ ...byMinute, aggregation: 'max' }))).toEqual([30, 100]);
    expect(values(await monitor.getTimeSeries({ ...byMinute, aggregation: 'p50' }))).toEqual([20, 100]);
    expect(values(await monitor.getTimeSeries({ ...byMinute, aggregation: 'p75' }))).toEqual([30, 100]);
    expect(values(await monitor.getTimeSeries({ ...byMinute, aggregation: 'p999' }))).toEqual([30, 100]);
    expect(values(await monitor.getTimeSeries({ ...byMinute, aggregation: 'rate' }))).toEqual([3 / 60, 1 / 60]);
    // A histogram's last: the mean of the newest slot with observations in the step.
    expect(values(await monitor.getTimeSeries({ ...byMinute, aggregation: 'last' }))).toEqual([30, 100]);
  });

  it('aligns steps to multiples of the step, so the first may start before from and the last end after to', async () => {
    const { monitor } = await latencies();
    const ts = await monitor.getTimeSeries({ name: 'latency_milliseconds', from: T0 + 45_000, to: T0 + 75_000, step: '1m', aggregation: 'count' });
    expect(ts.points).toEqual([
      { time: T0, value: 3, count: 3 },
      { time: T0 + MIN, value: 1, count: 1 },
    ]);
  });

  it('gives the rate of the step holding now per second it has run', async () => {
    const { clock, monitor } = setup();
    const h = monitor.histogram({ name: 'latency_milliseconds' });
    for (let i = 0; i < 6; i++) h.observe(1);
    await clock.advanceAsync(MIN + 20_000); // now: 20 s into the second minute
    for (let i = 0; i < 4; i++) h.observe(1);
    const ts = await monitor.getTimeSeries({ name: 'latency_milliseconds', from: T0, step: '1m', aggregation: 'rate' });
    expect(values(ts)).toEqual([6 / 60, 4 / 20]);
  });

  it('rounds a step up to whole slots', async () => {
    const { clock, monitor } = setup();
    clock.advance(HOUR);
    expect((await monitor.getTimeSeries({ name: 'x', window: '10m', step: '45s' })).step).toBe(MIN);
    const tiny = await monitor.getTimeSeries({ name: 'x', window: '5m', step: 1 });
    expect(tiny.step).toBe(SLOT);
    expect(tiny.points).toHaveLength(10);
  });

  it('gives up to 121 points by default: the grid is aligned, so a range off a step boundary has one more (docs/metrics.md)', async () => {
    const { clock, monitor } = setup();
    clock.advance(HOUR + 10_000);
    const ts = await monitor.getTimeSeries({ name: 'x', window: '1h' }); // [T0+10s, T0+1h+10s)
    expect(ts.step).toBe(SLOT);
    expect(ts.points).toHaveLength(121);
    expect([ts.points[0]!.time, ts.points.at(-1)!.time]).toEqual([T0, T0 + HOUR]);
  });

  it.each([
    ['5m', 5 * MIN, SLOT, 10],
    ['1h', HOUR, SLOT, 120],
    ['6h', 6 * HOUR, 5 * MIN, 72],
    ['1d', 24 * HOUR, 15 * MIN, 96],
    ['30d', 30 * 24 * HOUR, 6 * HOUR, 120],
  ])('picks a round default step over %s', async (_, span, step, points) => {
    const { clock, monitor } = setup();
    clock.advance(span);
    const ts = await monitor.getTimeSeries({ name: 'x', from: T0, to: T0 + span });
    expect(ts.step).toBe(step);
    expect(ts.points).toHaveLength(points);
  });

  it('answers a metric without data with null points, JSON-safe', async () => {
    const { clock, monitor } = setup();
    clock.advance(HOUR);
    const ts = await monitor.getTimeSeries({ name: 'nothing_here', window: '10m', step: '1m' });
    expect(ts).toMatchObject({ kind: 'unknown', series: 0, aggregation: 'mean' });
    expect(values(ts)).toEqual(Array.from({ length: 10 }, () => null));
    expect(JSON.parse(JSON.stringify(ts))).toEqual(ts);
  });

  it('counts only the series with data in some step, not those memory holds from before the range', async () => {
    const { clock, monitor } = setup();
    const h = monitor.histogram({ name: 'http_ms', labelNames: ['route'] });
    h.observe(1, { route: '/old' });
    await clock.advanceAsync(20 * MIN); // /old's only observation is 20 minutes ago
    h.observe(2, { route: '/new' });
    await clock.advanceAsync(SLOT);
    expect((await monitor.getTimeSeries({ name: 'http_ms', window: '5m' })).series).toBe(1);
    expect((await monitor.getTimeSeries({ name: 'http_ms', window: '5m', labels: { route: '/old' } })).series).toBe(0);
    expect((await monitor.getTimeSeries({ name: 'http_ms', from: T0, step: '1m' })).series).toBe(2);
  });

  it('keeps NaN out of points: JSON round trips the series', async () => {
    const { monitor } = await latencies();
    const ts = await monitor.getTimeSeries({ name: 'latency_milliseconds', from: T0, step: '30s', aggregation: 'p95' });
    expect(values(ts)).toEqual([20, 30, null, 100]);
    expect(JSON.parse(JSON.stringify(ts))).toEqual(ts);
  });

  it('narrows to series whose labels match', async () => {
    const { clock, monitor } = setup();
    const h = monitor.histogram({ name: 'http_ms', labelNames: ['route'] });
    h.observe(1, { route: '/a' });
    h.observe(2, { route: '/b' });
    h.observe(3, { route: '/b' });
    await clock.advanceAsync(SLOT);
    const ts = await monitor.getTimeSeries({ name: 'http_ms', labels: { route: '/b' }, from: T0, step: '1m', aggregation: 'sum' });
    expect(ts).toMatchObject({ labels: { route: '/b' }, series: 1 });
    expect(values(ts)).toEqual([5]);
  });

  it('adds up, step by step, to the aggregate over the same range', async () => {
    const { clock, monitor } = setup();
    const h = monitor.histogram({ name: 'latency_milliseconds' });
    for (let slot = 0; slot < 10; slot++) {
      for (let i = 0; i <= slot; i++) h.observe(slot * 10 + i);
      await clock.advanceAsync(SLOT);
    }
    const ts = await monitor.getTimeSeries({ name: 'latency_milliseconds', from: T0, step: '2m', aggregation: 'count' });
    const total = await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', from: T0 });
    expect(ts.points.reduce((n, p) => n + p.count, 0)).toBe(total.count);
    expect(values(ts)).toEqual([1 + 2 + 3 + 4, 5 + 6 + 7 + 8, 9 + 10]);
  });
});

describe('getTimeSeries: counters and gauges', () => {
  it('gives a counter its rate, amounts, increments and fleet total per step', async () => {
    const { clock, monitor } = setup();
    const c = monitor.counter({ name: 'orders_total' });
    c.inc(5);
    await clock.advanceAsync(SLOT);
    c.inc(2);
    c.inc(3);
    await clock.advanceAsync(2 * SLOT); // now T0+90s; nothing added in the third slot
    const q = { name: 'orders_total', from: T0, step: '30s' } as const;
    const rate = await monitor.getTimeSeries(q);
    expect(rate).toMatchObject({ kind: 'counter', aggregation: 'rate' });
    expect(values(rate)).toEqual([5 / 30, 5 / 30, null]);
    expect(values(await monitor.getTimeSeries({ ...q, aggregation: 'sum' }))).toEqual([5, 5, null]);
    expect(values(await monitor.getTimeSeries({ ...q, aggregation: 'count' }))).toEqual([1, 2, null]);
    // Its total at the end of each step; the step holding now has the total now.
    expect(values(await monitor.getTimeSeries({ ...q, aggregation: 'last' }))).toEqual([5, 10, 10]);
  });

  it('carries a counter total through steps it was not added to in, up to the step holding now', async () => {
    const { clock, monitor } = setup();
    const c = monitor.counter({ name: 'orders_total' });
    c.inc(5);
    await clock.advanceAsync(SLOT);
    c.inc(5);
    await clock.advanceAsync(4 * SLOT); // now T0+150s; nothing added in the last three slots
    const ts = await monitor.getTimeSeries({ name: 'orders_total', from: T0, step: '30s', aggregation: 'last' });
    expect(ts.points.map((p) => [p.value, p.count])).toEqual([[5, 1], [10, 1], [10, 0], [10, 0], [10, 0]]);
  });

  it('gives a gauge its last value per step by default', async () => {
    const { clock, monitor } = setup();
    const g = monitor.gauge({ name: 'queue_depth' });
    g.set(3);
    await clock.advanceAsync(SLOT);
    g.set(7);
    g.set(9);
    await clock.advanceAsync(2 * SLOT); // now T0+90s
    const ts = await monitor.getTimeSeries({ name: 'queue_depth', from: T0, step: '30s' });
    expect(ts).toMatchObject({ kind: 'gauge', aggregation: 'last' });
    // A gauge keeps its value from slot to slot: a step without a set still has it.
    expect(values(ts)).toEqual([3, 9, 9]);
    expect(values(await monitor.getTimeSeries({ name: 'queue_depth', from: T0, step: '30s', aggregation: 'max' }))).toEqual([3, 9, 9]);
  });
});

describe('getTimeSeries: the store and the fleet', () => {
  it('reads the store once for the whole range, however many steps', async () => {
    const clock = new ManualClock(T0);
    const inner = new MemoryStorage({ now: () => clock.now() });
    let reads = 0;
    const storage = delegatingStorage(inner, {
      name: 'counting',
      queryRollups: (q, o) => {
        reads++;
        return inner.queryRollups(q, o);
      },
    });
    const { monitor } = setup({ storage }, clock);
    monitor.histogram({ name: 'latency_milliseconds' }).observe(1);
    await clock.advanceAsync(HOUR);
    reads = 0;
    const ts = await monitor.getTimeSeries({ name: 'latency_milliseconds', from: T0, step: '1m' });
    expect(ts.points).toHaveLength(60);
    expect(ts.points[0]).toEqual({ time: T0, value: 1, count: 1 });
    expect(reads).toBe(1);
  });

  it('reads steps long gone from memory from rollups another instance wrote to the same store, with its own memory', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const writer = createMonitor({ clock, storage, logger: false, instanceId: 'writer' });
    const h = writer.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    for (let i = 1; i <= 100; i++) h.observe(i);
    await clock.advanceAsync(MIN);
    for (let i = 1; i <= 100; i++) h.observe(1000 + i);
    await writer.close();

    await clock.advanceAsync(2 * HOUR - MIN); // long out of any ring, within the store's retention
    const { monitor: reader } = setup({ storage, instanceId: 'reader' }, clock);
    reader.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' }).observe(7);
    await clock.advanceAsync(MIN);
    const past = await reader.getTimeSeries({ name: 'latency_milliseconds', from: T0, to: T0 + 3 * MIN, step: '1m', aggregation: 'p50' });
    expect(past.points.map((p) => p.count)).toEqual([100, 100, 0]);
    expect(past.points[0]!.value).toBeCloseTo(50, -0.5);
    expect(past.points[1]!.value! / 1050).toBeCloseTo(1, 2);
    expect(past.points[2]!.value).toBeNull();
    // The hour of both, reader's memory included.
    const hourly = await reader.getTimeSeries({ name: 'latency_milliseconds', from: T0, step: '1h', aggregation: 'count' });
    expect(values(hourly)).toEqual([200, null, 1]);
  });

  it('sums every writer’s counter total at each step, carrying the quiet ones forward', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const { monitor: a } = setup({ storage, instanceId: 'a' }, clock);
    const { monitor: b } = setup({ storage, instanceId: 'b' }, clock);
    const ca = a.counter({ name: 'jobs_total' });
    b.counter({ name: 'jobs_total' }).inc(100); // b writes in the first step only
    ca.inc(1);
    await clock.advanceAsync(SLOT);
    ca.inc(1);
    await clock.advanceAsync(SLOT);
    ca.inc(1);
    await clock.advanceAsync(3 * SLOT); // now T0+150s
    await a.flush();
    await b.flush();
    const q = { name: 'jobs_total', from: T0, step: '30s', aggregation: 'last' } as const;
    // The step holding now has a's total now and b's last one; quiet steps keep both.
    expect(values(await a.getTimeSeries(q))).toEqual([101, 102, 103, 103, 103]);
    expect(values(await a.getTimeSeries({ ...q, to: T0 + 4 * SLOT }))).toEqual([101, 102, 103, 103]);
    // The last step agrees with the aggregate over the range.
    expect((await a.getAggregatedMetrics({ name: 'jobs_total', from: T0 })).last).toBe(103);
  });

  it('adds the data of live instances on the same store, each write once', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const { monitor: a } = setup({ storage, instanceId: 'a' }, clock);
    const { monitor: b } = setup({ storage, instanceId: 'b' }, clock);
    const ha = a.histogram({ name: 'latency_milliseconds' });
    const hb = b.histogram({ name: 'latency_milliseconds' });
    ha.observe(10);
    hb.observe(20);
    hb.observe(30);
    await clock.advanceAsync(SLOT);
    hb.observe(40);
    await clock.advanceAsync(SLOT - 1); // now T0+59.999s
    await b.flush();
    const ts = await a.getTimeSeries({ name: 'latency_milliseconds', from: T0, step: '30s', aggregation: 'sum' });
    expect(values(ts)).toEqual([60, 40]);
    // Read again once every slot is stored, a's own ones in memory too: the same, each write once.
    await clock.advanceAsync(5 * SLOT);
    await a.flush();
    expect(values(await a.getTimeSeries({ name: 'latency_milliseconds', from: T0, to: T0 + 2 * SLOT, step: '30s', aggregation: 'sum' }))).toEqual([60, 40]);
  });
});
