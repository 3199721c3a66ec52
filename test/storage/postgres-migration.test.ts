/**
 * Migrating by itself (`autoMigrate`) on the real PostgreSQL: a call does not wait past
 * `queryTimeout` while another session migrates, and a failed automatic migration backs off
 * instead of running again on every call.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/core/errors.js';
import { PostgresStorage } from '../../src/postgres.js';
import { MIGRATION_LOCK_CLASS } from '../../src/storage/postgres/postgres-migrator.js';
import { dropSchema, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';

const available = await postgresAvailable('PostgresStorage migration tests');
const START = Math.floor(Date.now() / 30_000) * 30_000 - 60_000;

describe.skipIf(!available)('PostgresStorage migrating by itself (autoMigrate)', () => {
  const pool = testPool(4);
  const versions = async (schema: string): Promise<number[]> =>
    (await pool.query<{ version: number }>(`SELECT version FROM "${schema}".migrations ORDER BY version`)).rows.map((r) => r.version);
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(pool, schema);
    await pool.end();
  });

  it('does not wait past queryTimeout while another session migrates; migrate() waits until it is done', async () => {
    const schema = uniqueSchema('pw_mig');
    schemas.push(schema);
    const holder = await pool.connect();
    await holder.query('SELECT pg_advisory_lock($1::int, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]);
    const storage = new PostgresStorage({ pool, schema, queryTimeout: 300 });
    let migrated = false;
    const explicit = storage.migrate().then((applied) => ((migrated = true), applied));
    const error = await storage.queryRollups({ name: 'orders_total' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).permanent).toBe(false);
    expect((error as StorageError).message).toContain('another session is migrating');
    expect(migrated).toBe(false);
    await holder.query('SELECT pg_advisory_unlock($1::int, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]);
    holder.release();
    expect(await explicit).toEqual([1, 2]);
    expect(await storage.queryRollups({ name: 'orders_total' })).toEqual([]);
  });

  it('after a failed attempt, rejects at once until the backoff has passed, then migrates', async () => {
    const schema = uniqueSchema('pw_mig');
    schemas.push(schema);
    // A table in the way: migration 1 cannot create rollups.
    await pool.query(`CREATE SCHEMA "${schema}"`);
    await pool.query(`CREATE TABLE "${schema}".rollups (x int)`);
    const time = { now: START };
    const storage = new PostgresStorage({ pool, schema, now: () => time.now });
    const first = (await storage.queryRollups({ name: 'orders_total' }).catch((e: unknown) => e)) as StorageError;
    expect(first).toBeInstanceOf(StorageError);
    expect(first.cause).toMatchObject({ code: '42P07' }); // duplicate_table
    await pool.query(`DROP TABLE "${schema}".rollups`);
    // Within the backoff (1 s after the first failure) no attempt is made: the schema stays unmigrated.
    time.now += 999;
    const second = (await storage.queryRollups({ name: 'orders_total' }).catch((e: unknown) => e)) as StorageError;
    expect(second).toBeInstanceOf(StorageError);
    expect(second.permanent).toBe(false);
    expect(second.message).toMatch(/next attempt is in 1 ms/);
    expect(second.cause).toBe(first.cause);
    const migrationsTable = async (): Promise<number> =>
      (await pool.query('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [schema, 'migrations'])).rows.length;
    expect(await migrationsTable()).toBe(0); // the failed attempt rolled back, and none ran since
    time.now += 1;
    expect(await storage.queryRollups({ name: 'orders_total' })).toEqual([]);
    expect(await versions(schema)).toEqual([1, 2]);
  });

  it('with autoMigrate off, refuses calls until a deploy step has brought the schema to this version', async () => {
    const schema = uniqueSchema('pw_mig');
    schemas.push(schema);
    await new PostgresStorage({ pool, schema }).migrate();
    await pool.query(`DELETE FROM "${schema}".migrations`); // as a schema older than this build would read
    const instance = new PostgresStorage({ pool, schema, autoMigrate: false });
    const stamped = { name: 'orders_total', kind: 'counter' as const, labels: {}, start: START, end: START + 30_000, count: 1, sum: 1, min: 1, max: 1, instance: 'web-1' };
    const error = (await instance.writeRollups([stamped]).catch((e: unknown) => e)) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.permanent).toBe(false);
    expect(error.message).toContain('is at version 0, this version of pulsewatch needs 2: run migrate()');
    expect((await pool.query(`SELECT count(*)::int AS n FROM "${schema}".rollups`)).rows[0]).toEqual({ n: 0 }); // nothing written
    await pool.query(`INSERT INTO "${schema}".migrations (version, description) VALUES (1, 'by a deploy step')`);
    // At version 1 (the previous release's schema) the call is still refused: version 2 is missing.
    const older = (await instance.writeRollups([stamped]).catch((e: unknown) => e)) as StorageError;
    expect(older.message).toContain('is at version 1, this version of pulsewatch needs 2: run migrate()');
    await pool.query(`INSERT INTO "${schema}".migrations (version, description) VALUES (2, 'by a deploy step')`);
    await instance.writeRollups([stamped]);
    expect(await instance.queryRollups({ name: 'orders_total' })).toHaveLength(1);
  });
});
