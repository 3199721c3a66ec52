import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PostgresStorage } from '../../src/postgres.js';
import type { Rollup } from '../../src/storage/contract.js';
import { dropSchema, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';

const available = await postgresAvailable('PostgresStorage compaction');
const MINUTE = 60_000;
const HOUR = 3_600_000;
const SLOT = 10 * MINUTE;
const H = Date.UTC(2026, 0, 1, 10);

function slot(start: number, instance: string): Rollup {
  return { name: 'jobs_total', kind: 'counter', labels: { q: 'x' }, start, end: start + SLOT, count: 1, sum: 1, min: 1, max: 1, instance };
}

describe.skipIf(!available)('PostgresStorage compaction', () => {
  const pool = testPool(2);
  const schemas: string[] = [];
  afterEach(async () => {
    for (const s of schemas.splice(0)) await dropSchema(pool, s);
  });
  afterAll(() => pool.end());

  it('leaves out of the merge, and deletes, the rows of a span that retention hides already', async () => {
    const schema = uniqueSchema('pw_c2_ret');
    schemas.push(schema);
    const time = { now: H + HOUR };
    const storage = new PostgresStorage({ pool, schema, retention: '2h', now: () => time.now });
    await storage.migrate();
    const written: Rollup[] = [];
    for (let s = H; s < H + HOUR; s += SLOT) written.push(slot(s, 'a'), slot(s, 'b'));
    await storage.writeRollups(written);
    time.now = H + 2 * HOUR + 30 * MINUTE; // the cutoff hides the span's first 3 slots of each instance
    const visible = async (): Promise<number> => (await storage.queryRollups({ name: 'jobs_total' })).reduce((a, r) => a + r.count, 0);
    expect(await visible()).toBe(6);
    expect(await storage.compactRollups({ span: HOUR, before: H + HOUR })).toEqual({ merged: 6, written: 1, done: true });
    expect(await visible()).toBe(6);
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${schema}.rollups`);
    expect(rows[0]!.n).toBe('1');
  });
});
