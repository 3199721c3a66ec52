import type { Pool } from 'pg';
import { StorageError } from '../core/errors.js';
import { MIGRATIONS, quoteIdent, SCHEMA_VERSION, type Migration, type MigrationIndex } from './postgres-migrations.js';
import type { PgSession } from './postgres-sql.js';

/** Advisory lock class for migrations ('pwmg'); the second key is `hashtext(schema)`. */
export const MIGRATION_LOCK_CLASS = 0x70776d67;

/**
 * pg's `query_timeout` for an index build or drop: about 24.8 days, the longest timer Node
 * keeps. Zero would fall back to a timeout set on the pool's clients; a build takes as long as
 * the table needs.
 */
const NO_TIMEOUT = 2_147_483_647;

/** First and longest pause between two tries of the migration lock, ms. */
const LOCK_POLL_FIRST = 25;
const LOCK_POLL_MAX = 1_000;

/** How {@link runMigrations} runs. */
export interface MigrateOptions {
  /** Client-side limit (pg's `query_timeout`) for every statement but index builds and drops. */
  queryTimeout: number;
  /** How long to wait while another session holds the migration lock (ms; `Infinity`: until it is free). */
  lockWait: number;
  signal?: AbortSignal | undefined;
}

type Query = (text: string, values?: unknown[], timeout?: number) => Promise<{ rows: Record<string, unknown>[] }>;

/**
 * Creates the schema and applies the missing migrations; resolves to the versions this call
 * applied. Serialised by a session-level advisory lock keyed on the schema, taken with
 * `pg_try_advisory_lock` and polled (25 ms doubling to 1 s) for at most `lockWait`: a waiter
 * that blocked inside a statement would hold a snapshot, which `CREATE INDEX CONCURRENTLY` in
 * the lock holder's session waits for, a deadlock. Past `lockWait` it rejects with a transient
 * StorageError.
 *
 * A schema created by this call gets every migration in one transaction. On an existing one, a
 * migration's `statements` commit first, then its `indexes` are built CONCURRENTLY (statement
 * and lock timeouts off for them), an invalid leftover of an earlier attempt dropped and built
 * again, then `dropIndexes` go, and only then is its version recorded.
 */
export async function runMigrations(pool: Pool, schema: string, options: MigrateOptions): Promise<number[]> {
  const client = await pool.connect();
  const q: Query = (text, values, timeout = options.queryTimeout) => client.query({ text, values, query_timeout: timeout } as never) as never;
  let locked = false;
  let clean = false;
  try {
    await lock(q, schema, options);
    locked = true;
    const applied = await applyMissing(q, schema);
    clean = true;
    return applied;
  } finally {
    if (!clean) await client.query('ROLLBACK').catch(() => undefined);
    if (locked) await q('SELECT pg_advisory_unlock($1::int, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]).catch(() => (clean = false));
    // A client whose session may be in a bad state (a failed transaction, settings left, the
    // lock still held) is not reused: ending its session ends all of that.
    client.release(!clean);
  }
}

async function lock(q: Query, schema: string, options: MigrateOptions): Promise<void> {
  const deadline = Date.now() + options.lockWait;
  for (let pause = LOCK_POLL_FIRST; ; pause = Math.min(2 * pause, LOCK_POLL_MAX)) {
    const { rows } = await q('SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS locked', [MIGRATION_LOCK_CLASS, schema]);
    if (rows[0]!.locked === true) return;
    if (Date.now() + pause > deadline) {
      throw new StorageError(
        `another session is migrating schema "${schema}" (building an index on a large table takes minutes); calls go on once it is done`,
      );
    }
    await delay(pause, options.signal);
  }
}

async function applyMissing(q: Query, schema: string): Promise<number[]> {
  const s = quoteIdent(schema);
  await q('BEGIN');
  await q(`CREATE SCHEMA IF NOT EXISTS ${s}`);
  await q(`CREATE TABLE IF NOT EXISTS ${s}.migrations (
    version integer PRIMARY KEY,
    description text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const done = new Set((await q(`SELECT version FROM ${s}.migrations`)).rows.map((r) => r.version as number));
  // A schema this call creates has empty tables: its indexes are built in the transaction.
  const fresh = done.size === 0;
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements(s)) await q(statement);
    if (fresh) {
      for (const index of m.indexes ?? []) await q(createIndex(s, index, false));
      for (const name of m.dropIndexes ?? []) await q(`DROP INDEX IF EXISTS ${s}.${quoteIdent(name)}`);
    } else if (m.indexes !== undefined || m.dropIndexes !== undefined) {
      await q('COMMIT'); // CREATE INDEX CONCURRENTLY cannot run in a transaction
      await buildIndexes(q, schema, m);
      await q('BEGIN');
    }
    await q(`INSERT INTO ${s}.migrations (version, description) VALUES ($1, $2)`, [m.version, m.description]);
    applied.push(m.version);
  }
  await q('COMMIT');
  return applied;
}

/** A migration's index builds and drops, outside any transaction and with no timeout. */
async function buildIndexes(q: Query, schema: string, m: Migration): Promise<void> {
  const s = quoteIdent(schema);
  // Server-side limits (a role's or the pool's statement_timeout) do not bound them either.
  await q('SET statement_timeout = 0');
  await q('SET lock_timeout = 0');
  for (const index of m.indexes ?? []) {
    let valid = await indexValid(q, schema, index.name);
    if (valid === false) await q(`DROP INDEX CONCURRENTLY IF EXISTS ${s}.${quoteIdent(index.name)}`, [], NO_TIMEOUT);
    if (valid !== true) await q(createIndex(s, index, true), [], NO_TIMEOUT);
    valid = await indexValid(q, schema, index.name);
    if (valid !== true) throw new StorageError(`migration ${m.version}: index ${index.name} of schema "${schema}" is not valid after its build`);
  }
  for (const name of m.dropIndexes ?? []) await q(`DROP INDEX CONCURRENTLY IF EXISTS ${s}.${quoteIdent(name)}`, [], NO_TIMEOUT);
  await q('RESET statement_timeout');
  await q('RESET lock_timeout');
}

/** `pg_index.indisvalid` of the index, or undefined when there is none. */
async function indexValid(q: Query, schema: string, name: string): Promise<boolean | undefined> {
  const { rows } = await q(
    `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, name],
  );
  return rows.length === 0 ? undefined : rows[0]!.valid === true;
}

function createIndex(s: string, index: MigrationIndex, concurrently: boolean): string {
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${concurrently ? 'CONCURRENTLY ' : ''}${quoteIdent(index.name)} ${index.on(s)}`;
}

/** Resolves after `ms` (an unref'd timer), or rejects with the signal's reason when it aborts. */
function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
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
