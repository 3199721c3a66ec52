import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStorage } from '../../src/postgres.js';
import type { Rollup } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { dropSchema, PG_URL, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';

const available = await postgresAvailable('PostgresStorage metric_names catch-up tests');
const SLOT = 30_000;
const T0 = 1_800_000_000_000;

describe.skipIf(!available)('PostgresStorage listMetricNames during a rolling deploy', () => {
  const admin = testPool(1);
  const schema = uniqueSchema('pw_fk_catch');
  const clock = new ManualClock(T0);
  let storage: PostgresStorage;
  const rollup = (name: string, slot: number): Rollup => ({
    name, kind: 'counter', labels: { a: '1' }, start: T0 - slot * SLOT, end: T0 - (slot - 1) * SLOT, count: 1, sum: 1, min: 1, max: 1, instance: 'i',
  });

  beforeAll(async () => {
    storage = new PostgresStorage({ connectionString: PG_URL, schema, now: () => clock.now() });
    await storage.migrate();
  });
  afterAll(async () => {
    await storage?.close();
    await dropSchema(admin, schema);
    await admin.end();
  });

  it('lists, within five minutes, a name an older version stored without upserting it', async () => {
    await storage.writeRollups([rollup('new_total', 4)]);
    expect((await storage.listMetricNames({ since: 0 })).map((n) => n.name)).toEqual(['new_total']);
    // What an older version's write leaves: its rollups, no metric_names row.
    await storage.writeRollups([rollup('only_on_old_total', 3)]);
    await admin.query(`DELETE FROM ${schema}.metric_names WHERE name = 'only_on_old_total'`);
    await admin.query(`DELETE FROM ${schema}.metric_series WHERE name = 'only_on_old_total'`);
    expect((await storage.listMetricNames({ since: 0 })).map((n) => n.name)).toEqual(['new_total']);
    await clock.advanceAsync(300_000);
    expect(await storage.listMetricNames({ since: 0 })).toEqual([
      { name: 'new_total', kind: 'counter', lastSeen: T0 - 3 * SLOT, series: 1 },
      // An older version wrote no series row: its series are not counted (absent, not 0).
      { name: 'only_on_old_total', kind: 'counter', lastSeen: T0 - 2 * SLOT },
    ]);
  });
});
