/**
 * PostgresStorage counts a listed name's series from `metric_series` (one row per series, its
 * end kept to within a minute by writes): a live series is always counted, a series that
 * stopped less than a minute before `since` may be; purges and retention take the rows away.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalLabels } from '../../src/core/labels.js';
import { PostgresStorage } from '../../src/postgres.js';
import type { Rollup } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { dropSchema, PG_URL, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';

const available = await postgresAvailable('PostgresStorage series of metric names');
const SLOT = 10_000;
const T0 = 1_800_000_000_000;

describe.skipIf(!available)('PostgresStorage series of metric names', () => {
  const admin = testPool(2);
  const schema = uniqueSchema('n_series');
  const clock = new ManualClock(T0);
  let storage: PostgresStorage;
  const rollup = (name: string, slot: number, route: string, instance = 'i1'): Rollup => ({
    name, kind: 'counter', labels: { route }, start: T0 + slot * SLOT, end: T0 + (slot + 1) * SLOT, count: 1, sum: 1, min: 1, max: 1, instance,
  });
  const rows = async (): Promise<{ name: string; last_end: string }[]> => (await admin.query(`SELECT name, last_end FROM "${schema}".metric_series ORDER BY name, last_end`)).rows;

  beforeAll(async () => {
    storage = new PostgresStorage({ connectionString: PG_URL, schema, retention: '1h', now: () => clock.now() });
    await storage.migrate();
  });
  afterAll(async () => {
    await storage?.close();
    await dropSchema(admin, schema);
    await admin.end();
  });

  it('counts a live series at a bound one slot back, and one that stopped less than a minute before it too', async () => {
    clock.set(T0 + 10 * SLOT);
    await storage.writeRollups([rollup('live_total', 0, '/live'), rollup('live_total', 0, '/stopped')]);
    // Only /live goes on; its row keeps slot 0's end for a minute (one upsert a minute per series).
    await storage.writeRollups([rollup('live_total', 1, '/live')]);
    const since = T0 + SLOT;
    const [listed] = await storage.listMetricNames({ since });
    expect(listed).toEqual({ name: 'live_total', kind: 'counter', lastSeen: T0 + 2 * SLOT, series: 2 });
    // Seven slots (70 s) on, /live's row has moved: at a bound past /stopped's minute, only /live.
    await storage.writeRollups([rollup('live_total', 7, '/live')]);
    expect((await storage.listMetricNames({ since: T0 + 7 * SLOT }))[0]!.series).toBe(1);
  });

  it('takes the series rows away with a purge, and the write a minute after retention hides them', async () => {
    clock.set(T0 + 10 * SLOT);
    await storage.writeRollups([rollup('purged_total', 2, '/a'), rollup('purged_total', 2, '/b')]);
    await storage.purgeBefore(T0 + 3 * SLOT);
    expect((await rows()).filter((r) => r.name === 'purged_total')).toEqual([]);
    // Written again after the purge: the adapter upserts the series again (it forgot them).
    await storage.writeRollups([rollup('purged_total', 3, '/a')]);
    expect((await storage.listMetricNames({ since: T0, match: 'purged' }))[0]).toMatchObject({ name: 'purged_total', series: 1 });
    // Past retention (1 h), the first write of the minute deletes every row that ended before it.
    clock.set(T0 + 3_600_000 + 20 * SLOT);
    await storage.writeRollups([rollup('later_total', 3_600_000 / SLOT + 15, '/x')]);
    expect((await rows()).map((r) => r.name)).toEqual(['later_total']);
  });

  it('keys a series by its canonical labels whatever their order, U+0000 included (the COPY text is reused only when the keys are in order)', async () => {
    clock.set(T0 + 10 * SLOT);
    const labelled = (slot: number, labels: Record<string, string>): Rollup => ({ ...rollup('ordered_total', slot, '/'), labels });
    await storage.writeRollups([labelled(1, { b: '2', a: '1' }), labelled(1, { a: '1', b: '3' }), labelled(1, { a: 'x\u0000y', b: '\uE000' })]);
    // The same label sets in the other order, later: no second row for any of them.
    await storage.writeRollups([labelled(9, { a: '1', b: '2' }), labelled(9, { b: '3', a: '1' }), labelled(9, { b: '\uE000', a: 'x\u0000y' })]);
    const ids = [{ a: '1', b: '2' }, { a: '1', b: '3' }, { a: 'x\u0000y', b: '\uE000' }].map((l) => createHash('md5').update(canonicalLabels(l)).digest('hex')).sort();
    const stored = await admin.query<{ series: string; last_end: string }>(`SELECT series, last_end FROM "${schema}".metric_series WHERE name = 'ordered_total' ORDER BY series`);
    expect(stored.rows).toEqual(ids.map((series) => ({ series, last_end: String(T0 + 10 * SLOT) })));
    expect((await storage.queryRollups({ name: 'ordered_total', labels: { a: 'x\u0000y' } })).map((r) => r.labels)).toEqual([{ a: 'x\u0000y', b: '\uE000' }, { a: 'x\u0000y', b: '\uE000' }]);
  });
});
