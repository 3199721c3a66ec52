/**
 * Stored data read back is hostile input. PostgreSQL's column types keep most of it out (jsonb
 * and json hold valid JSON, numbers are float8 and bigint), but rows written by hand or by
 * another tool can still hold labels that are no label set, an unknown kind or an hdr that is
 * not base64: none of them may fail a read (or a compaction) of the good rows beside them. Rows
 * that hold no rollup (labels that are no label set, an unknown kind, a count no rollup holds)
 * and records that are no JSON object are skipped and reported once per read, as RedisStorage
 * does; an hdr that does not decode is the decoder's to set aside (a read returns the row).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStorage } from '../../src/postgres.js';
import type { Rollup } from '../../src/storage/contract.js';
import type { StorageError } from '../../src/core/errors.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { dropSchema, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';

const available = await postgresAvailable('PostgresStorage reads of stored garbage');
const SLOT = 30_000;
const NAME = 'jobs_total';

describe.skipIf(!available)('PostgresStorage reads rows it did not write', () => {
  const pool = testPool(2);
  const schema = uniqueSchema('pw_garbage');
  const clock = new ManualClock(Math.floor(Date.now() / SLOT) * SLOT);
  const failures: StorageError[] = [];
  const storage = new PostgresStorage({ pool, schema, now: () => clock.now(), onError: (e) => failures.push(e) });
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
    expect(failures).toEqual([]);
    const all = await storage.queryRollups({ name: NAME });
    // The good rows and the row whose hdr does not decode; before, `"x"` came back as labels { "0": "x" }.
    expect(all.filter((r) => r.instance === 'i-1')).toEqual(good);
    expect(all.filter((r) => r.instance !== 'i-1').map((r) => [r.instance, r.labels])).toEqual([['hand-5', { route: '/c' }]]);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).toMatch(/^PostgresStorage \(schema "[^"]+"\): queryRollups skipped 5 stored rows of "jobs_total" it could not decode/);
    // Compaction reads the same rows: it merges the good ones and fails on none.
    const result = await storage.compactRollups({ span: 10 * SLOT, before: base + 10 * SLOT, limit: 1_000 });
    expect(result.done).toBe(true);
    expect((await storage.queryRollups({ name: NAME, labels: { route: '/a' } })).reduce((n, r) => n + r.count, 0)).toBe(3);
    // The hand-written rows stay where they were (compaction leaves a span holding one as it is).
    const rows = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".rollups WHERE instance LIKE 'hand-%'`);
    expect(Number(rows.rows[0]!.n)).toBe(hostile.length);
  });

  it('skips a row whose count no rollup holds, and the rows of a span holding one are not merged away', async () => {
    failures.length = 0;
    const name = 'garbage_counts_total';
    // At the start of a compaction span (10 slots): all four rows in one span, whatever the time of the run.
    const at = Math.floor((base - 100 * SLOT) / (10 * SLOT)) * 10 * SLOT;
    await storage.writeRollups([0, 1].map((k) => ({ ...rollup(k), name, start: at + k * SLOT, end: at + (k + 1) * SLOT })));
    await pool.query(
      `INSERT INTO "${schema}".rollups (name, kind, labels, start_ms, end_ms, count, sum, min, max, instance) VALUES ($1, 'counter', '{"route": "/a"}', $2, $3, 'NaN', 1, 1, 1, 'hand-nan'), ($1, 'counter', '{"route": "/a"}', $2, $3, -1, 1, 1, 1, 'hand-negative')`,
      [name, at + 2 * SLOT, at + 3 * SLOT],
    );
    const read = await storage.queryRollups({ name });
    expect(read.map((r) => r.instance)).toEqual(['i-1', 'i-1']);
    expect(failures.map((e) => e.message)).toEqual([expect.stringMatching(/queryRollups skipped 2 stored rows of "garbage_counts_total"/)]);
    failures.length = 0;
    await storage.compactRollups({ span: 10 * SLOT, before: at + 10 * SLOT, limit: 1_000 });
    expect(failures.map((e) => e.message)).toEqual([expect.stringMatching(/compactRollups skipped 2 stored rows \(left as they are\)/)]);
    const left = await pool.query<{ instance: string }>(`SELECT instance FROM "${schema}".rollups WHERE name = $1 ORDER BY instance`, [name]);
    expect(left.rows.map((r) => r.instance)).toEqual(['hand-nan', 'hand-negative', 'i-1', 'i-1']);
  });

  it('skips stored records that are no JSON object, and reports them', async () => {
    failures.length = 0;
    const now = clock.now();
    await storage.saveAlert({ id: 'a-good', ruleId: 'r', fingerprint: 'f', status: 'firing', updatedAt: now } as never);
    for (const [id, doc] of [['a-null', 'null'], ['a-string', '"x"'], ['a-array', '[1]']] as const) {
      await pool.query(`INSERT INTO "${schema}".alerts (id, rule_id, fingerprint, status, updated_at, doc) VALUES ($1, 'r', 'f', 'firing', $2, $3::json)`, [id, now, doc]);
    }
    expect((await storage.queryAlerts({})).map((a) => a.id)).toEqual(['a-good']);
    expect(failures.map((e) => e.message)).toEqual([expect.stringMatching(/queryAlerts skipped 3 stored records it could not decode/)]);
    failures.length = 0;
    await pool.query(`INSERT INTO "${schema}".rules (id, created_at, doc) VALUES ('rule-x', 1, '"x"')`);
    expect(await storage.listRules()).toEqual([]);
    expect(failures.map((e) => e.message)).toEqual([expect.stringMatching(/listRules skipped 1 stored record it could not decode/)]);
  });
});
