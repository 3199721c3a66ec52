import type { Pool } from 'pg';
import { StorageError } from '../../core/errors.js';
import { MIGRATIONS, quoteIdent, SCHEMA_VERSION } from './postgres-migrations.js';
import type { PgSession } from './postgres-sql.js';

/** Advisory lock class for migrations ('pwmg'); the second key is `hashtext(schema)`. */
export const MIGRATION_LOCK_CLASS = 0x70776d67;

/**
 * pg's `query_timeout` for an unbounded wait: about 24.8 days, the longest timer Node keeps
 * (zero would fall back to a timeout set on the pool's clients).
 */
const NO_TIMEOUT = 2_147_483_647;

/** SQLSTATE lock_not_available: the lock wait passed `lock_timeout`. */
const LOCK_NOT_AVAILABLE = '55P03';

/** How {@link runMigrations} runs. */
export interface MigrateOptions {
  /** Client-side limit (pg's `query_timeout`) for every statement but the wait for the lock. */
  queryTimeout: number;
  /** How long to wait while another session holds the migration lock (ms; `Infinity`: until it is free). */
  lockWait: number;
}

/**
 * Creates the schema and applies the missing migrations, all in one transaction; resolves to
 * the versions this call applied. Serialised by a transaction-level advisory lock keyed on the
 * schema: a second caller waits (at most `lockWait`, then rejects with a transient
 * StorageError), then finds the versions the first recorded and applies nothing. Creating the
 * tables of a new schema takes milliseconds, so the wait is short.
 */
export async function runMigrations(pool: Pool, schema: string, options: MigrateOptions): Promise<number[]> {
  const client = await pool.connect();
  const q = (text: string, values?: unknown[], timeout = options.queryTimeout) =>
    client.query<Record<string, unknown>>({ text, values, query_timeout: timeout } as never);
  const s = quoteIdent(schema);
  let clean = false;
  try {
    await q('BEGIN');
    const wait = Number.isFinite(options.lockWait) ? Math.max(1, Math.ceil(options.lockWait)) : 0;
    // Server-side limits (a role's statement_timeout) must not end the wait either.
    await q(`SET LOCAL statement_timeout = 0`);
    await q(`SET LOCAL lock_timeout = ${wait}`);
    try {
      // The client-side limit must not cut the wait short: lock_timeout ends it.
      await q('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [MIGRATION_LOCK_CLASS, schema], wait === 0 ? NO_TIMEOUT : wait + options.queryTimeout);
    } catch (error) {
      if ((error as { code?: unknown }).code !== LOCK_NOT_AVAILABLE) throw error;
      throw new StorageError(`another session is migrating schema "${schema}"; calls go on once it is done`, { cause: error });
    }
    await q('SET LOCAL lock_timeout = 0');
    await q(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await q(`CREATE TABLE IF NOT EXISTS ${s}.migrations (
      version integer PRIMARY KEY,
      description text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set((await q(`SELECT version FROM ${s}.migrations`)).rows.map((r) => r.version as number));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const statement of m.statements(s)) await q(statement);
      await q(`INSERT INTO ${s}.migrations (version, description) VALUES ($1, $2)`, [m.version, m.description]);
      applied.push(m.version);
    }
    await q('COMMIT');
    clean = true;
    return applied;
  } finally {
    if (!clean) await client.query('ROLLBACK').catch(() => undefined);
    // A client whose transaction may still be open (a lost ROLLBACK) is not reused.
    client.release(!clean);
  }
}

/**
 * Resolves when the schema is at this build's version; rejects with a transient StorageError
 * naming both versions when it is older, and with pg's error when it has no migrations table.
 */
export async function checkSchemaVersion(db: PgSession): Promise<void> {
  const rows = await db.query<{ version: number | null }>(db.params(), `SELECT max(version) AS version FROM ${db.s}.migrations`);
  const version = rows[0]?.version ?? 0;
  if (version < SCHEMA_VERSION) {
    throw new StorageError(`schema ${db.s} is at version ${version}, this version of pulsewatch needs ${SCHEMA_VERSION}: run migrate() (autoMigrate is off)`);
  }
}
