// `--redis`: seed 000's optional Redis, here as the monitor's shared store (rollups, alert state,
// dead letters, idempotency leases), under a key prefix of this run that is deleted at the end.
import { Redis } from 'ioredis';
import { RedisStorage } from 'pulsewatch/redis';
import type { ManualClock } from 'pulsewatch/testing';

/** Opens the Redis store; `close()` closes it, deletes this run's keys and quits the client. */
export async function openStore(clock: ManualClock) {
  // Fail fast while disconnected, as docs/storage.md asks of a client you pass in.
  const client = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
  await client.connect();
  // This run's own prefix (SEED000_REDIS_PREFIX, else pid and start time): two runs never share keys.
  const keyPrefix = process.env['SEED000_REDIS_PREFIX'] ?? `f1-seed000:${process.pid}-${Date.now()}:`;
  // Retention decisions on the simulated clock; Redis' own TTLs (leases, key expiry) stay on its clock.
  const storage = new RedisStorage({ client, keyPrefix, now: () => clock.now() });
  return {
    storage,
    client,
    keyPrefix,
    async close(): Promise<void> {
      await storage.close();
      let cursor = '0';
      do {
        // Glob characters of the prefix escaped: the pattern matches this run's keys only.
        const [next, keys] = await client.scan(cursor, 'MATCH', `${keyPrefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 500);
        if (keys.length > 0) await client.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      await client.quit();
    },
  };
}
