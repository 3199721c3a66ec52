import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The shared test server (trust auth); PULSEWATCH_TEST_PG overrides it. */
export const PG_URL = process.env.PULSEWATCH_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * True when the test server answers. When it does not, suites skip with a loud message, except
 * in CI (`CI=true`), where they run and fail.
 */
export async function postgresAvailable(suite: string): Promise<boolean> {
  // Three tries of 5 s: on a loaded machine (a full test run on 2 cores) one 2 s connect timed
  // out while the server was up, and the suite skipped.
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch (error) {
      last = error;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  if (process.env.CI === 'true') return true;
  console.warn(
    `\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n` +
      `!!! SKIPPING ${suite}: PostgreSQL is not reachable at ${PG_URL.replace(/\/\/[^@]*@/, '//***@')}\n` +
      `!!! (${(last as Error).message}). Start it or set PULSEWATCH_TEST_PG.\n` +
      `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n`,
  );
  return false;
}

/** A schema name no other run uses. */
export function uniqueSchema(prefix = 'pw_test'): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** A pool on the test server; `error` events of idle clients are ignored (tests cut connections). */
export function testPool(max = 4): pg.Pool {
  const pool = new pg.Pool({ connectionString: PG_URL, max });
  pool.on('error', () => undefined);
  return pool;
}

/** Drops a schema and everything in it. */
export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/**
 * Wraps `pool.query` to record the SQL text of every statement (the server has no
 * pg_stat_statements); returns the log and a function restoring the original.
 */
export function recordStatements(pool: pg.Pool): { statements: string[]; restore: () => void } {
  const statements: string[] = [];
  const original = pool.query;
  (pool as { query: unknown }).query = function (this: pg.Pool, config: unknown, ...rest: unknown[]) {
    statements.push(typeof config === 'string' ? config : (config as { text: string }).text);
    return (original as (...args: unknown[]) => unknown).call(this, config, ...rest);
  };
  return { statements, restore: () => void ((pool as { query: unknown }).query = original) };
}
