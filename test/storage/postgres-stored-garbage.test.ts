/**
 * Stored data read back is hostile input. PostgreSQL's column types keep most of it out (jsonb
 * and json hold valid JSON, numbers are float8 and bigint), but rows written by hand or by
 * another tool can still hold labels that are no label set, an unknown kind or an hdr that is
 * not base64: none of them may fail a read (or a compaction) of the good rows beside them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStorage } from '../../src/postgres.js';
import type { Rollup } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { dropSchema, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';

const available = await postgresAvailable('PostgresStorage reads of stored garbage');
const SLOT = 30_000;
const NAME = 'jobs_total';

describe.skipIf(!available)('PostgresStorage reads rows it did not write', () => {
  const pool = testPool(2);
  const schema = uniqueSchema('pw_garbage');
  const clock = new ManualClock(Math.floor(Date.now() / SLOT) * SLOT);
  const storage = new PostgresStorage({ pool, schema, now: () => clock.now() });
  const base = clock.now() - 20 * SLOT;
  const rollup = (slot: number): Rollup => ({ name: NAME, kind: 'counter', labels: { route: '/a' }, start: base + slot * SLOT, end: base + (slot + 1) * SLOT, count: 1, sum: 1, min: 1, max: 1, instance: 'i-1' });

  beforeAll(() => storage.migrate());
  afterAll(async () => {
    await storage.close();
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('returns the good rows beside labels that are no label set, an unknown kind and an hdr that is not base64', async () => {
    const good = [rollup(0), rollup(1), rollup(2)];
    await storage.writeRollups(good);
    const hostile: [string, string, string | null][] = [
      ['null', 'counter', null],
      ['"x"', 'counter', null],
      ['[1, 2]', 'counter', null],
      ['{"route": 5}', 'counter', null],
      ['{"route": "/b"}', 'summary', null],
      ['{"route": "/c"}', 'histogram', 'not base64 %%'],
    ];
    let i = 0;
    for (const [labels, kind, hdr] of hostile) {
      await pool.query(
        `INSERT INTO "${schema}".rollups (name, kind, labels, start_ms, end_ms, count, sum, min, max, hdr, instance) VALUES ($1, $2, $3::jsonb, $4, $5, 1, 1, 1, 1, $6, $7)`,
        [NAME, kind, labels, base + SLOT, base + 2 * SLOT, hdr, `hand-${i++}`],
      );
    }
    expect(await storage.queryRollups({ name: NAME, labels: { route: '/a' } })).toEqual(good);
    const all = await storage.queryRollups({ name: NAME });
    expect(all).toHaveLength(good.length + hostile.length);
    expect(all.filter((r) => r.instance === 'i-1')).toEqual(good);
    // Compaction reads the same rows: it merges the good ones and fails on none.
    const result = await storage.compactRollups({ span: 10 * SLOT, before: base + 10 * SLOT, limit: 1_000 });
    expect(result.done).toBe(true);
    expect((await storage.queryRollups({ name: NAME, labels: { route: '/a' } })).reduce((n, r) => n + r.count, 0)).toBe(3);
  });
});
