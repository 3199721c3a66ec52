import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisStorage } from '../../src/redis.js';
import { describeStorageAdapter } from '../../src/testing/storage-conformance.js';
import { deleteUnder, inspector, REDIS_URL, redisAvailable, uniquePrefix } from '../helpers/redis-env.js';

const up = await redisAvailable('RedisStorage conformance');

describe.skipIf(!up)('RedisStorage', () => {
  const admin = inspector();
  afterAll(() => admin.disconnect());

  // Leases expire on Redis' clock (PX), which tests cannot move: `serverTime` leaves out the
  // suite's cases that move time, and redis.test.ts checks the PX and the expiry on real time
  // instead. Retention is a day: the suite writes rollups up to ~2.8 h old.
  describeStorageAdapter(
    'RedisStorage',
    () => {
      const prefix = uniquePrefix();
      return { storage: new RedisStorage({ url: REDIS_URL, keyPrefix: prefix, retention: '1d' }), cleanup: () => deleteUnder(admin, prefix) };
    },
    { describe, it, expect, beforeEach, afterEach },
    { serverTime: true, rollupChanges: true, metricNames: true, state: true, compaction: true },
  );
});
