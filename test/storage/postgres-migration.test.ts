/**
 * Migration 3 on tables that hold data, on the real PostgreSQL: its unique index is built
 * CONCURRENTLY outside the migration transaction and bound by no statement timeout, an invalid
 * leftover of a failed build is rebuilt, three processes migrating at once leave one valid
 * index, and a failed automatic migration backs off instead of running again on every call.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/core/errors.js';
import { PostgresStorage } from '../../src/postgres.js';
import { MIGRATION_LOCK_CLASS } from '../../src/storage/postgres-migrator.js';
import { dropSchema, PG_URL, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';
import type { MigratorConfig } from './postgres-migrator-process.js';

const available = await postgresAvailable('PostgresStorage migration tests');
const run = promisify(execFile);
const MIGRATOR = fileURLToPath(new URL('./postgres-migrator-process.ts', import.meta.url));
/** Rows of the "large" table: enough that building the unique index takes several times TIMEOUT. */
const ROWS = 400_000;
/** The statement timeout the migrations below run under (server-side and pg's query_timeout). */
const TIMEOUT = 250;
const START = Math.floor(Date.now() / 30_000) * 30_000 - 60_000;

describe.skipIf(!available)('PostgresStorage migration 3 on a table holding data', () => {
  const pool = testPool(4);
  /** A pool whose every statement is cancelled by the server after TIMEOUT ms. */
  const strict = new pg.Pool({ connectionString: PG_URL, max: 4, statement_timeout: TIMEOUT });
  strict.on('error', () => undefined);
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(pool, schema);
    await Promise.all([pool.end(), strict.end()]);
  }, 60_000);

  /** A schema as version 2 left it, its rollups table holding `rows` rows written before instances. */
  async function versionTwo(rows: number): Promise<string> {
    const schema = uniqueSchema('pw_mig');
    schemas.push(schema);
    await new PostgresStorage({ pool, schema, autoMigrate: false }).migrate();
    const s = `"${schema}"`;
    await pool.query(`DROP INDEX ${s}.rollups_instance_slot_idx`);
    await pool.query(`ALTER TABLE ${s}.rollups DROP COLUMN instance`);
    await pool.query(`CREATE INDEX rollups_name_start_idx ON ${s}.rollups (name, start_ms)`);
    await pool.query(`DELETE FROM ${s}.migrations WHERE version = 3`);
    // Autovacuum on the fresh rows would hold up the migration's ALTER TABLE past TIMEOUT.
    await pool.query(`ALTER TABLE ${s}.rollups SET (autovacuum_enabled = false)`);
    await pool.query(
      `INSERT INTO ${s}.rollups (name, kind, labels, series_key, start_ms, end_ms, count, sum, min, max)
       SELECT 'm_' || (g % 50), 'counter', jsonb_build_object('k', (g % 1000)::text), '{"k":"' || (g % 1000) || '"}',
              $1::bigint - (g / 1000) * 30000, $1::bigint - (g / 1000) * 30000 + 30000, 1, g, g, g
       FROM generate_series(1, $2::int) g`,
      [START, rows],
    );
    return schema;
  }

  async function indexes(schema: string): Promise<{ name: string; valid: boolean; unique: boolean }[]> {
    const { rows } = await pool.query<{ name: string; valid: boolean; unique: boolean }>(
      `SELECT c.relname AS name, i.indisvalid AS valid, i.indisunique AS unique FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND i.indrelid = $2::regclass ORDER BY 1`,
      [schema, `"${schema}".rollups`],
    );
    return rows;
  }

  const versions = async (schema: string): Promise<number[]> =>
    (await pool.query<{ version: number }>(`SELECT version FROM "${schema}".migrations ORDER BY version`)).rows.map((r) => r.version);

  const stamped = (instance: string) => ({ name: 'orders_total', kind: 'counter' as const, labels: {}, start: START, end: START + 30_000, count: 1, sum: 1, min: 1, max: 1, instance });

  it(`builds the index over ${ROWS.toLocaleString('en-US')} rows though every statement is limited to ${TIMEOUT} ms`, async () => {
    const schema = await versionTwo(ROWS);
    // The limit is real: building the same index as migration 3 did before (in one statement) is cancelled.
    const direct = await strict
      .query(`CREATE UNIQUE INDEX probe_idx ON "${schema}".rollups (name, start_ms, (null::text), md5(series_key))`)
      .catch((e: unknown) => e);
    expect(direct).toMatchObject({ code: '57014' }); // query_canceled: statement timeout
    const storage = new PostgresStorage({ pool: strict, schema, queryTimeout: TIMEOUT });
    expect(await storage.migrate()).toEqual([3]);
    expect(await versions(schema)).toEqual([1, 2, 3]);
    expect(await indexes(schema)).toEqual([
      { name: 'rollups_end_idx', valid: true, unique: false },
      { name: 'rollups_instance_slot_idx', valid: true, unique: true },
      { name: 'rollups_labels_idx', valid: true, unique: false },
      { name: 'rollups_pkey', valid: true, unique: true },
    ]);
    // The pool's connections keep their own statement timeout afterwards.
    expect((await strict.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0]!.statement_timeout).toBe(`${TIMEOUT}ms`);
    await storage.close();
    // Writes checked without the migration's tight timeouts: on a busy machine a first write to
    // a 400,000-row table can take longer than the 250 ms the migration was held to.
    const writer = new PostgresStorage({ pool, schema });
    await writer.writeRollups([stamped('web-1'), stamped('web-2')]);
    await writer.writeRollups([{ ...stamped('web-1'), sum: 5 }]);
    const read = await writer.queryRollups({ name: 'orders_total' });
    expect(read.map((r) => [r.instance, r.sum])).toEqual([
      ['web-1', 5],
      ['web-2', 1],
    ]);
    await writer.close();
  }, 120_000);

  it('drops an invalid index a cancelled build left behind, builds it again and only then records version 3', async () => {
    const schema = await versionTwo(ROWS);
    await pool.query(`ALTER TABLE "${schema}".rollups ADD COLUMN instance text`);
    // As a build cancelled by a timeout (or a process killed mid-build) leaves it.
    const cancelled = await strict
      .query(`CREATE UNIQUE INDEX CONCURRENTLY rollups_instance_slot_idx ON "${schema}".rollups (name, start_ms, instance, md5(series_key))`)
      .catch((e: unknown) => e);
    expect(cancelled).toMatchObject({ code: '57014' });
    expect((await indexes(schema)).find((i) => i.name === 'rollups_instance_slot_idx')).toEqual({ name: 'rollups_instance_slot_idx', valid: false, unique: true });
    expect(await versions(schema)).toEqual([1, 2]);

    const storage = new PostgresStorage({ pool: strict, schema, queryTimeout: TIMEOUT });
    expect(await storage.migrate()).toEqual([3]);
    expect((await indexes(schema)).filter((i) => i.name === 'rollups_instance_slot_idx')).toEqual([{ name: 'rollups_instance_slot_idx', valid: true, unique: true }]);
    expect((await indexes(schema)).map((i) => i.name)).not.toContain('rollups_name_start_idx');
    expect(await versions(schema)).toEqual([1, 2, 3]);
    await storage.close();
    // The rebuilt index enforces one row per (series, slot, instance); checked without the
    // migration's tight timeouts (see above).
    const writer = new PostgresStorage({ pool, schema });
    await writer.writeRollups([stamped('web-1')]);
    await writer.writeRollups([stamped('web-1')]);
    expect(await writer.queryRollups({ name: 'orders_total', labels: {} })).toHaveLength(1);
    await writer.close();
  }, 120_000);

  it('ends with one valid index when 3 processes start at once: two call migrate(), one writes at once', async () => {
    const schema = await versionTwo(ROWS / 2);
    const start = (mode: MigratorConfig['mode'], instance: string): Promise<{ applied: number[] | null }> =>
      run(process.execPath, ['--import', 'tsx', MIGRATOR, JSON.stringify({ schema, mode, start: START, instance } satisfies MigratorConfig)], { timeout: 90_000 }).then(
        ({ stdout }) => JSON.parse(stdout.trim().split('\n').at(-1)!) as { applied: number[] | null },
      );
    const results = await Promise.all([start('migrate', 'web-1'), start('migrate', 'web-2'), start('write', 'web-3')]);
    // Each migrate() resolved once the schema was current; at most one of them applied version 3.
    const applied = results.slice(0, 2).map((r) => r.applied!);
    expect(applied.flat().filter((v) => v === 3).length).toBeLessThanOrEqual(1);
    for (const a of applied) expect([[], [3]]).toContainEqual(a);
    expect(await versions(schema)).toEqual([1, 2, 3]);
    const built = await indexes(schema);
    expect(built.filter((i) => i.name === 'rollups_instance_slot_idx')).toEqual([{ name: 'rollups_instance_slot_idx', valid: true, unique: true }]);
    expect(built.every((i) => i.valid)).toBe(true);
    expect(built.map((i) => i.name)).not.toContain('rollups_name_start_idx');
    // The writer's rollup is stored once, beside the 200,000 rows from before.
    const { rows } = await pool.query<{ instance: string | null; n: string }>(`SELECT instance, count(*) AS n FROM "${schema}".rollups GROUP BY 1 ORDER BY 1`);
    expect(rows).toEqual([
      { instance: 'web-3', n: '1' },
      { instance: null, n: String(ROWS / 2) },
    ]);
  }, 120_000);

  it('with autoMigrate off, refuses calls until a deploy step has brought the schema to this version', async () => {
    const schema = await versionTwo(10);
    const instance = new PostgresStorage({ pool, schema, autoMigrate: false });
    const error = (await instance.writeRollups([stamped('web-1')]).catch((e: unknown) => e)) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.permanent).toBe(false);
    expect(error.message).toContain('is at version 2, this version of pulsewatch needs 3: run migrate()');
    expect((await pool.query(`SELECT count(*)::int AS n FROM "${schema}".rollups`)).rows[0]).toEqual({ n: 10 }); // nothing written
    expect(await new PostgresStorage({ pool, schema }).migrate()).toEqual([3]);
    await instance.writeRollups([stamped('web-1')]);
    expect(await instance.queryRollups({ name: 'orders_total' })).toHaveLength(1);
  });
});

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
    expect(await explicit).toEqual([1, 2, 3]);
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
    expect(await versions(schema)).toEqual([1, 2, 3]);
  });
});
