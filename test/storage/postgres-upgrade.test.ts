/**
 * Upgrading a schema created at version 1 (the first release) to version 2 (metric names and
 * the state table) on the real PostgreSQL: the names already stored are listed, nothing stored
 * is lost, and the state role works on the upgraded schema.
 */
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStorage } from '../../src/postgres.js';
import type { Rollup } from '../../src/storage/contract.js';
import { MIGRATIONS, quoteIdent } from '../../src/storage/postgres/postgres-migrations.js';
import { dropSchema, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';

const available = await postgresAvailable('PostgresStorage upgrade tests');
const SLOT = 30_000;
const NOW = Math.floor(Date.now() / SLOT) * SLOT;

/** A schema exactly as version 1 created it: its statements and its row in `migrations`. */
async function createVersion1(pool: pg.Pool, schema: string): Promise<void> {
  const s = quoteIdent(schema);
  await pool.query(`CREATE SCHEMA ${s}`);
  await pool.query(`CREATE TABLE ${s}.migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  for (const statement of MIGRATIONS[0]!.statements(s)) await pool.query(statement);
  await pool.query(`INSERT INTO ${s}.migrations (version, description) VALUES (1, $1)`, [MIGRATIONS[0]!.description]);
}

function rollup(name: string, slot: number, kind: Rollup['kind'], labels: Record<string, string> = {}): Rollup {
  const start = NOW - slot * SLOT;
  return { name, kind, labels, start, end: start + SLOT, count: 1, sum: 1, min: 1, max: 1, instance: 'i1' };
}

describe.skipIf(!available)('PostgresStorage upgrade from schema version 1', () => {
  const pool = testPool(4);
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(pool, schema);
    await pool.end();
  });

  it('migrates to version 2, lists the names version 1 stored with their latest kind and end, and keeps the rollups', async () => {
    const schema = uniqueSchema('pw_k');
    schemas.push(schema);
    await createVersion1(pool, schema);
    const s = quoteIdent(schema);
    const rows = [rollup('old_total', 10, 'counter', { a: '1' }), rollup('old_total', 3, 'counter', { a: '2' }), rollup('old_level', 5, 'counter'), rollup('old_level', 2, 'gauge')];
    // As version 1's adapter wrote them (the columns the COPY fills).
    for (const r of rows) {
      await pool.query(`INSERT INTO ${s}.rollups (name, kind, labels, start_ms, end_ms, count, sum, min, max, instance) VALUES ($1, $2, $3, $4, $5, 1, 1, 1, 1, $6)`, [
        r.name,
        r.kind,
        JSON.stringify(r.labels),
        r.start,
        r.end,
        r.instance,
      ]);
    }
    const storage = new PostgresStorage({ pool, schema });
    expect(await storage.migrate()).toEqual([2]);
    expect(await storage.listMetricNames({ since: 0 })).toEqual([
      { name: 'old_level', kind: 'gauge', lastSeen: NOW - SLOT },
      { name: 'old_total', kind: 'counter', lastSeen: NOW - 2 * SLOT },
    ]);
    expect((await storage.queryRollups({ name: 'old_total' })).map((r) => r.labels)).toEqual([{ a: '1' }, { a: '2' }]);
    expect(await storage.migrate()).toEqual([]);
    await storage.close();
  });

  it('upgrades by itself on the first call (autoMigrate), an empty version 1 schema included', async () => {
    const schema = uniqueSchema('pw_k');
    schemas.push(schema);
    await createVersion1(pool, schema);
    const storage = new PostgresStorage({ pool, schema });
    expect(await storage.listMetricNames({ since: 0 })).toEqual([]);
    const versions = await pool.query<{ version: number }>(`SELECT version FROM ${quoteIdent(schema)}.migrations ORDER BY version`);
    expect(versions.rows.map((r) => r.version)).toEqual([1, 2]);
    await storage.writeRollups([rollup('new_total', 1, 'counter')]);
    expect((await storage.listMetricNames({ since: 0 })).map((n) => n.name)).toEqual(['new_total']);
    await storage.close();
  });
});
