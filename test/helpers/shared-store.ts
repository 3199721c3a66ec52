// The real Redis or PostgreSQL as a store several processes share, under a namespace of the
// test's own (a key prefix or a schema). Imported by test files and by the child processes they
// start alike, so it imports nothing from vitest.
import type { StorageAdapter } from '../../src/index.js';
import { dropSchema, testPool } from './postgres-db.js';
import { deleteUnder, inspector } from './redis-env.js';

/** Which real store. */
export type SharedStoreKind = 'redis' | 'postgres';

/** Opens the store under `namespace`; PostgreSQL's schema is migrated first (idempotent). */
export async function openSharedStore(store: SharedStoreKind, namespace: string): Promise<StorageAdapter> {
  if (store === 'redis') {
    const { RedisStorage } = await import('../../src/redis.js');
    return new RedisStorage({ url: 'redis://127.0.0.1:6379', keyPrefix: namespace });
  }
  const { PostgresStorage } = await import('../../src/postgres.js');
  const storage = new PostgresStorage({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', schema: namespace });
  await storage.migrate();
  return storage;
}

/** Deletes everything written under `namespace`. */
export async function clearSharedStore(store: SharedStoreKind, namespace: string): Promise<void> {
  if (store === 'redis') {
    const client = inspector();
    await deleteUnder(client, namespace);
    client.disconnect();
    return;
  }
  const pool = testPool(1);
  await dropSchema(pool, namespace);
  await pool.end();
}
