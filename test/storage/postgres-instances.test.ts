/**
 * PostgreSQL's side of "one rollup per series, slot and instance": label sets too long for a
 * btree row when indexed as they are, and a retried batch written again as an upsert.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Rollup } from '../../src/index.js';
import { PostgresStorage } from '../../src/postgres.js';
import { recordPoolStatements } from './postgres-statements.js';
import { dropSchema, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';

const available = await postgresAvailable('PostgresStorage instance tests');
const SLOT = 30_000;

// Once: every rollup of a test is of the same slot.
const START = Math.floor(Date.now() / SLOT) * SLOT - 2 * SLOT;

function recent(extra: Partial<Rollup> = {}): Rollup {
  const start = START;
  return { name: 'orders_total', kind: 'counter', labels: { shop: 'a' }, start, end: start + SLOT, count: 1, sum: 1, min: 1, max: 1, ...extra };
}

describe.skipIf(!available)('PostgresStorage: rollups of several instances', () => {
  const pool = testPool(2);
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(pool, schema);
    await pool.end();
  });

  it('keeps one row per (series, slot, instance) for a label set longer than a btree row can index', async () => {
    const schema = uniqueSchema('pw_inst');
    schemas.push(schema);
    const storage = new PostgresStorage({ pool, schema });
    const labels = { path: 'x'.repeat(2_000), query: 'é'.repeat(1_000) };
    const batch = [recent({ labels, instance: 'web-1' }), recent({ labels, instance: 'web-2' })];
    await storage.writeRollups(batch);
    await storage.writeRollups(batch);
    const read = await storage.queryRollups({ name: 'orders_total' });
    expect(read.map((r) => r.instance).sort()).toEqual(['web-1', 'web-2']);
    expect(read[0]!.labels).toEqual(labels);
    await storage.close();
  });

  it('writes new rollups with COPY, and a batch meeting a stored row again as an upsert that replaces it', async () => {
    const schema = uniqueSchema('pw_inst');
    schemas.push(schema);
    const storage = new PostgresStorage({ pool, schema });
    await storage.migrate();
    const log = recordPoolStatements(pool);
    // The expected unique_violation must not cost a connection (pool.query would close it).
    let closed = 0;
    const onRemove = (): void => void closed++;
    pool.on('remove', onRemove);
    try {
      await storage.writeRollups([recent({ instance: 'web-1' }), recent({ instance: 'web-2' })]);
      expect(log.texts().map((t) => t.split(' ')[0])).toEqual(['WITH', 'COPY', 'WITH']); // the sweep, the batch, its name and series
      // A retried batch whose first attempt landed, with one rollup the first attempt did not hold.
      await storage.writeRollups([recent({ instance: 'web-1', sum: 7 }), recent({ instance: 'web-3' }), recent({ instance: 'web-2', sum: 9 })]);
    } finally {
      log.restore();
      pool.off('remove', onRemove);
    }
    expect(closed).toBe(0);
    // The name's end did not move: no names upsert this time.
    expect(log.texts()).toHaveLength(5);
    expect(log.texts()[3]).toMatch(/^COPY /);
    expect(log.texts()[4]).toMatch(/^INSERT INTO .* json_to_recordset\(.* ON CONFLICT /s);
    const read = await storage.queryRollups({ name: 'orders_total' });
    expect(read.map((r) => [r.instance, r.sum]).sort()).toEqual([
      ['web-1', 7],
      ['web-2', 9],
      ['web-3', 1],
    ]);
    await storage.close();
  });
});
