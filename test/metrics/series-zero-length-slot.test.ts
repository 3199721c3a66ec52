// A flush at the instant a slot begins closes a zero-length slot [S, S): its rollup gets a stamp of
// its own (storage/instance.ts) and shares its start with the next slot, [S, S + 30 s). Both are
// this monitor's, so a window read skips each while the ring slot it was made from is in memory
// (memory counts it). Matched by start alone, the zero-length slot's rollup took the next slot's
// ring slot: with the series removed at S and recorded again after the flush (its old ring gone),
// or once the zero-length slot left the ring, the zero-length slot's observations were lost and
// the next slot's counted twice, in `getAggregatedMetrics`, `snapshot()` and the rule engine alike.
// On a MemoryStorage and on the real Redis (own key prefix, deleted after).
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor, type StorageAdapter } from '../../src/index.js';
import type { CapabilityContext } from '../../src/capability.js';
import { TickCaches } from '../../src/alerts/tick-caches.js';
import { RedisStorage } from '../../src/redis.js';
import { ManualClock } from '../../src/testing.js';
import { deleteUnder, inspector, redisAvailable, REDIS_URL } from '../helpers/redis-env.js';
import { readWindows } from '../helpers/window-readers.js';

const redisUp = await redisAvailable('zero-length slots on Redis');
const admin = redisUp ? inspector() : undefined;
const prefix = `pw-b-${randomUUID()}:`;
afterEach(async () => {
  if (admin !== undefined) await deleteUnder(admin, prefix);
});
afterAll(() => {
  admin?.disconnect();
});

const HOUR = 3_600_000;
// Redis' own clock sets the keys' TTLs: the test's time starts near the real one, at an hour.
const T0 = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
const SLOT = 30_000;
const NAME = 'lat_seconds';
const WINDOW = 600_000;

/** The count and sum of `NAME` over the last `WINDOW` ms as the three readers of windows give them. */
async function reads(monitor: Monitor, caches: TickCaches, now: number): Promise<Record<string, [number, number]>> {
  const { aggregated, snapshot, rules } = await readWindows(monitor, caches, NAME, WINDOW, now);
  return { getAggregatedMetrics: [aggregated.count, aggregated.sum], snapshot: [snapshot.count, snapshot.sum], rules: [rules.count, rules.sum] };
}

const stores: [string, boolean, (clock: ManualClock) => StorageAdapter][] = [
  ['a MemoryStorage', true, (clock) => new MemoryStorage({ now: () => clock.now() })],
  ['Redis', redisUp, (clock) => new RedisStorage({ url: REDIS_URL, keyPrefix: prefix, retention: '1d', now: () => clock.now() })],
];

/** A monitor `m0` on a new store, its rule engine's tick caches and a histogram. */
function setup(open: (clock: ManualClock) => StorageAdapter) {
  const clock = new ManualClock(T0);
  const storage = open(clock);
  const monitor = createMonitor({ clock, storage, instanceId: 'm0', logger: false, snapshot: { window: '10m' }, alerts: { evaluationInterval: '1h', syncInterval: '1h' } });
  const caches = new TickCaches((monitor.alerts as unknown as { ctx: CapabilityContext }).ctx);
  const h = monitor.histogram({ name: NAME, labelNames: ['route'], unit: 'seconds' });
  return { clock, storage, monitor, caches, h };
}

describe.each(stores)('a zero-length slot and the slot after it, both this monitor’s, on %s', (_, up, open) => {
  it.skipIf(!up)('counts each observation once when the series is removed at the slot start and recorded again', async () => {
    const { clock, storage, monitor, caches, h } = setup(open);
    try {
      h.observe(1, { route: '/a' });
      await clock.advanceAsync(SLOT);
      // At the instant slot S begins: three observations, the series removed, a flush (slot [S, S)).
      h.observe(2, { route: '/a' });
      h.observe(3, { route: '/a' });
      h.observe(4, { route: '/a' });
      expect(h.remove({ route: '/a' })).toBe(true);
      await monitor.flush();
      // The series made again, in slot [S, S + 30 s).
      await clock.advanceAsync(15_000);
      h.observe(8, { route: '/a' });
      const expected: [number, number] = [5, 18];
      // Open slot in memory; then closed (its rollup waiting in the recorder); then stored.
      expect(await reads(monitor, caches, clock.now())).toEqual({ getAggregatedMetrics: expected, snapshot: expected, rules: expected });
      await clock.advanceAsync(SLOT);
      expect(await reads(monitor, caches, clock.now())).toEqual({ getAggregatedMetrics: expected, snapshot: expected, rules: expected });
      await monitor.flush();
      await clock.advanceAsync(1_000);
      expect(await reads(monitor, caches, clock.now())).toEqual({ getAggregatedMetrics: expected, snapshot: expected, rules: expected });
    } finally {
      await monitor.close();
      await storage.close();
    }
  });

  it.skipIf(!up)('counts each observation once after the zero-length slot left the ring and the next is still in it', async () => {
    const { clock, storage, monitor, caches, h } = setup(open);
    try {
      await clock.advanceAsync(SLOT);
      h.observe(2, { route: '/a' });
      h.observe(3, { route: '/a' });
      await monitor.flush();
      h.observe(8, { route: '/a' });
      let count = 3;
      let sum = 13;
      // The ring keeps the series' last 10 closed slots: 10 closes after it (the last at the flush
      // below) push the zero-length one out and keep the one after it.
      for (let i = 0; i < 9; i++) {
        await clock.advanceAsync(SLOT);
        h.observe(0.5, { route: '/a' });
        count++;
        sum += 0.5;
      }
      await monitor.flush();
      await clock.advanceAsync(1_000);
      const expected: [number, number] = [count, sum];
      expect(await reads(monitor, caches, clock.now())).toEqual({ getAggregatedMetrics: expected, snapshot: expected, rules: expected });
    } finally {
      await monitor.close();
      await storage.close();
    }
  });
});
