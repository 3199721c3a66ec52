/**
 * Versioned DDL of {@link PostgresStorage}. Version 1 is the first released schema (0.1.0),
 * version 2 adds the metric names, their series and the key-value state. Changes made before a
 * version is released are folded into it (version 2 is not released yet: its `metric_series`
 * joined it after its first draft); a change to a released version is a new entry, never an
 * edit. `migrate()` applies the missing
 * versions in order, in one transaction under an advisory lock, and records each in
 * `<schema>.migrations` (see postgres-migrator.ts).
 */
export interface Migration {
  version: number;
  description: string;
  /** Statements run in the migration transaction, given the quoted schema name. */
  statements: (s: string) => string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'rollups, alerts, rules, dead letters, job dead letters and leases',
    statements: (s) => [
      // No surrogate key: its sequence and index cost every insert about a sixth of the
      // server's time, and nothing reads it (a rollup's key is the unique index below). Text
      // keys compare bytewise ("C"): cheaper than the database's collation, and the order of
      // names never matters.
      `CREATE TABLE ${s}.rollups (
        name text COLLATE "C" NOT NULL,
        kind text NOT NULL,
        labels jsonb NOT NULL,
        start_ms bigint NOT NULL,
        end_ms bigint NOT NULL,
        count double precision NOT NULL,
        sum double precision NOT NULL,
        min double precision NOT NULL,
        max double precision NOT NULL,
        last double precision,
        hdr text,
        resolution double precision,
        service text,
        instance text COLLATE "C"
      )`,
      // Without a primary key, logical replication (a publication FOR ALL TABLES) would refuse
      // the retention sweep's DELETE; FULL identifies a row by all its columns instead.
      `ALTER TABLE ${s}.rollups REPLICA IDENTITY FULL`,
      // One rollup per (series, slot, instance): a retried write replaces its row (the upsert's
      // ON CONFLICT), two instances never collapse. The series is the text of the labels' jsonb
      // (canonical: equal label sets give equal text), hashed to keep index rows short (a label
      // set may reach 2,048 characters; btree rows stop at 2,704 bytes). Rows without an
      // instance never conflict (NULLs are distinct). (name, start_ms) lead, so the index also
      // serves the window reads.
      `CREATE UNIQUE INDEX rollups_slot_idx ON ${s}.rollups (name, start_ms, instance, (md5(labels::text) COLLATE "C"))`,
      // Label matchers (containment) on long windows.
      `CREATE INDEX rollups_labels_idx ON ${s}.rollups USING gin (labels jsonb_path_ops)`,
      // Window reads of recent slots (end_ms > from), the retention sweep and purgeBefore. (A
      // BRIN index would be cheaper to keep up, but the newest pages, which window reads want,
      // are the ones it has not summarised yet: reads scanned the whole table.)
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
    description: 'metric names and their series (listMetricNames) and key-value state (the state role)',
    statements: (s) => [
      // One row per metric name, kept by writes (a name's latest slot end, to within a minute,
      // and the kind of that slot): listing names reads this small table, never the rollups.
      `CREATE TABLE ${s}.metric_names (
        name text COLLATE "C" PRIMARY KEY,
        kind text NOT NULL,
        last_end bigint NOT NULL
      )`,
      `CREATE INDEX metric_names_end_idx ON ${s}.metric_names (last_end)`,
      // One row per series of a name (the MD5 of its canonical labels, computed by the writer),
      // with its latest slot end to within a minute: what counts a listed name's series without
      // reading its rollups. Filled by writes (a version-1 schema's series are counted once they
      // are written again); the primary key's leading name serves the count of one name.
      `CREATE TABLE ${s}.metric_series (
        name text COLLATE "C" NOT NULL,
        series text COLLATE "C" NOT NULL,
        last_end bigint NOT NULL,
        PRIMARY KEY (name, series)
      )`,
      // The names a version-1 schema holds already, each with its latest slot, read by a loose
      // index scan of the unique index's leading (name, start_ms): one probe per name, not a
      // scan of the table, so the upgrade takes milliseconds on any number of rollups.
      `WITH RECURSIVE names AS (
        (SELECT name FROM ${s}.rollups ORDER BY name LIMIT 1)
        UNION ALL
        SELECT (SELECT r.name FROM ${s}.rollups r WHERE r.name > n.name ORDER BY r.name LIMIT 1) FROM names n WHERE n.name IS NOT NULL
      )
      INSERT INTO ${s}.metric_names (name, kind, last_end)
      SELECT n.name, latest.kind, latest.end_ms FROM names n
      CROSS JOIN LATERAL (SELECT kind, end_ms FROM ${s}.rollups r WHERE r.name = n.name ORDER BY start_ms DESC LIMIT 1) latest
      WHERE n.name IS NOT NULL`,
      // Small learned state (job baselines...), first writer wins. json, not jsonb: the value
      // comes back as written (U+0000 in strings, key order), as the other records do.
      `CREATE TABLE ${s}.state (
        key text COLLATE "C" PRIMARY KEY,
        value json NOT NULL,
        updated_at double precision NOT NULL
      )`,
    ],
  },
];

/** The newest schema version this build knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Quotes an SQL identifier (the schema name is validated already; this is belt and braces). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
