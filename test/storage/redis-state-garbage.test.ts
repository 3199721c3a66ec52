import { afterAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/core/errors.js';
import { RedisStorage } from '../../src/redis.js';
import { deleteUnder, inspector, REDIS_URL, redisAvailable, uniquePrefix } from '../helpers/redis-env.js';

const up = await redisAvailable('RedisStorage readState with malformed entries');

describe.skipIf(!up)('RedisStorage readState when an entry was not written by the adapter', () => {
  const admin = inspector();
  const prefix = `pwFK:${uniquePrefix()}`;
  const failures: StorageError[] = [];
  const storage = new RedisStorage({ url: REDIS_URL, keyPrefix: prefix, onError: (e) => failures.push(e) });

  afterAll(async () => {
    await storage.close();
    await deleteUnder(admin, prefix);
    admin.disconnect();
  });

  it('returns the good entries, skips the malformed ones and reports them once per read', async () => {
    const value = { mean: 1, p95: 2, sampleSize: 10, createdAt: 1 };
    await storage.putStateIfAbsent('jobs:api:export', value);
    await storage.putStateIfAbsent('jobs:api:import', value);
    // A hand edit, another tool, a truncated restore: not `updatedAt\nJSON`.
    for (const [key, raw] of [['jobs:api:bad-json', '1\nnot json'], ['jobs:api:no-newline', '{"a":1}'], ['jobs:api:bad-time', 'soon\n{"a":1}']]) {
      await admin.hset(`${prefix}state`, key!, raw!);
      await admin.zadd(`${prefix}state:keys`, 0, key!);
    }
    const entries = await storage.readState('jobs:api:');
    expect(entries.map((e) => e.key)).toEqual(['jobs:api:export', 'jobs:api:import']);
    expect(entries[0]!.value).toEqual(value);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(StorageError);
    expect(failures[0]!.message).toContain('3 state entries');
    expect(failures[0]!.message).toContain('jobs:api:bad-json');
  });
});
