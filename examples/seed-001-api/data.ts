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
}

export const PROFILE_COUNT = 500;
const TERMS = ['engineering', 'design', 'research', 'education', 'health', 'finance', 'law', 'arts'];
// This example's own schema (helper prefix f2_), so it never touches another app's tables.
const SCHEMA = 'f2_seed001';

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
  };
}

/** The PostgreSQL store: creates and fills its schema once (idempotent), then reads it. */
export async function postgresStore(pool: pg.Pool): Promise<ProfileStore> {
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
  await pool.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.profiles (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL)`);
  await pool.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.taxonomy (term text PRIMARY KEY)`);
  await pool.query(
    `INSERT INTO ${SCHEMA}.profiles SELECT n, 'Profile ' || n, 'user' || n || '@example.com' FROM generate_series(1, $1::int) n ON CONFLICT DO NOTHING`,
    [PROFILE_COUNT],
  );
  await pool.query(`INSERT INTO ${SCHEMA}.taxonomy SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [TERMS]);
  return {
    kind: 'postgres',
    list: async (offset, limit) => {
      const { rows } = await pool.query<Profile>(`SELECT id, name, email FROM ${SCHEMA}.profiles ORDER BY id OFFSET $1 LIMIT $2`, [offset, limit]);
      return rows;
    },
    slowCount: async (slowMs) => {
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n, pg_sleep($1) FROM ${SCHEMA}.profiles`, [slowMs / 1000]);
      return rows[0]?.n ?? 0;
    },
    get: async (id) => {
      const { rows } = await pool.query<Profile>(`SELECT id, name, email FROM ${SCHEMA}.profiles WHERE id = $1`, [id]);
      return rows[0];
    },
    taxonomy: async () => (await pool.query<{ term: string }>(`SELECT term FROM ${SCHEMA}.taxonomy ORDER BY term`)).rows.map((r) => r.term),
    // A real failing query: SQLSTATE 22P02, counted in db_query_errors_total{code="22P02"}.
    broken: async () => {
      await pool.query('SELECT $1::int AS id', ['not-a-number']);
      throw new Error('unreachable: the cast above fails');
    },
  };
}

function profile(id: number): Profile {
  return { id, name: `Profile ${id}`, email: `user${id}@example.com` };
}
