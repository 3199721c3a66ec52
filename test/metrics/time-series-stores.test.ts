// Time series and aggregate ranges over rollups another instance wrote to a real Redis (own key
// prefix) and a real PostgreSQL (own schema), deleted after: the steps long out of memory come
// from the store, each write once.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type Monitor, type StorageAdapter } from '../../src/index.js';
import { PostgresStorage } from '../../src/postgres.js';
import { RedisStorage } from '../../src/redis.js';
import { ManualClock } from '../../src/testing.js';
import { dropSchema, PG_URL, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';
import { deleteUnder, inspector, redisAvailable, REDIS_URL, uniquePrefix } from '../helpers/redis-env.js';

const redisUp = await redisAvailable('time series on Redis');
const pgUp = await postgresAvailable('time series on PostgreSQL');
const MIN = 60_000;
const HOUR = 3_600_000;
// Redis' own clock sets the keys' TTLs: the test's time starts near the real one.
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;

const admin = redisUp ? inspector() : undefined;
const prefix = `${uniquePrefix()}A:`;
const schema = uniqueSchema('a_time_series');
const pool = pgUp ? testPool(1) : undefined;
const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
  if (admin !== undefined) await deleteUnder(admin, prefix);
  if (pool !== undefined) await dropSchema(pool, schema);
});
afterAll(async () => {
  admin?.disconnect();
  await pool?.end();
});

/** Each real store, opened on the test's clock (one instance per monitor, as separate processes would). */
const stores: [string, boolean, (clock: ManualClock) => Promise<StorageAdapter>][] = [
  ['Redis', redisUp, async (clock) => new RedisStorage({ url: REDIS_URL, keyPrefix: prefix, retention: '1d', now: () => clock.now() })],
  [
    'PostgreSQL',
    pgUp,
    async (clock) => {
      const storage = new PostgresStorage({ connectionString: PG_URL, schema, now: () => clock.now() });
      await storage.migrate();
      return storage;
    },
  ],
];

describe.each(stores)('getTimeSeries and from/to over rollups in %s', (_, up, open) => {
  async function monitorOn(clock: ManualClock, instanceId: string): Promise<Monitor> {
    const storage = await open(clock);
    opened.push(storage);
    const monitor = createMonitor({ clock, storage, instanceId, logger: false });
    opened.push(monitor);
    return monitor;
  }

  it.skipIf(!up)('keeps the percentiles of late records (past timestamps) through the store, read by another instance', async () => {
    const clock = new ManualClock(T0 + 2 * HOUR);
    const writer = await monitorOn(clock, 'late-writer');
    // 280..370 ms, each an hour and a half before now: every one becomes a late rollup of its own.
    for (let i = 0; i < 10; i++) writer.recordMetric({ metricType: 'response_time', value: 280 + i * 10, unit: 'ms', timestamp: T0 + 30 * MIN + i * MIN });
    await writer.close();
    const reader = await monitorOn(clock, 'late-reader');
    const a = await reader.getAggregatedMetrics({ name: 'response_time', from: T0, to: T0 + HOUR });
    expect(a.count).toBe(10);
    expect(a.p50).toBeGreaterThan(315);
    expect(a.p50).toBeLessThan(335);
    expect(a.p95).toBeGreaterThan(360);
    expect(a.p95).toBeLessThanOrEqual(371);
  });

  it.skipIf(!up)('reads steps long out of memory from rollups another instance wrote, with the reader’s own memory', async () => {
    const clock = new ManualClock(T0);
    const writer = await monitorOn(clock, 'writer');
    const h = writer.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    const c = writer.counter({ name: 'orders_total' });
    for (let i = 1; i <= 100; i++) h.observe(i);
    c.inc(6);
    await clock.advanceAsync(2 * MIN);
    for (let i = 1; i <= 50; i++) h.observe(1000 + i);
    c.inc(12);
    await clock.advanceAsync(MIN);
    await writer.close();

    await clock.advanceAsync(2 * HOUR);
    const reader = await monitorOn(clock, 'reader');
    reader.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' }).observe(7);
    await clock.advanceAsync(MIN);

    const past = await reader.getTimeSeries({ name: 'latency_milliseconds', from: T0, to: new Date(T0 + 3 * MIN).toISOString(), step: '1m', aggregation: 'p50' });
    expect(past).toMatchObject({ kind: 'histogram', step: MIN, series: 1 });
    expect(past.points.map((p) => p.count)).toEqual([100, 0, 50]);
    expect(past.points[0]!.value).toBeCloseTo(50, -0.5);
    expect(past.points[1]!.value).toBeNull();
    expect(past.points[2]!.value! / 1025).toBeCloseTo(1, 2);

    const rate = await reader.getTimeSeries({ name: 'orders_total', from: T0, to: T0 + 3 * MIN, step: '1m' });
    expect(rate).toMatchObject({ kind: 'counter', aggregation: 'rate' });
    expect(rate.points.map((p) => p.value)).toEqual([6 / 60, null, 12 / 60]);

    const hourly = await reader.getTimeSeries({ name: 'latency_milliseconds', from: T0, step: '1h', aggregation: 'count' });
    expect(hourly.points.map((p) => p.value)).toEqual([150, null, 1]);

    expect(await reader.getAggregatedMetrics({ name: 'latency_milliseconds', from: T0, to: T0 + MIN })).toMatchObject({ count: 100, sum: 5050, min: 1, max: 100 });
    expect(await reader.getAggregatedMetrics({ name: 'orders_total', from: new Date(T0), to: new Date(T0 + 3 * MIN) })).toMatchObject({ kind: 'counter', sum: 18, last: 18 });
  });
});
