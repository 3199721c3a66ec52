import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PostgresStorage } from '../../src/postgres.js';
import { describeStorageAdapter } from '../../src/testing/storage-conformance.js';
import { dropSchema, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';

const available = await postgresAvailable('PostgresStorage conformance');

if (available) {
  // One pool for the file (the caller's, so the adapter never ends it); a fresh schema per test.
  const pool = testPool(8);
  afterAll(() => pool.end());

  describeStorageAdapter(
    'PostgresStorage',
    async () => {
      const schema = uniqueSchema('pw_conf');
      const time = { now: Date.now() };
      const storage = new PostgresStorage({ pool, schema, now: () => time.now });
      await storage.migrate();
      return {
        storage,
        now: () => time.now,
        advance: (ms: number) => void (time.now += ms),
        cleanup: () => dropSchema(pool, schema),
      };
    },
    { describe, it, expect, beforeEach, afterEach },
    { metricNames: true, state: true, compaction: true },
  );
} else {
  describe.skip('StorageAdapter conformance: PostgresStorage (PostgreSQL unreachable)', () => {
    it('needs PostgreSQL', () => undefined);
  });
}
