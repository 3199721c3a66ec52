// Where the metrics persist: seed 002 keeps them in PostgreSQL for 30 days
// (PERFORMANCE_RETENTION_DAYS). `--postgres` uses PostgresStorage on DATABASE_URL (default the
// local `test` database) in the schema PMS_SCHEMA (default `f1_seed002`); without it the
// in-memory store, with the same 30-day retention.
import pg from 'pg';
import { MemoryStorage, type Rollup, type StorageAdapter } from 'pulsewatch';
import { PostgresStorage } from 'pulsewatch/postgres';
import { SEED_ENV } from './config.js';

const DAY = 86_400_000;
const RETENTION = `${SEED_ENV.PERFORMANCE_RETENTION_DAYS}d` as const;

/** Opens the store; `now` is the app's clock (the simulated one), which retention is counted on. */
export async function openStore(postgres: boolean, now: () => number): Promise<{ storage: StorageAdapter; kind: string; close(): Promise<void> }> {
  if (!postgres) {
    const storage = new MemoryStorage({ retention: RETENTION, now });
    return { storage, kind: 'memory', close: () => storage.close() };
  }
  const pool = new pg.Pool({ connectionString: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test' });
  pool.on('error', (error) => console.error('idle pg client failed', error));
  const schema = process.env['PMS_SCHEMA'] ?? 'f1_seed002';
  const storage = new PostgresStorage({ pool, schema, retention: RETENTION, now });
  await storage.migrate();
  return {
    storage,
    kind: `postgres:${schema}`,
    async close() {
      await storage.close();
      await pool.end();
    },
  };
}

/**
 * Shows the 30-day retention on the store: a rollup that ended 31 days ago is not kept, one of 29
 * days is written and read back. Returns the ages read back.
 */
export async function retentionProbe(storage: StorageAdapter, now: number): Promise<string[]> {
  const rollup = (days: number): Rollup => ({ name: 'pms_retention_probe', kind: 'counter', labels: { age: `${days}d` }, start: now - days * DAY - 30_000, end: now - days * DAY, count: 1, sum: 1, min: 1, max: 1, service: 'pms', instance: 'retention-probe' });
  await storage.writeRollups([rollup(31), rollup(29)]);
  const back = await storage.queryRollups({ name: 'pms_retention_probe', from: now - 40 * DAY });
  return back.map((r) => r.labels['age'] ?? '');
}
