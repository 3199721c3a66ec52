/**
 * Versioned DDL of {@link PostgresStorage}. A migration is never edited once released: changes
 * are new entries. `migrate()` applies the missing ones in order under an advisory lock and
 * records each in `<schema>.migrations` (see postgres-migrator.ts for how).
 */
export interface Migration {
  version: number;
  description: string;
  /**
   * Statements run in the migration transaction, given the quoted schema name. In a migration
   * with `indexes` they must be idempotent (`IF NOT EXISTS`): they commit before the index
   * builds, so a build that fails runs them again on the next attempt.
   */
  statements: (s: string) => string[];
  /**
   * Indexes built after that transaction commits, with `CREATE INDEX CONCURRENTLY`: reads and
   * writes of the table go on meanwhile, and no statement timeout bounds the build. The version
   * is recorded only once every one is valid; an invalid one (a build that failed, was
   * cancelled or whose process died) is dropped and built again. On a schema this run creates
   * (empty tables), they are built inside the transaction instead.
   */
  indexes?: readonly MigrationIndex[];
  /** Indexes (of the schema) dropped once `indexes` are valid, `CONCURRENTLY` as they are built. */
  dropIndexes?: readonly string[];
}

/** An index a {@link Migration} builds. */
export interface MigrationIndex {
  /** Its name, unqualified (it lives in the table's schema). */
  name: string;
  unique: boolean;
  /** What follows `CREATE INDEX <name>`, given the quoted schema: `ON <s>.<table> (...)`. */
  on: (s: string) => string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'rollups, alerts, rules, dead letters, job dead letters and leases',
    statements: (s) => [
      `CREATE TABLE ${s}.rollups (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL,
        kind text NOT NULL,
        labels jsonb NOT NULL,
        series_key text NOT NULL,
        start_ms bigint NOT NULL,
        end_ms bigint NOT NULL,
        count double precision NOT NULL,
        sum double precision NOT NULL,
        min double precision NOT NULL,
        max double precision NOT NULL,
        last double precision,
        hdr text,
        resolution double precision,
        service text
      )`,
      `CREATE INDEX rollups_name_start_idx ON ${s}.rollups (name, start_ms)`,
      `CREATE INDEX rollups_name_series_start_idx ON ${s}.rollups (name, series_key, start_ms)`,
      `CREATE INDEX rollups_labels_idx ON ${s}.rollups USING gin (labels jsonb_path_ops)`,
      `CREATE INDEX rollups_end_idx ON ${s}.rollups (end_ms)`,
      `CREATE TABLE ${s}.alerts (
        id text PRIMARY KEY,
        rule_id text NOT NULL,
        fingerprint text NOT NULL,
        status text NOT NULL,
        updated_at double precision NOT NULL,
        ends_at double precision,
        doc json NOT NULL
      )`,
      `CREATE INDEX alerts_updated_idx ON ${s}.alerts (updated_at DESC)`,
      `CREATE INDEX alerts_rule_idx ON ${s}.alerts (rule_id, fingerprint)`,
      `CREATE INDEX alerts_status_idx ON ${s}.alerts (status, updated_at DESC)`,
      `CREATE TABLE ${s}.rules (
        id text PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        created_at double precision NOT NULL,
        doc json NOT NULL
      )`,
      `CREATE TABLE ${s}.dead_letters (
        id text PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        channel text NOT NULL,
        failed_at double precision NOT NULL,
        doc json NOT NULL
      )`,
      `CREATE INDEX dead_letters_failed_idx ON ${s}.dead_letters (failed_at, seq)`,
      `CREATE TABLE ${s}.job_dead_letters (
        id text PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        job text NOT NULL,
        failed_at double precision NOT NULL,
        doc json NOT NULL
      )`,
      `CREATE INDEX job_dead_letters_failed_idx ON ${s}.job_dead_letters (failed_at, seq)`,
      `CREATE TABLE ${s}.leases (
        key text PRIMARY KEY,
        expires_at double precision NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    description: 'drop the (name, series_key, start_ms) index: no query reads it',
    // Reads match labels through the GIN index and time through (name, start_ms); keeping an
    // unused index cost every insert its upkeep. The column stays, so instances still on
    // version 1 of the code keep writing it during a rolling deploy.
    statements: (s) => [`DROP INDEX IF EXISTS ${s}.rollups_name_series_start_idx`],
  },
  {
    version: 3,
    description: 'rollups.instance, unique per (name, start, instance, series); it replaces the (name, start_ms) index',
    // One rollup per series, slot and instance: a retried write replaces (INSERT ... ON
    // CONFLICT DO UPDATE), two instances never collapse. md5 of the series key keeps index rows
    // short (a label set may reach 2,048 characters; btree rows stop at 2,704 bytes). Rows
    // written before (instance NULL) are never equal in a unique index: they stay as they were.
    // (name, start_ms) lead the unique index, so it serves the window reads the old index did,
    // and every insert keeps the same number of indexes up to date (a fifth one cost a third of
    // the write throughput). On an existing table the index is built CONCURRENTLY: on tens of
    // millions of rows that takes minutes, during which writers of the previous version go on
    // inserting (their rows have no instance: they never conflict).
    statements: (s) => [`ALTER TABLE ${s}.rollups ADD COLUMN IF NOT EXISTS instance text`],
    indexes: [{ name: 'rollups_instance_slot_idx', unique: true, on: (s) => `ON ${s}.rollups (name, start_ms, instance, md5(series_key))` }],
    dropIndexes: ['rollups_name_start_idx'],
  },
];

/** The newest schema version this build knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Quotes an SQL identifier (the schema name is validated already; this is belt and braces). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
