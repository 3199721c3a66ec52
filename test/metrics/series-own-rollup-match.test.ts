// A window read skips this monitor's own rollup of a slot its ring still holds (memory counts it),
// matching the two by content since a zero-length slot shares its start with the next one
// (series-zero-length-slot.test.ts). Two cases the exact (start, count, sum) match got wrong:
// - the zero-length slot and the next with one count and sum but other values: the zero-length
//   slot's rollup took the next slot's ring slot, so its min, max and values were lost and the
//   next slot's counted twice;
// - a store that gives doubles back rounded to 15 digits (PostgreSQL with extra_float_digits = 0,
//   the default before PostgreSQL 12, or set on a role, a database or a pooler): no own rollup of
//   an inexact sum matched its ring slot, and every one counted twice, in every reader.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor, type StorageAdapter } from '../../src/index.js';
import type { CapabilityContext } from '../../src/capability.js';
import { TickCaches } from '../../src/alerts/tick-caches.js';
import { PostgresStorage } from '../../src/postgres.js';
import { ManualClock } from '../../src/testing.js';
import { dropSchema, PG_URL, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';
import { random } from '../helpers/random.js';
import { readWindows } from '../helpers/window-readers.js';

const pgUp = await postgresAvailable('own rollups matched on a rounding PostgreSQL');
const schema = uniqueSchema('m_own_match');
const pool = pgUp ? testPool(1) : undefined;
afterEach(async () => {
  if (pool !== undefined) await dropSchema(pool, schema);
});
afterAll(async () => {
  await pool?.end();
});

const HOUR = 3_600_000;
const T0 = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
const SLOT = 30_000;
const NAME = 'lat_seconds';
const WINDOW = 600_000;

/** Count, sum, min and max of `NAME` over the last `WINDOW` ms from the three readers of windows. */
const reads = (monitor: Monitor, caches: TickCaches, now: number) => readWindows(monitor, caches, NAME, WINDOW, now);

/** A monitor `m0` on `storage`, its rule engine's tick caches and a histogram. */
function setup(clock: ManualClock, storage: StorageAdapter) {
  const monitor = createMonitor({ clock, storage, instanceId: 'm0', logger: false, snapshot: { window: '10m' }, alerts: { evaluationInterval: '1h', syncInterval: '1h' } });
  const caches = new TickCaches((monitor.alerts as unknown as { ctx: CapabilityContext }).ctx);
  const h = monitor.histogram({ name: NAME, labelNames: ['route'], unit: 'seconds' });
  return { monitor, caches, h };
}

describe('a zero-length slot and the next with the same count and sum, on a MemoryStorage', () => {
  const cases: [string, boolean][] = [
    ['the series removed at the slot start and recorded again', true],
    ['the zero-length slot left the ring', false],
  ];
  it.each(cases)('keeps both slots’ values: %s', async (_, removed) => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const { monitor, caches, h } = setup(clock, storage);
    try {
      await clock.advanceAsync(SLOT);
      // [S, S): 1 and 3; [S, S + 30 s): 2 and 2. Count 2 and sum 4 each.
      h.observe(1, { route: '/a' });
      h.observe(3, { route: '/a' });
      if (removed) expect(h.remove({ route: '/a' })).toBe(true);
      await monitor.flush();
      h.observe(2, { route: '/a' });
      h.observe(2, { route: '/a' });
      let count = 4;
      let sum = 8;
      // Without the removal, 10 closes after the zero-length slot push it out of the ring (10 closed slots).
      for (let i = 0; i < (removed ? 1 : 9); i++) {
        await clock.advanceAsync(SLOT);
        h.observe(0.5, { route: '/a' });
        count++;
        sum += 0.5;
      }
      await monitor.flush();
      await clock.advanceAsync(1_000);
      expect(await reads(monitor, caches, clock.now())).toEqual({ aggregated: { count, sum, min: 0.5, max: 3 }, snapshot: { count, sum }, rules: { count, sum } });
    } finally {
      await monitor.close();
      await storage.close();
    }
  });
});

describe('own rollups on a PostgreSQL that prints doubles to 15 digits (extra_float_digits = 0)', () => {
  it.skipIf(!pgUp)('counts each observation once', async () => {
    const clock = new ManualClock(T0);
    const storage = new PostgresStorage({ connectionString: `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=-c%20extra_float_digits%3D0`, schema, now: () => clock.now() });
    await storage.migrate();
    const { monitor, caches, h } = setup(clock, storage);
    try {
      const next = random(11);
      let count = 0;
      let sum = 0;
      for (let s = 0; s < 6; s++) {
        // Sums no 15-digit text holds exactly (0.1 + 0.2 is 0.30000000000000004).
        for (const v of [0.1, 0.2, next() * 3]) {
          h.observe(v, { route: '/a' });
          count++;
          sum += v;
        }
        await clock.advanceAsync(SLOT);
        await monitor.flush();
      }
      await clock.advanceAsync(1_000);
      const got = await reads(monitor, caches, clock.now());
      expect([got.aggregated.count, got.snapshot.count, got.rules.count]).toEqual([count, count, count]);
      for (const r of [got.aggregated, got.snapshot, got.rules]) expect(r.sum).toBeCloseTo(sum, 9);
    } finally {
      await monitor.close();
      await storage.close();
    }
  });
});
