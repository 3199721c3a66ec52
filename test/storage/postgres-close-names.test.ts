import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStorage } from '../../src/postgres.js';
import type { Rollup } from '../../src/storage/contract.js';
import type { StorageError } from '../../src/core/errors.js';
import { dropSchema, PG_URL, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';

const available = await postgresAvailable('PostgresStorage close() during a write');
const SLOT = 30_000;

describe.skipIf(!available)('PostgresStorage closed while a write runs', () => {
  const admin = testPool(2);
  const schema = uniqueSchema('pw_close_names');
  afterAll(async () => {
    await dropSchema(admin, schema);
    await admin.end();
  });

  it('upserts the names and series of the rollups the write stored (2350ebd upserted them after the round, on a connection close() had refused)', async () => {
    const base = Math.floor(Date.now() / SLOT) * SLOT - 10 * SLOT;
    const rollup = (shop: string): Rollup => ({ name: 'orders_total', kind: 'counter', labels: { shop }, start: base, end: base + SLOT, count: 1, sum: 5, min: 5, max: 5, instance: 'i' });
    const failures: StorageError[] = [];
    const storage = new PostgresStorage({ connectionString: PG_URL, schema, onError: (e) => failures.push(e) });
    await storage.migrate();
    // The COPY waits on this lock, so close() comes while the statement runs.
    const locker = await admin.connect();
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE "${schema}".rollups IN EXCLUSIVE MODE`);
    const write = storage.writeRollups([rollup('a'), rollup('b')]);
    await expect.poll(async () => (await admin.query(`SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'rollups' AND NOT l.granted`)).rows[0].n).toBeGreaterThan(0);
    const closing = storage.close();
    await locker.query('COMMIT');
    locker.release();
    await write;
    await closing;
    const count = async (table: string): Promise<number> => (await admin.query(`SELECT count(*)::int AS n FROM "${schema}".${table}`)).rows[0].n as number;
    expect(await count('rollups')).toBe(2);
    expect(await count('metric_names')).toBe(1);
    expect(await count('metric_series')).toBe(2);
    expect(failures).toEqual([]);
  });
});
