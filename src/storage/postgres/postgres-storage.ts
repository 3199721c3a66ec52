import type { Pool } from 'pg';
import { StorageError } from '../../core/errors.js';
import type { CallOptions, MetricNameQuery, Rollup, RollupQuery, StorageAdapter, StoredMetricName } from '../contract.js';
import { assertNameQuery } from '../metric-names.js';
import type { CompactionStore, StateStore } from '../roles.js';
import { checkCompactionRequest, type CompactionRequest, type CompactionResult } from '../compaction.js';
import { PostgresCompaction } from './postgres-compaction.js';
import type { ReadStateOptions, StateEntry } from '../state.js';
import { PostgresState } from './postgres-state.js';
import { quoteIdent } from './postgres-migrations.js';
import { checkSchemaVersion, runMigrations } from './postgres-migrator.js';
import { parsePostgresStorageOptions, type PostgresStorageOptions, type ResolvedPostgresStorageOptions } from './postgres-options.js';
import { connectionSecrets, redactPostgres, storageFailure } from './postgres-errors.js';
import { PostgresRecords } from './postgres-records.js';
import { PostgresRollups } from './postgres-rollups.js';
import { SchemaGate } from './postgres-schema-gate.js';
import { PgSession } from './postgres-sql.js';
import { createOwnPool } from './postgres-pool.js';
import { partitionRollups, rejectionError } from '../rollup-validation.js';
import { SideFailures, type SideFailureReporter } from '../side-failures.js';
import type { AlertQuery, AlertRecord, DeadLetter, DeadLetterQuery, JobDeadLetter, JobDeadLetterQuery, StoredRule } from '../records.js';
import { abortable } from '../../core/abortable.js';

const DEAD_LETTERS = { table: 'dead_letters', column: 'channel' } as const;
const JOB_DEAD_LETTERS = { table: 'job_dead_letters', column: 'job' } as const;

/**
 * A {@link StorageAdapter} on PostgreSQL (pg 8): rollups in one table with their labels as
 * jsonb, records (alerts, rules, dead letters) as JSON documents with their query fields in
 * columns, leases as rows. Every batch is one statement; every failure rejects with a
 * {@link StorageError} carrying pg's error as `cause` (postgres-errors.ts). Rollups live in
 * postgres-rollups.ts, records in postgres-records.ts, state in postgres-state.ts, migrations in
 * postgres-migrator.ts.
 *
 * Time: by default retention and lease expiry use the database server's clock, so every
 * instance agrees; the `now` option injects a clock instead (tests).
 *
 * @example
 * ```ts
 * import { createMonitor } from 'pulsewatch';
 * import { PostgresStorage } from 'pulsewatch/postgres';
 *
 * const storage = new PostgresStorage({ connectionString: process.env.DATABASE_URL });
 * await storage.migrate();
 * const monitor = createMonitor({ storage });
 * ```
 */
export class PostgresStorage implements StorageAdapter, StateStore, CompactionStore {
  readonly name = 'postgres';
  private readonly options: ResolvedPostgresStorageOptions;
  private readonly pool: Pool;
  private readonly ownsPool: boolean;
  private readonly db: PgSession;
  private readonly rollups: PostgresRollups;
  private readonly records: PostgresRecords;
  private readonly state: PostgresState;
  private readonly compaction: PostgresCompaction;
  private readonly gate: SchemaGate;
  private readonly sideFailures: SideFailures;
  private closed = false;
  /** The connection's password (from the connection string or the pool's options): never in a message. */
  private readonly secrets: readonly string[];

  /** Validates options (throws a ConfigError naming the bad one); connects lazily. */
  constructor(options: PostgresStorageOptions) {
    this.options = parsePostgresStorageOptions(options);
    if (this.options.pool !== undefined) {
      this.pool = this.options.pool;
      this.ownsPool = false;
    } else {
      this.pool = createOwnPool(this.options);
      this.ownsPool = true;
    }
    this.secrets = connectionSecrets(this.options.connectionString, (this.pool as { options?: { password?: unknown } }).options?.password);
    this.db = new PgSession(this.pool, quoteIdent(this.options.schema), this.options.now, this.options.queryTimeout, this.options.preparedStatements);
    this.rollups = new PostgresRollups(this.db, this.options.retention);
    this.sideFailures = new SideFailures(this.options.onError, this.label());
    // Side failures carry pg's messages too: the password stays out of them as out of rejections.
    const report: SideFailureReporter = (error) => {
      const message = redactPostgres(error.message, this.secrets);
      this.sideFailures.report(message === error.message ? error : new StorageError(message, { cause: error.cause, permanent: error.permanent, rejected: error.rejected }));
    };
    this.rollups.reportNamesFailure = report;
    this.rollups.names.report = report;
    this.records = new PostgresRecords(this.db);
    this.state = new PostgresState(this.db);
    this.compaction = new PostgresCompaction(this.db, this.options.retention, this.options.schema);
    // Stored rows that hold no rollup or record are skipped by the read and reported here.
    for (const part of [this.rollups, this.records, this.compaction]) {
      part.reportSkipped = report;
      part.label = this.label();
    }
    // A call made before the schema is current migrates it (waiting for another session's
    // migration as long as one statement may take), or without autoMigrate checks its version.
    const { autoMigrate, schema, queryTimeout } = this.options;
    this.gate = new SchemaGate(
      autoMigrate ? () => runMigrations(this.pool, schema, { queryTimeout, lockWait: queryTimeout }) : () => checkSchemaVersion(this.db),
      autoMigrate,
      this.options.now ?? Date.now,
      this.label(),
    );
  }

  /** The schema holding the tables. */
  get schema(): string {
    return this.options.schema;
  }

  /**
   * Sends side failures (the metric names upsert after stored rollups, the names' catch-up) to
   * `report` until the returned function is called, unless the `onError` option was given (see
   * `StorageLifecycle.attachSideFailures`).
   */
  attachSideFailures(report: SideFailureReporter): (() => void) | undefined {
    return this.sideFailures.attach(report);
  }

  /**
   * Creates the schema, tables and indexes, or brings them up to date. Idempotent, and safe to
   * run from several instances at once: an advisory lock serialises them, and a call waits for
   * another session's migration to finish (an index build on a large table can take minutes).
   * Resolves to the migration versions this call applied.
   */
  async migrate(options?: CallOptions): Promise<number[]> {
    this.assertOpen();
    try {
      const migrating = { queryTimeout: this.options.queryTimeout, lockWait: Infinity };
      const applied = await abortable(() => runMigrations(this.pool, this.options.schema, migrating), options?.signal);
      this.gate.succeeded();
      return applied;
    } catch (cause) {
      throw this.failure('migrating', cause);
    }
  }

  /**
   * Writes the batch in one statement; rollups already past retention are skipped. Invalid
   * rollups (see `rollupProblem`) are left out; once the rest is stored the call rejects with a
   * permanent StorageError listing their indexes.
   */
  async writeRollups(rollups: readonly Rollup[], options?: CallOptions): Promise<void> {
    const partition = partitionRollups(rollups);
    await this.run(`writing ${partition.valid.length} rollups`, options, () => this.rollups.insert(partition.valid, options?.signal));
    if (partition.rejected.length > 0) throw rejectionError(this.label(), rollups.length, partition);
  }

  /** Rollups of `query.name` whose labels contain `query.labels` and whose slot overlaps (from, to), by start. */
  async queryRollups(query: RollupQuery, options?: CallOptions): Promise<Rollup[]> {
    return this.run(`reading rollups of "${query.name}"`, options, () => this.rollups.query(query));
  }

  /**
   * Merges older rollups into one per series and span (see `CompactionStore.compactRollups`):
   * one transaction per call (postgres-compaction.ts).
   */
  async compactRollups(request: CompactionRequest, options?: CallOptions): Promise<CompactionResult> {
    this.assertOpen();
    const { span, before, limit } = checkCompactionRequest(this.label(), request);
    return this.run(`compacting rollups into ${span} ms spans`, options, () => this.compaction.compact(span, before, limit));
  }

  /**
   * The names with a slot that ended after `query.since`, from the `metric_names` table writes
   * keep, each with its series counted from `metric_series` (their ends kept to within a minute:
   * see `SERIES_GRANULARITY`).
   */
  async listMetricNames(query: MetricNameQuery, options?: CallOptions): Promise<StoredMetricName[]> {
    return this.run('listing metric names', options, async () => {
      assertNameQuery(query);
      return this.rollups.names.list(query);
    });
  }

  /** `INSERT ... ON CONFLICT (key) DO NOTHING` into `state`: true when this call stored the entry (see `StateStore`). */
  async putStateIfAbsent(key: string, value: unknown, options?: CallOptions): Promise<boolean> {
    return this.run(`storing state "${key}"`, options, () => this.state.put(key, value));
  }

  /** The entries under `prefix`, by key in code point order, from a range of the primary key. */
  async readState(prefix: string, options?: ReadStateOptions): Promise<StateEntry[]> {
    return this.run('reading state', options, () => this.state.read(prefix, options?.limit));
  }

  /** Deletes the entry of `key`; true if it existed. */
  async deleteState(key: string, options?: CallOptions): Promise<boolean> {
    return this.run(`deleting state "${key}"`, options, () => this.state.delete(key));
  }

  /** Takes `key` for `ttlMs` unless another caller holds an unexpired lease: one upsert, conditional on expiry. */
  async tryAcquire(key: string, ttlMs: number, options?: CallOptions): Promise<boolean> {
    return this.run(`acquiring lease "${key}"`, options, () => this.records.tryAcquire(key, ttlMs));
  }

  /** Creates or replaces the alert record with `alert.id`. */
  async saveAlert(alert: AlertRecord, options?: CallOptions): Promise<void> {
    await this.run(`saving alert "${alert.id}"`, options, () => this.records.saveAlert(alert));
  }

  /** Matching alert records, most recently updated first (ties: id descending, as MemoryStorage). */
  async queryAlerts(query: AlertQuery, options?: CallOptions): Promise<AlertRecord[]> {
    return this.run('reading alerts', options, () => this.records.queryAlerts(query));
  }

  /** Creates or replaces the rule with `rule.id` (a replaced rule keeps its place in the order). */
  async saveRule(rule: StoredRule, options?: CallOptions): Promise<void> {
    await this.run(`saving rule "${rule.id}"`, options, () => this.records.saveRule(rule));
  }

  /** Deletes a rule; true if it existed. */
  async deleteRule(id: string, options?: CallOptions): Promise<boolean> {
    return this.run(`deleting rule "${id}"`, options, () => this.records.deleteById('rules', id));
  }

  /** Every stored rule, oldest first. */
  async listRules(options?: CallOptions): Promise<StoredRule[]> {
    return this.run('listing rules', options, () => this.records.listRules());
  }

  /** Creates or replaces the dead letter with `letter.id`. */
  async saveDeadLetter(letter: DeadLetter, options?: CallOptions): Promise<void> {
    await this.run(`saving dead letter "${letter.id}"`, options, () => this.records.saveLetter(DEAD_LETTERS, letter.channel, letter));
  }

  /** Dead letters matching the query, oldest first. */
  async listDeadLetters(query: DeadLetterQuery = {}, options?: CallOptions): Promise<DeadLetter[]> {
    return this.run('listing dead letters', options, () => this.records.listLetters<DeadLetter>(DEAD_LETTERS, query.channel, query.limit));
  }

  /** Deletes a dead letter; true if it existed. */
  async deleteDeadLetter(id: string, options?: CallOptions): Promise<boolean> {
    return this.run(`deleting dead letter "${id}"`, options, () => this.records.deleteById('dead_letters', id));
  }

  /** Creates or replaces the job dead letter with `letter.id`. */
  async saveJobDeadLetter(letter: JobDeadLetter, options?: CallOptions): Promise<void> {
    await this.run(`saving job dead letter "${letter.id}"`, options, () => this.records.saveLetter(JOB_DEAD_LETTERS, letter.job, letter));
  }

  /** Job dead letters matching the query, oldest first. */
  async listJobDeadLetters(query: JobDeadLetterQuery = {}, options?: CallOptions): Promise<JobDeadLetter[]> {
    return this.run('listing job dead letters', options, () => this.records.listLetters<JobDeadLetter>(JOB_DEAD_LETTERS, query.job, query.limit));
  }

  /** Deletes a job dead letter; true if it existed. */
  async deleteJobDeadLetter(id: string, options?: CallOptions): Promise<boolean> {
    return this.run(`deleting job dead letter "${id}"`, options, () => this.records.deleteById('job_dead_letters', id));
  }

  /**
   * In one statement, deletes rollups that ended at or before `timestamp`, resolved alerts that
   * ended before it, dead letters (both kinds) that failed before it, and expired leases.
   * Returns the rollups, alerts and dead letters removed. Rules and firing alerts are kept.
   */
  async purgeBefore(timestamp: number, options?: CallOptions): Promise<number> {
    return this.run('purging', options, async () => {
      const removed = await this.records.purgeBefore(timestamp);
      this.rollups.names.forget();
      return removed;
    });
  }

  /** Ends the pool if the adapter created it; afterwards every call rejects with a StorageError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
    if (!this.ownsPool) return;
    try {
      await this.pool.end();
    } catch (cause) {
      throw this.failure('closing the pool', cause);
    }
  }

  /** Runs one adapter call: open check, the schema gate, abort signal, and StorageError wrapping. */
  private async run<T>(what: string, options: CallOptions | undefined, fn: () => Promise<T>): Promise<T> {
    this.assertOpen();
    try {
      await abortable(() => this.gate.ready(), options?.signal);
      return await abortable(fn, options?.signal);
    } catch (cause) {
      throw this.failure(what, cause);
    }
  }

  /** pg's error as the StorageError the call rejects with (postgres-errors.ts). */
  private failure(what: string, cause: unknown): StorageError {
    return storageFailure(this.label(), what, cause, this.secrets);
  }

  private label(): string {
    return `PostgresStorage (schema "${this.options.schema}")`;
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError('PostgresStorage is closed');
  }
}
