/**
 * One instance starting on a schema that needs migration 3, for postgres-migration.test.ts: it
 * either calls `migrate()` as a deploy step would, or writes a stamped rollup straight away and
 * lets `autoMigrate` migrate first. Prints `{ applied }` (the versions its migrate() applied, or
 * null for a writer) as one JSON line, closes and exits.
 * Usage: node --import tsx postgres-migrator-process.ts <config JSON>.
 */
import { PostgresStorage } from '../../src/postgres.js';
import { PG_URL } from '../helpers/postgres-db.js';

export interface MigratorConfig {
  schema: string;
  mode: 'migrate' | 'write';
  start: number;
  instance: string;
}

const config = JSON.parse(process.argv[2]!) as MigratorConfig;
const storage = new PostgresStorage({ connectionString: PG_URL, schema: config.schema, maxConnections: 2 });
try {
  let applied: number[] | null = null;
  if (config.mode === 'migrate') applied = await storage.migrate();
  else {
    const start = config.start;
    await storage.writeRollups([{ name: 'orders_total', kind: 'counter', labels: {}, start, end: start + 30_000, count: 1, sum: 1, min: 1, max: 1, instance: config.instance }]);
  }
  process.stdout.write(`${JSON.stringify({ applied })}\n`);
} finally {
  await storage.close();
}
