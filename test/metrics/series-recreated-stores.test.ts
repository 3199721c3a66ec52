// The same as series-recreated.test.ts through a real Redis (own key prefix) and a real
// PostgreSQL (own schema), deleted after: a series evicted and made again within one slot, written
// to by a lookup and by a handle kept past the eviction, is stored as one rollup holding both.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type Monitor, type StorageAdapter } from '../../src/index.js';
import { PostgresStorage } from '../../src/postgres.js';
import { RedisStorage } from '../../src/redis.js';
import { ManualClock } from '../../src/testing.js';
import { dropSchema, PG_URL, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';
import { deleteUnder, inspector, redisAvailable, REDIS_URL, uniquePrefix } from '../helpers/redis-env.js';

const redisUp = await redisAvailable('recreated series on Redis');
const pgUp = await postgresAvailable('recreated series on PostgreSQL');
const SLOT = 30_000;
const HOUR = 3_600_000;
// Redis' own clock sets the keys' TTLs: the test's time starts near the real one.
const T0 = Math.floor(Date.now() / HOUR) * HOUR - HOUR;

const admin = redisUp ? inspector() : undefined;
const prefix = `${uniquePrefix()}M:`;
const schema = uniqueSchema('m_recreated');
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

describe.each(stores)('a series evicted and made again within one slot, stored in %s', (_, up, open) => {
  async function monitorOn(clock: ManualClock): Promise<Monitor> {
    const storage = await open(clock);
    opened.push(storage);
    const monitor = createMonitor({ clock, storage, instanceId: 'm-recreated', logger: false, limits: { seriesTtl: 60_000 } });
    opened.push(monitor);
    return monitor;
  }

  it.skipIf(!up)('keeps every count and sum recorded, counter and histogram', async () => {
    const clock = new ManualClock(T0);
    const monitor = await monitorOn(clock);
    const c = monitor.counter({ name: 'orders_total', labelNames: ['shop'] });
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds', labelNames: ['route'] });
    const counted = c.labels({ shop: 'a' });
    const observed = h.labels({ route: '/a' });
    counted.inc(2);
    observed.observe(10);
    // Idle past the TTL: both series leave memory at a slot boundary.
    for (let i = 0; i < 6; i++) await clock.advanceAsync(SLOT);
    expect(c.seriesCount + h.seriesCount).toBe(0);
    // One slot: lookups make the series again and the old handles write too.
    c.inc(3, { shop: 'a' });
    counted.inc(5);
    h.observe(20, { route: '/a' });
    observed.observe(30);
    await monitor.flush();

    const counter = await monitor.storage.queryRollups({ name: 'orders_total', from: T0, to: clock.now() + 1 });
    expect(counter.reduce((n, r) => n + r.sum, 0)).toBe(10);
    expect(counter.reduce((n, r) => n + r.count, 0)).toBe(3);
    const histogram = await monitor.storage.queryRollups({ name: 'latency_milliseconds', from: T0, to: clock.now() + 1 });
    expect(histogram.reduce((n, r) => n + r.count, 0)).toBe(3);
    expect(histogram.reduce((n, r) => n + r.sum, 0)).toBe(60);
    // Read back through the window query, from the store alone (a process that defined nothing).
    await monitor.close();
    const reader = await monitorOn(clock);
    const read = await reader.getAggregatedMetrics({ name: 'latency_milliseconds', from: T0, to: clock.now() + 1 });
    expect(read.count).toBe(3);
    expect(read.sum).toBeCloseTo(60, 6);
  });
});
