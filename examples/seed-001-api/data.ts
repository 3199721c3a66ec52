// The API's data: profiles and a taxonomy, on PostgreSQL (--postgres) or in memory (the default).
// Only the PostgreSQL store is instrumented (instrumentPg in main.ts): in memory there is no
// database, so there are no db_* metrics, and main.ts says so.
import type pg from 'pg';

/** A profile row, as seed 001's profile listings and details return it. */
export interface Profile {
  id: number;
  name: string;
  email: string;
}

/** What the routes read; both stores answer the same. */
export interface ProfileStore {
  readonly kind: 'postgres' | 'memory';
  list(offset: number, limit: number): Promise<Profile[]>;
  /** Counts every profile, taking at least `slowMs`: the uncached slow query of --slow-db. */
  slowCount(slowMs: number): Promise<number>;
  get(id: number): Promise<Profile | undefined>;
  taxonomy(): Promise<string[]>;
  /** A query that fails, as a lost connection or a bad cast would: the API's injected 500s. */
  broken(): Promise<never>;
  /** Removes what the store created (PostgreSQL: drops its schema). */
  drop(): Promise<void>;
}

export const PROFILE_COUNT = 500;
const TERMS = ['engineering', 'design', 'research', 'education', 'health', 'finance', 'law', 'arts'];

/**
 * This run's PostgreSQL schema: SEED001_SCHEMA, else one of its own (pid and start time), so two
 * runs at once never share tables. main.ts drops it at the end ({@link ProfileStore.close}).
 */
export function pgSchema(env: NodeJS.ProcessEnv = process.env): string {
  const schema = env['SEED001_SCHEMA'] ?? `f2_seed001_${process.pid}_${Date.now().toString(36)}`;
  // It is spliced into SQL: only a plain identifier.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`SEED001_SCHEMA must be a lower-case identifier, got ${JSON.stringify(schema)}`);
  return schema;
}

/** The in-memory store: the default, no database. */
export function memoryStore(): ProfileStore {
  const profiles = Array.from({ length: PROFILE_COUNT }, (_, i) => profile(i + 1));
  return {
    kind: 'memory',
    list: async (offset, limit) => profiles.slice(offset, offset + limit),
    slowCount: async (slowMs) => {
      await new Promise((resolve) => setTimeout(resolve, slowMs));
      return profiles.length;
    },
    get: async (id) => profiles[id - 1],
    taxonomy: async () => [...TERMS],
    broken: async () => {
      throw new Error('simulated database failure');
    },
    drop: async () => {},
  };
}

/** The PostgreSQL store: creates and fills `schema` (idempotent), then reads it. */
export async function postgresStore(pool: pg.Pool, schema: string): Promise<ProfileStore> {
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await pool.query(`CREATE TABLE IF NOT EXISTS ${schema}.profiles (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL)`);
  await pool.query(`CREATE TABLE IF NOT EXISTS ${schema}.taxonomy (term text PRIMARY KEY)`);
  await pool.query(
    `INSERT INTO ${schema}.profiles SELECT n, 'Profile ' || n, 'user' || n || '@example.com' FROM generate_series(1, $1::int) n ON CONFLICT DO NOTHING`,
    [PROFILE_COUNT],
  );
  await pool.query(`INSERT INTO ${schema}.taxonomy SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [TERMS]);
  return {
    kind: 'postgres',
    list: async (offset, limit) => {
      const { rows } = await pool.query<Profile>(`SELECT id, name, email FROM ${schema}.profiles ORDER BY id OFFSET $1 LIMIT $2`, [offset, limit]);
      return rows;
    },
    slowCount: async (slowMs) => {
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n, pg_sleep($1) FROM ${schema}.profiles`, [slowMs / 1000]);
      return rows[0]?.n ?? 0;
    },
    get: async (id) => {
      const { rows } = await pool.query<Profile>(`SELECT id, name, email FROM ${schema}.profiles WHERE id = $1`, [id]);
      return rows[0];
    },
    taxonomy: async () => (await pool.query<{ term: string }>(`SELECT term FROM ${schema}.taxonomy ORDER BY term`)).rows.map((r) => r.term),
    // A real failing query: SQLSTATE 22P02, counted in db_query_errors_total{code="22P02"}.
    broken: async () => {
      await pool.query('SELECT $1::int AS id', ['not-a-number']);
      throw new Error('unreachable: the cast above fails');
    },
    drop: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

function profile(id: number): Profile {
  return { id, name: `Profile ${id}`, email: `user${id}@example.com` };
}
