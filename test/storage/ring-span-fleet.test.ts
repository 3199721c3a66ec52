/**
 * A long histogram ring beside compaction, in two Node processes over one real Redis and one real
 * PostgreSQL (issue 18): `long` keeps 3 hours of slots in memory with compaction off, `compactor`
 * compacts 10-minute spans an hour old. The long-ring process reads each observation once (its
 * published ring span holds compaction back); once it closes, the spans are compacted and read
 * once too.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStorage } from '../../src/postgres.js';
import { postgresAvailable } from '../helpers/postgres-db.js';
import { redisAvailable } from '../helpers/redis-env.js';
import { forkRpc, type RpcProcess } from '../helpers/rpc-process.js';
import { clearSharedStore } from '../helpers/shared-store.js';

const FIXTURE = fileURLToPath(new URL('./ring-span-process.ts', import.meta.url));
const up = { redis: await redisAvailable('ring span fleet (Redis)'), postgres: await postgresAvailable('ring span fleet (PostgreSQL)') };
const INTERVAL = 10 * 60_000;
const TICKS = 15;

describe.each(['redis', 'postgres'] as const)('a long ring beside compaction, two processes on %s', (store) => {
  const namespace = store === 'redis' ? `h2:ring:${randomUUID()}:` : `h2_ring_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  afterAll(() => (up[store] ? clearSharedStore(store, namespace) : undefined));

  it.skipIf(!up[store])('the long-ring process counts what it recorded; compaction waits for its ring', { timeout: 120_000 }, async () => {
    // On the current 10 minutes: the stores' servers judge TTLs (Redis) by their own clock.
    const start = Math.floor(Date.now() / INTERVAL) * INTERVAL;
    if (store === 'postgres') {
      const migrator = new PostgresStorage({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', schema: namespace });
      await migrator.migrate();
      await migrator.close();
    }
    let long: RpcProcess | undefined;
    let compactor: RpcProcess | undefined;
    try {
      long = await forkRpc(FIXTURE, { store, namespace, start, id: 'long', role: 'long' }, 'long');
      compactor = await forkRpc(FIXTURE, { store, namespace, start, id: 'compactor', role: 'compactor' }, 'compactor');
      for (let i = 0; i < TICKS; i++) {
        const errors = await Promise.all([long.call<string[]>({ op: 'tick' }), compactor.call<string[]>({ op: 'tick' })]);
        expect(errors).toEqual([[], []]);
      }
      const range = { from: start, to: start + TICKS * INTERVAL };
      // 150 observations, one a minute; all in the long process's ring (3 hours).
      expect(await long.call({ op: 'count', ...range })).toBe(TICKS * 10);
      expect(await compactor.call({ op: 'count', ...range })).toBe(TICKS * 10);
      expect(await compactor.call({ op: 'compacted' })).toBe(0);

      // Its ring gone with it and its publication withdrawn, the next tick compacts what is an hour old.
      await long.close();
      long = undefined;
      expect(await compactor.call({ op: 'tick' })).toEqual([]);
      expect(await compactor.call({ op: 'compacted' })).toBeGreaterThan(0);
      expect(await compactor.call({ op: 'count', ...range })).toBe(TICKS * 10);
    } finally {
      await long?.close();
      await compactor?.close();
    }
  });
});
