import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage, ValidationError, createMonitor, type Monitor } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { T0 } from '../helpers/monitor-harness.js';

const SLOT = 30_000;
const HOUR = 3_600_000;

const open: Monitor[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
});

function setup(storage?: MemoryStorage, clock = new ManualClock(T0)) {
  const store = storage ?? new MemoryStorage({ now: () => clock.now() });
  const monitor = createMonitor({ clock, storage: store, logger: false });
  open.push(monitor);
  return { clock, monitor, storage: store };
}

async function rejection(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('getAggregatedMetrics with from/to: validation', () => {
  it.each([
    ['window and from together', { window: '5m', from: T0 }, 'window', /either window or from/],
    ['from after to', { from: T0 + 60_000, to: T0 }, 'from', /must be before to/],
    ['from equal to to', { from: T0, to: T0 }, 'from', /must be before to/],
    ['from in the future', { from: T0 + 10 * HOUR + 1 }, 'from', /in the future/],
    ['from not a date', { from: 'yesterday' }, 'from', /ISO 8601/],
    ['from a date-time without an offset', { from: '2026-01-01T00:00:00' }, 'from', /ISO 8601/],
    ['to NaN', { from: T0, to: Number.NaN }, 'to', /epoch ms/],
    ['to negative', { to: -1 }, 'to', /epoch ms/],
    ['an invalid Date', { from: new Date('nope') }, 'from', /invalid Date/],
    ['a range over 366 days', { from: T0 + 10 * HOUR - 367 * 24 * HOUR }, 'from', /366 days/],
    ['a window of 0', { window: 0 }, 'window', /greater than 0/],
    ['a default window reaching before 1970 (to=0)', { to: 0 }, 'to', /before the epoch/],
    ['a window reaching before 1970', { window: '5m', to: 60_000 }, 'window', /before the epoch.*a window of 300000 ms/],
  ])('refuses %s, naming the field', async (_, range, field, message) => {
    const { clock, monitor } = setup();
    clock.advance(10 * HOUR);
    const error = await rejection(monitor.getAggregatedMetrics({ name: 'latency_milliseconds', ...range }));
    expect(error.issues.map((i) => i.path)).toEqual([field]);
    expect(error.issues[0]!.message).toMatch(message);
  });
});

describe('getAggregatedMetrics and getTimeSeries: hostile queries', () => {
  const throwing = () =>
    new Proxy(
      {},
      {
        get() {
          throw new Error('get');
        },
        ownKeys() {
          throw new Error('ownKeys');
        },
        getPrototypeOf() {
          throw new Error('proto');
        },
      },
    );
  it.each([
    ['a throwing Proxy as the query', () => throwing(), ''],
    ['a throwing Proxy as labels', () => ({ name: 'x', labels: throwing() }), ''],
    ['a getter that throws', () => ({ name: 'x', get from() { return (() => { throw new Error('getter'); })(); } }), ''],
    ['33 labels', () => ({ name: 'x', labels: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) }), 'labels'],
    ['a __proto__ label (a parsed record would drop it and read every series)', () => ({ name: 'x', labels: JSON.parse('{"__proto__":"x"}') as unknown }), 'labels.__proto__'],
    ['null', () => null, ''],
  ])('rejects %s with a ValidationError, never a foreign error', async (_, query, path) => {
    const { monitor } = setup();
    for (const read of [monitor.getAggregatedMetrics.bind(monitor), monitor.getTimeSeries.bind(monitor)]) {
      const error = await rejection(read(query() as never));
      expect(error.issues.map((i) => i.path)).toEqual([path]);
    }
  });
});

describe('getAggregatedMetrics and getTimeSeries: whole milliseconds', () => {
  it('start a fractional window at the millisecond before to', async () => {
    const { clock, monitor } = setup();
    clock.advance(HOUR);
    const aggregate = await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: 0.5 });
    expect([aggregate.from, aggregate.to, aggregate.window]).toEqual([T0 + HOUR - 1, T0 + HOUR, 1]);
    const series = await monitor.getTimeSeries({ name: 'latency_milliseconds', window: 1.5 });
    expect([series.from, series.to]).toEqual([T0 + HOUR - 2, T0 + HOUR]);
  });
});

describe('getAggregatedMetrics and getTimeSeries: label matchers', () => {
  it('match a label value of any length a series may hold (the index bounds the label set as a whole)', async () => {
    const { clock, monitor } = setup();
    const long = 'q'.repeat(1_500);
    monitor.histogram({ name: 'search_ms', labelNames: ['query'] }).observe(5, { query: long });
    await clock.advanceAsync(SLOT);
    expect((await monitor.getAggregatedMetrics({ name: 'search_ms', labels: { query: long } })).count).toBe(1);
    expect((await monitor.getTimeSeries({ name: 'search_ms', labels: { query: long } })).series).toBe(1);
  });
});

describe('getAggregatedMetrics with from/to: ranges', () => {
  it('reads a past range from memory, with from/to as epoch ms, ISO 8601 strings or Dates alike', async () => {
    const { clock, monitor } = setup();
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    h.observe(10); // slot [T0, T0+30s)
    h.observe(30);
    await clock.advanceAsync(2 * SLOT);
    h.observe(500); // slot [T0+60s, T0+90s)
    await clock.advanceAsync(SLOT);

    const asMs = await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', from: T0, to: T0 + SLOT });
    expect(asMs).toMatchObject({ from: T0, to: T0 + SLOT, window: SLOT, count: 2, sum: 40, min: 10, max: 30, rate: 2 / 30 });
    const asIso = await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', from: new Date(T0).toISOString(), to: '2026-01-01T00:00:30.000+00:00' });
    const asDate = await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', from: new Date(T0), to: new Date(T0 + SLOT) });
    expect(asIso).toEqual(asMs);
    expect(asDate).toEqual(asMs);
    // A date alone is UTC midnight.
    expect(await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', from: '2026-01-01', to: T0 + SLOT })).toEqual(asMs);
  });

  it('takes from without to as from..now, and window with to as the window ending at to', async () => {
    const { clock, monitor } = setup();
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    h.observe(10);
    await clock.advanceAsync(2 * SLOT);
    h.observe(500);
    await clock.advanceAsync(SLOT); // now T0+90s
    expect(await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', from: T0 + 2 * SLOT })).toMatchObject({ from: T0 + 2 * SLOT, to: T0 + 3 * SLOT, count: 1, sum: 500 });
    expect(await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '1m', to: T0 + 2 * SLOT })).toMatchObject({ from: T0, to: T0 + 2 * SLOT, count: 1, sum: 10 });
    // Neither: the last 5 minutes, as before.
    expect(await monitor.getAggregatedMetrics({ name: 'latency_milliseconds' })).toMatchObject({ window: 300_000, to: T0 + 3 * SLOT, count: 2 });
  });

  it('reads a to later than now as now', async () => {
    const { clock, monitor } = setup();
    monitor.histogram({ name: 'latency_milliseconds' }).observe(1);
    await clock.advanceAsync(SLOT);
    const result = await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', from: T0, to: T0 + 24 * HOUR });
    expect(result).toMatchObject({ from: T0, to: T0 + SLOT, window: SLOT, count: 1 });
  });

  it('gives a counter the amount added in the range and its total at the end of the range', async () => {
    const { clock, monitor } = setup();
    const c = monitor.counter({ name: 'orders_total' });
    c.inc(5);
    await clock.advanceAsync(SLOT);
    c.inc(2);
    await clock.advanceAsync(SLOT);
    c.inc(100);
    await clock.advanceAsync(SLOT);
    expect(await monitor.getAggregatedMetrics({ name: 'orders_total', from: T0 + SLOT, to: T0 + 2 * SLOT })).toMatchObject({ kind: 'counter', sum: 2, last: 7, rate: 2 / 30 });
  });

  it('reads a range long gone from memory from rollups another instance wrote to the same store', async () => {
    const clock = new ManualClock(T0);
    const { monitor: writer, storage } = setup(undefined, clock);
    const h = writer.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    for (let i = 1; i <= 100; i++) h.observe(i);
    await clock.advanceAsync(SLOT);
    for (let i = 1; i <= 100; i++) h.observe(1000 + i);
    await writer.close();
    open.splice(open.indexOf(writer), 1);

    clock.advance(2 * HOUR); // long out of any ring, within the store's retention (24 h)
    const { monitor: reader } = setup(storage, clock);
    reader.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' }).observe(7); // now: outside the range
    const first = await reader.getAggregatedMetrics({ name: 'latency_milliseconds', from: T0, to: T0 + SLOT });
    expect(first).toMatchObject({ kind: 'histogram', count: 100, sum: 5050, min: 1, max: 100, series: 1 });
    expect(first.p50).toBeCloseTo(50, -0.5);
    const both = await reader.getAggregatedMetrics({ name: 'latency_milliseconds', from: new Date(T0), to: new Date(T0 + 2 * SLOT) });
    expect(both).toMatchObject({ count: 200, min: 1, max: 1100 });
    // The range ending now takes the reader's own memory with the stored rollups.
    expect(await reader.getAggregatedMetrics({ name: 'latency_milliseconds', from: T0 })).toMatchObject({ count: 201 });
  });
});
