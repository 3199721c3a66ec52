/**
 * Doubles come back exactly from a pool the adapter creates even when the role prints them to 15
 * digits (`extra_float_digits = 0`): a monitor matches its own stored slots by their sums.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Rollup } from '../../src/index.js';
import { PostgresStorage } from '../../src/postgres.js';
import { dropSchema, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';

const available = await postgresAvailable('PostgresStorage float digits tests');
const T0 = Date.UTC(2026, 0, 1);

describe.skipIf(!available)('PostgresStorage doubles', () => {
  const admin = testPool(1);
  const role = `pw_digits_${randomBytes(4).toString('hex')}`;
  const schema = uniqueSchema('h_digits');
  afterAll(async () => {
    await dropSchema(admin, schema);
    await admin.query(`DROP OWNED BY ${role}`);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  it('round-trip exactly through the adapter\'s own pool when the role prints 15 digits', async () => {
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    await admin.query(`ALTER ROLE ${role} SET extra_float_digits = 0`);
    await admin.query(`GRANT CREATE ON DATABASE test TO ${role}`);
    const url = `postgres://${role}@127.0.0.1:5432/test`;
    // What the role sees on a plain connection: the rounded form.
    const plain = testPoolFor(url);
    expect((await plain.query('SELECT 0.1::float8 + 0.2::float8 AS s')).rows[0].s).toBe(0.3);
    await plain.end();
    const storage = new PostgresStorage({ connectionString: url, schema, now: () => T0 + 60_000, retention: '1d' });
    try {
      await storage.migrate();
      const sum = 0.1 + 0.2;
      const rollup: Rollup = { name: 'digits_total', kind: 'counter', labels: {}, start: T0, end: T0 + 30_000, count: 2, sum, min: 1 / 3, max: 2 / 3, instance: 'i1' };
      await storage.writeRollups([rollup]);
      const [read] = await storage.queryRollups({ name: 'digits_total' });
      expect(read).toMatchObject({ sum: 0.30000000000000004, min: 1 / 3, max: 2 / 3 });
    } finally {
      await storage.close();
    }
  });
});

async function importPg() {
  return (await import('pg')).default;
}
const pgModule = await importPg();
function testPoolFor(connectionString: string) {
  const pool = new pgModule.Pool({ connectionString, max: 1 });
  pool.on('error', () => undefined);
  return pool;
}
