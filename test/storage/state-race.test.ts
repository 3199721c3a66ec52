/**
 * The state role's first-writer-wins across processes: three Node processes race
 * putStateIfAbsent on the same keys of one real Redis and one real PostgreSQL; for every key
 * exactly one process wins, and every reader reads the winner's value.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { hasRole } from '../../src/storage/contract.js';
import { postgresAvailable } from '../helpers/postgres-db.js';
import { redisAvailable } from '../helpers/redis-env.js';
import { forkRpc, type RpcProcess } from '../helpers/rpc-process.js';
import { clearSharedStore, openSharedStore, type SharedStoreKind } from '../helpers/shared-store.js';

const FIXTURE = fileURLToPath(new URL('./state-race-process.ts', import.meta.url));
const up = { redis: await redisAvailable('state race (Redis)'), postgres: await postgresAvailable('state race (PostgreSQL)') };
const KEYS = Array.from({ length: 20 }, (_, i) => `jobs:baseline:race-${i}`);

describe.each(['redis', 'postgres'] as const)('state race between three processes on %s', (store: SharedStoreKind) => {
  const namespace = store === 'redis' ? `pwK:race:${randomUUID()}:` : `pw_k_race_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  afterAll(() => (up[store] ? clearSharedStore(store, namespace) : undefined));

  it.skipIf(!up[store])('gives every key to exactly one process, whose value every reader reads', { timeout: 60_000 }, async () => {
    // The schema exists before the writers start, so their first call is the race, not a migration.
    const reader = await openSharedStore(store, namespace);
    const writers: RpcProcess[] = [];
    try {
      for (const writer of [1, 2, 3]) writers.push(await forkRpc(FIXTURE, { store, namespace, writer }, `writer ${writer}`));
      const results = await Promise.all(writers.map((w) => w.call<boolean[]>({ op: 'race', keys: KEYS })));
      const winners = KEYS.map((_, k) => [1, 2, 3].filter((_, w) => results[w]![k]));
      expect(winners.map((w) => w.length)).toEqual(KEYS.map(() => 1));
      expect(hasRole(reader, 'state')).toBe(true);
      const stored = hasRole(reader, 'state') ? await reader.readState('jobs:baseline:race-') : [];
      const byKey = new Map(stored.map((e) => [e.key, e.value]));
      expect(KEYS.map((key) => byKey.get(key))).toEqual(KEYS.map((key, k) => ({ writer: winners[k]![0], key })));
    } finally {
      for (const w of writers) await w.close();
      await reader.close();
    }
  });
});
