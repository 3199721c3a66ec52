/**
 * One instance of the compaction fleet test, in its own Node process: a monitor with compaction
 * on, on a ManualClock the test moves, over the real Redis or PostgreSQL. Usage: node --import
 * tsx compaction-process.ts <config JSON>; commands over IPC (test/helpers/rpc-process.ts):
 * `tick` (advance one interval, wait for idle; answers how many compactRollups calls it made),
 * `die` (exits at once, closing nothing), `close`. Imports nothing from vitest.
 */
import { createMonitor, type StorageAdapter } from '../../src/index.js';
import { PostgresStorage } from '../../src/postgres.js';
import { RedisStorage } from '../../src/redis.js';
import { ManualClock } from '../../src/testing.js';

const config = JSON.parse(process.argv[2]!) as { store: 'redis' | 'postgres'; namespace: string; start: number; id: string; interval: number };
const clock = new ManualClock(config.start);
const now = () => clock.now();
const storage: StorageAdapter =
  config.store === 'redis'
    ? new RedisStorage({ url: 'redis://127.0.0.1:6379', keyPrefix: config.namespace, retention: '30d', now })
    : new PostgresStorage({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', schema: config.namespace, retention: '30d', now });
let calls = 0;
const counted = new Proxy(storage, {
  get(target, property) {
    const value = (target as unknown as Record<string | symbol, unknown>)[property];
    if (typeof value !== 'function') return value;
    if (property === 'compactRollups') return (...args: unknown[]) => (calls++, (value as (...a: unknown[]) => unknown).apply(target, args));
    return (value as (...a: unknown[]) => unknown).bind(target);
  },
});
const errors: string[] = [];
const monitor = createMonitor({ clock, storage: counted, logger: false, instanceId: config.id, compaction: { interval: config.interval }, alerts: { sharedEvaluation: false } });
monitor.on('error', (e) => errors.push(String(e)));
monitor.counter({ name: 'compaction_fleet_started_total' }).inc(); // starts the monitor (its timers)

process.on('message', async (m: { id: number; op: 'tick' | 'die' | 'close' }) => {
  try {
    if (m.op === 'tick') {
      const before = calls;
      await clock.advanceAsync(config.interval);
      await monitor.idle();
      process.send!({ id: m.id, ok: true, value: { calls: calls - before, errors: errors.splice(0) } });
    } else if (m.op === 'die') {
      process.exit(1);
    } else {
      await monitor.close();
      await storage.close();
      process.send!({ id: m.id, ok: true, value: true });
      process.disconnect();
    }
  } catch (error) {
    process.send!({ id: m.id, ok: false, error: String(error) });
  }
});
process.send!({ ready: true });
