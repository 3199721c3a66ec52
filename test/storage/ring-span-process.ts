/**
 * One instance of the ring span fleet test (ring-span-fleet.test.ts), in its own Node process:
 * a monitor over the real Redis or PostgreSQL on a ManualClock the test moves. `long`: a 3-hour
 * histogram ring (180 one-minute slots), compaction off, one observation a minute; `compactor`:
 * compaction on, 10-minute spans after an hour. Usage: node --import tsx ring-span-process.ts
 * <config JSON>; commands over IPC (test/helpers/rpc-process.ts): `tick` (ten minutes, a minute
 * at a time, then idle; answers the errors since the last tick), `count` (the metric's count over
 * [from, to) as this monitor reads it), `compacted` (compacted rollups in the store), `close`.
 * Imports nothing from vitest.
 */
import { createMonitor, type StorageAdapter } from '../../src/index.js';
import { PostgresStorage } from '../../src/postgres.js';
import { RedisStorage } from '../../src/redis.js';
import { COMPACTED_INSTANCE } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing.js';

const MINUTE = 60_000;
const NAME = 'ring_fleet_latency_seconds';
const config = JSON.parse(process.argv[2]!) as { store: 'redis' | 'postgres'; namespace: string; start: number; id: string; role: 'long' | 'compactor' };
const clock = new ManualClock(config.start);
const now = () => clock.now();
const storage: StorageAdapter =
  config.store === 'redis'
    ? new RedisStorage({ url: 'redis://127.0.0.1:6379', keyPrefix: config.namespace, retention: '30d', now })
    : new PostgresStorage({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', schema: config.namespace, retention: '30d', now });
const long = config.role === 'long';
const errors: string[] = [];
const monitor = createMonitor({
  clock,
  storage,
  logger: false,
  service: 'api',
  instanceId: config.id,
  alerts: { sharedEvaluation: false },
  ...(long ? { histogram: { slotLength: '1m', slots: 180 } } : { compaction: { interval: '10m', tiers: [{ after: '1h', span: '10m' }] } }),
});
monitor.on('error', (e) => errors.push(String(e)));
const latency = monitor.histogram({ name: NAME });
monitor.counter({ name: 'ring_fleet_started_total' }).inc(); // starts the monitor (its timers)

process.on('message', async (m: { id: number; op: 'tick' | 'count' | 'compacted' | 'close'; from?: number; to?: number }) => {
  try {
    if (m.op === 'tick') {
      for (let i = 0; i < 10; i++) {
        if (long) latency.observe(0.25);
        await clock.advanceAsync(MINUTE);
      }
      await monitor.idle();
      process.send!({ id: m.id, ok: true, value: errors.splice(0) });
    } else if (m.op === 'count') {
      process.send!({ id: m.id, ok: true, value: (await monitor.getAggregatedMetrics({ name: NAME, from: m.from!, to: m.to! })).count });
    } else if (m.op === 'compacted') {
      process.send!({ id: m.id, ok: true, value: (await storage.queryRollups({ name: NAME })).filter((r) => r.instance === COMPACTED_INSTANCE).length });
    } else {
      await monitor.close();
      await storage.close();
      process.send!({ id: m.id, ok: true, value: errors.splice(0) });
      process.disconnect();
    }
  } catch (error) {
    process.send!({ id: m.id, ok: false, error: String(error) });
  }
});
process.send!({ ready: true });
