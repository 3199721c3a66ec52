import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/core/errors.js';
import { PostgresStorage } from '../../src/postgres.js';
import type { Rollup } from '../../src/storage/contract.js';
import { dropSchema, PG_URL, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';

const available = await postgresAvailable('PostgresStorage names failure tests');
const SLOT = 30_000;

describe.skipIf(!available)('PostgresStorage when the metric_names upsert fails after the rollups were stored', () => {
  const admin = testPool(2);
  const schema = uniqueSchema('pw_fk_names');
  const base = Math.floor(Date.now() / SLOT) * SLOT - 10 * SLOT;
  const failures: StorageError[] = [];
  let storage: PostgresStorage;

  const rollup = (slot: number, extra: Partial<Rollup> = {}): Rollup => ({
    name: 'orders_total', kind: 'counter', labels: { shop: 'x' }, start: base + slot * SLOT, end: base + (slot + 1) * SLOT, count: 1, sum: 5, min: 5, max: 5, ...extra,
  });

  beforeAll(async () => {
    // A short client-side timeout: the locked upsert fails in a second.
    storage = new PostgresStorage({ connectionString: PG_URL, schema, queryTimeout: 1_000, onError: (e) => failures.push(e) });
    await storage.migrate();
    // The first write runs the minute's sweep (which touches metric_names) before the lock is taken.
    await storage.writeRollups([rollup(0, { name: 'warmup_total', instance: 'w' })]);
    // The first list of an adapter catches metric_names up from the rollups; later ones (for five minutes) read the table only.
    await storage.listMetricNames({ since: base });
  });

  afterAll(async () => {
    await storage?.close();
    await dropSchema(admin, schema);
    await admin.end();
  });

  it('resolves the write, stores its rollups once, reports the failure, and upserts the name on a later write', async () => {
    const locker = await admin.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${schema}.metric_names IN ACCESS EXCLUSIVE MODE`);
      await expect(storage.writeRollups([rollup(1)])).resolves.toBeUndefined();
      // The client gave up on the upsert, the server has not: end it, so the name stays unrecorded.
      await locker.query(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%metric_names%' AND pid <> pg_backend_pid()`);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    const rows = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.rollups WHERE name = 'orders_total'`);
    expect(rows.rows[0].n).toBe(1);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(StorageError);
    expect(failures[0]!.message).toContain('metric_names');
    expect((await storage.listMetricNames({ since: base })).map((n) => n.name)).toEqual(['warmup_total']);
    // Not marked as upserted: the next write of the name (same minute) upserts it.
    await storage.writeRollups([rollup(2)]);
    expect((await storage.listMetricNames({ since: base })).map((n) => n.name)).toEqual(['orders_total', 'warmup_total']);
    expect(failures).toHaveLength(1);
  });
});
