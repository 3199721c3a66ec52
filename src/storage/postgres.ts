import pg from 'pg';
import type { Pool, QueryResultRow } from 'pg';
import { StorageError } from '../core/errors.js';
import type { CallOptions, Rollup, RollupQuery, StorageAdapter } from './contract.js';
import { quoteIdent, runMigrations } from './postgres-migrations.js';
import { parsePostgresStorageOptions, type PostgresStorageOptions, type ResolvedPostgresStorageOptions } from './postgres-options.js';
import { encodeLabels, float, lastPerInstanceSlot, ROLLUP_COLUMNS, ROLLUP_SELECT, rollupColumns, rowToRollup, toJson, type RollupRow } from './postgres-rows.js';
import { isDataException, isProgramLimit } from './postgres-errors.js';
import { partitionRollups, rejectionError } from './rollup-validation.js';
import type { AlertQuery, AlertRecord, DeadLetter, DeadLetterQuery, JobDeadLetter, JobDeadLetterQuery, StoredRule } from './records.js';
import { abortable } from '../core/abortable.js';

/** The columns of the unique (name, series, start, instance) index: a conflicting row keeps them. */
const KEY_COLUMNS: ReadonlySet<string> = new Set(['name', 'series_key', 'start_ms', 'instance']);

/** Longest time between two sweeps of expired rollups and leases (as MemoryStorage). */
const SWEEP_INTERVAL = 60_000;

/** Parameters of one statement; `now()` adds the time source as a parameter or an SQL expression. */
class Params {
  readonly values: unknown[] = [];
  constructor(private readonly clock: (() => number) | undefined) {}

  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }

  /** Current time in ms as float8: the injected clock's, or the server's. */
  now(): string {
    return this.clock ? this.add(float(this.clock()), '::float8') : '(extract(epoch from statement_timestamp()) * 1000)::float8';
  }
}

/**
 * A {@link StorageAdapter} on PostgreSQL (pg 8): rollups in one table with their labels as
 * jsonb, records (alerts, rules, dead letters) as JSON documents with their query fields in
 * columns, leases as rows. Every batch is one statement; every failure rejects with a
 * {@link StorageError} carrying pg's error as `cause`.
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
export class PostgresStorage implements StorageAdapter {
  readonly name = 'postgres';
  private readonly options: ResolvedPostgresStorageOptions;
  private readonly pool: Pool;
  private readonly ownsPool: boolean;
  /** Quoted schema name, ready to prefix table names. */
  private readonly s: string;
  private migrated: Promise<unknown> | undefined;
  private closed = false;
  private lastSweep = -Infinity;

  /** Validates options (throws a ConfigError naming the bad one); connects lazily. */
  constructor(options: PostgresStorageOptions) {
    this.options = parsePostgresStorageOptions(options);
    this.s = quoteIdent(this.options.schema);
    if (this.options.pool !== undefined) {
      this.pool = this.options.pool;
      this.ownsPool = false;
    } else {
      this.pool = new pg.Pool({
        connectionString: this.options.connectionString,
        max: this.options.maxConnections,
        connectionTimeoutMillis: this.options.connectionTimeout,
        allowExitOnIdle: true,
      });
      // An idle client losing its connection emits 'error' on the pool, which would crash the
      // process unhandled. The next statement fails and reports through its promise instead.
      this.pool.on('error', () => undefined);
      this.ownsPool = true;
    }
  }

  /** The schema holding the tables. */
  get schema(): string {
    return this.options.schema;
  }

  /**
   * Creates the schema, tables and indexes, or brings them up to date. Idempotent, and safe to
   * run from several instances at once (an advisory lock serialises them). Resolves to the
   * migration versions this call applied.
   */
  async migrate(options?: CallOptions): Promise<number[]> {
    this.assertOpen();
    try {
      const applied = await abortable(() => runMigrations(this.pool, this.options.schema, this.options.queryTimeout), options?.signal);
      this.migrated ??= Promise.resolve();
      return applied;
    } catch (cause) {
      throw this.failure('migrating', cause);
    }
  }

  /**
   * Writes the batch in one INSERT ... SELECT FROM unnest(...); rollups already past retention
   * are skipped. Invalid rollups (see `rollupProblem`) are left out; once the rest is stored the
   * call rejects with a permanent StorageError listing their indexes.
   */
  async writeRollups(rollups: readonly Rollup[], options?: CallOptions): Promise<void> {
    const partition = partitionRollups(rollups);
    await this.insertRollups(partition.valid, options);
    if (partition.rejected.length > 0) throw rejectionError(`PostgresStorage (schema "${this.options.schema}")`, rollups.length, partition);
  }

  private async insertRollups(rollups: readonly Rollup[], options?: CallOptions): Promise<void> {
    await this.run(`writing ${rollups.length} rollups`, options, async () => {
      if (rollups.length === 0) return;
      const p = new Params(this.options.now);
      const arrays = rollupColumns(lastPerInstanceSlot(rollups)).map((col, i) => p.add(col, `::${ROLLUP_COLUMNS[i]![1]}[]`));
      const names = ROLLUP_COLUMNS.map(([c]) => c).join(', ');
      const cutoff = `${p.now()} - ${p.add(this.options.retention, '::float8')}`;
      // Every minute at most, the same statement also deletes what retention hides.
      const sweep = this.sweepDue()
        ? `WITH swept AS (DELETE FROM ${this.s}.rollups WHERE end_ms <= ${cutoff}), expired AS (DELETE FROM ${this.s}.leases WHERE expires_at <= ${p.now()}) `
        : '';
      const updates = ROLLUP_COLUMNS.filter(([c]) => !KEY_COLUMNS.has(c))
        .map(([c]) => `${c} = EXCLUDED.${c}`)
        .join(', ');
      // One row per (name, series, start, instance): a rewrite (a retry whose first attempt
      // landed) replaces the row. Rows without an instance never conflict (NULLs are distinct).
      await this.query(
        p,
        `${sweep}INSERT INTO ${this.s}.rollups (${names}) SELECT * FROM unnest(${arrays.join(', ')}) AS t(${names}) WHERE t.end_ms > ${cutoff}
         ON CONFLICT (name, start_ms, instance, md5(series_key)) DO UPDATE SET ${updates}`,
      );
    });
  }

  /** Rollups of `query.name` whose labels contain `query.labels` and whose slot overlaps (from, to), by start. */
  async queryRollups(query: RollupQuery, options?: CallOptions): Promise<Rollup[]> {
    return this.run(`reading rollups of "${query.name}"`, options, async () => {
      const p = new Params(this.options.now);
      const where = [`name = ${p.add(query.name)}`, `end_ms > ${p.now()} - ${p.add(this.options.retention, '::float8')}`];
      if (query.labels !== undefined && Object.keys(query.labels).length > 0) where.push(`labels @> ${p.add(JSON.stringify(encodeLabels(query.labels)), '::jsonb')}`);
      // Slot bounds are integers: end > from <=> end > floor(from); start < to <=> start < ceil(to).
      if (query.from !== undefined && query.from > -Infinity) where.push(`end_ms > ${p.add(bound(Math.floor(query.from)), '::bigint')}`);
      if (query.to !== undefined && query.to < Infinity) where.push(`start_ms < ${p.add(bound(Math.ceil(query.to)), '::bigint')}`);
      const rows = await this.query<RollupRow>(p, `SELECT ${ROLLUP_SELECT} FROM ${this.s}.rollups WHERE ${where.join(' AND ')} ORDER BY start_ms, id`);
      return rows.map(rowToRollup);
    });
  }

  /** Takes `key` for `ttlMs` unless another caller holds an unexpired lease: one upsert, conditional on expiry. */
  async tryAcquire(key: string, ttlMs: number, options?: CallOptions): Promise<boolean> {
    return this.run(`acquiring lease "${key}"`, options, async () => {
      const p = new Params(this.options.now);
      const now = p.now();
      const rows = await this.query(
        p,
        `INSERT INTO ${this.s}.leases AS l (key, expires_at) VALUES (${p.add(key)}, ${now} + ${p.add(float(ttlMs), '::float8')})
         ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE l.expires_at <= ${now} RETURNING 1`,
      );
      return rows.length === 1;
    });
  }

  /** Creates or replaces the alert record with `alert.id`. */
  async saveAlert(alert: AlertRecord, options?: CallOptions): Promise<void> {
    await this.run(`saving alert "${alert.id}"`, options, async () => {
      const p = new Params(undefined);
      const v = [alert.id, alert.ruleId, alert.fingerprint, alert.status, float(alert.updatedAt), alert.endsAt === undefined ? null : float(alert.endsAt), toJson(alert)];
      await this.query(
        p,
        `INSERT INTO ${this.s}.alerts (id, rule_id, fingerprint, status, updated_at, ends_at, doc) VALUES (${v.map((x) => p.add(x)).join(', ')})
         ON CONFLICT (id) DO UPDATE SET rule_id = EXCLUDED.rule_id, fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status,
           updated_at = EXCLUDED.updated_at, ends_at = EXCLUDED.ends_at, doc = EXCLUDED.doc`,
      );
    });
  }

  /** Matching alert records, most recently updated first (ties: id descending, as MemoryStorage). */
  async queryAlerts(query: AlertQuery, options?: CallOptions): Promise<AlertRecord[]> {
    return this.run('reading alerts', options, async () => {
      const p = new Params(undefined);
      const where = ['true'];
      if (query.status !== undefined) where.push(`status = ${p.add(query.status)}`);
      if (query.ruleId !== undefined) where.push(`rule_id = ${p.add(query.ruleId)}`);
      if (query.fingerprint !== undefined) where.push(`fingerprint = ${p.add(query.fingerprint)}`);
      if (query.from !== undefined) where.push(`updated_at >= ${p.add(float(query.from), '::float8')}`);
      if (query.to !== undefined) where.push(`updated_at < ${p.add(float(query.to), '::float8')}`);
      const rows = await this.query<{ doc: AlertRecord }>(
        p,
        `SELECT doc FROM ${this.s}.alerts WHERE ${where.join(' AND ')} ORDER BY updated_at DESC, id COLLATE "C" DESC${limitSql(p, query.limit)}`,
      );
      return slice(rows, query.limit).map((r) => r.doc);
    });
  }

  /** Creates or replaces the rule with `rule.id` (a replaced rule keeps its place in the order). */
  async saveRule(rule: StoredRule, options?: CallOptions): Promise<void> {
    await this.run(`saving rule "${rule.id}"`, options, async () => {
      const p = new Params(undefined);
      await this.query(
        p,
        `INSERT INTO ${this.s}.rules (id, created_at, doc) VALUES (${p.add(rule.id)}, ${p.add(float(rule.createdAt), '::float8')}, ${p.add(toJson(rule))})
         ON CONFLICT (id) DO UPDATE SET created_at = EXCLUDED.created_at, doc = EXCLUDED.doc`,
      );
    });
  }

  /** Deletes a rule; true if it existed. */
  async deleteRule(id: string, options?: CallOptions): Promise<boolean> {
    return this.deleteById('rules', 'rule', id, options);
  }

  /** Every stored rule, oldest first. */
  async listRules(options?: CallOptions): Promise<StoredRule[]> {
    return this.run('listing rules', options, async () => {
      const rows = await this.query<{ doc: StoredRule }>(new Params(undefined), `SELECT doc FROM ${this.s}.rules ORDER BY created_at, seq`);
      return rows.map((r) => r.doc);
    });
  }

  /** Creates or replaces the dead letter with `letter.id`. */
  async saveDeadLetter(letter: DeadLetter, options?: CallOptions): Promise<void> {
    await this.saveLetter('dead_letters', 'channel', letter.channel, letter, options);
  }

  /** Dead letters matching the query, oldest first. */
  async listDeadLetters(query: DeadLetterQuery = {}, options?: CallOptions): Promise<DeadLetter[]> {
    return this.listLetters<DeadLetter>('dead_letters', 'channel', query.channel, query.limit, options);
  }

  /** Deletes a dead letter; true if it existed. */
  async deleteDeadLetter(id: string, options?: CallOptions): Promise<boolean> {
    return this.deleteById('dead_letters', 'dead letter', id, options);
  }

  /** Creates or replaces the job dead letter with `letter.id`. */
  async saveJobDeadLetter(letter: JobDeadLetter, options?: CallOptions): Promise<void> {
    await this.saveLetter('job_dead_letters', 'job', letter.job, letter, options);
  }

  /** Job dead letters matching the query, oldest first. */
  async listJobDeadLetters(query: JobDeadLetterQuery = {}, options?: CallOptions): Promise<JobDeadLetter[]> {
    return this.listLetters<JobDeadLetter>('job_dead_letters', 'job', query.job, query.limit, options);
  }

  /** Deletes a job dead letter; true if it existed. */
  async deleteJobDeadLetter(id: string, options?: CallOptions): Promise<boolean> {
    return this.deleteById('job_dead_letters', 'job dead letter', id, options);
  }

  /**
   * In one statement, deletes rollups that ended at or before `timestamp`, resolved alerts that
   * ended before it, dead letters (both kinds) that failed before it, and expired leases.
   * Returns the rollups, alerts and dead letters removed (leases are not records: not counted,
   * as in MemoryStorage). Rules and firing alerts are kept.
   */
  async purgeBefore(timestamp: number, options?: CallOptions): Promise<number> {
    return this.run('purging', options, async () => {
      const p = new Params(this.options.now);
      const ts = p.add(float(timestamp), '::float8');
      const end = p.add(bound(Math.floor(timestamp)), '::bigint');
      const rows = await this.query<{ removed: string }>(
        p,
        `WITH r AS (DELETE FROM ${this.s}.rollups WHERE end_ms <= ${end} RETURNING 1),
         a AS (DELETE FROM ${this.s}.alerts WHERE status = 'resolved' AND coalesce(ends_at, updated_at) < ${ts} RETURNING 1),
         d AS (DELETE FROM ${this.s}.dead_letters WHERE failed_at < ${ts} RETURNING 1),
         j AS (DELETE FROM ${this.s}.job_dead_letters WHERE failed_at < ${ts} RETURNING 1),
         l AS (DELETE FROM ${this.s}.leases WHERE expires_at <= ${p.now()})
         SELECT (SELECT count(*) FROM r) + (SELECT count(*) FROM a) + (SELECT count(*) FROM d) + (SELECT count(*) FROM j) AS removed`,
      );
      return Number(rows[0]!.removed);
    });
  }

  /** Ends the pool if the adapter created it; afterwards every call rejects with a StorageError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.ownsPool) return;
    try {
      await this.pool.end();
    } catch (cause) {
      throw this.failure('closing the pool', cause);
    }
  }

  private async saveLetter(table: string, column: string, value: string, letter: DeadLetter | JobDeadLetter, options?: CallOptions): Promise<void> {
    await this.run(`saving ${table.replace(/_/g, ' ').slice(0, -1)} "${letter.id}"`, options, async () => {
      const p = new Params(undefined);
      await this.query(
        p,
        `INSERT INTO ${this.s}.${table} (id, ${column}, failed_at, doc) VALUES (${p.add(letter.id)}, ${p.add(value)}, ${p.add(float(letter.failedAt), '::float8')}, ${p.add(toJson(letter))})
         ON CONFLICT (id) DO UPDATE SET ${column} = EXCLUDED.${column}, failed_at = EXCLUDED.failed_at, doc = EXCLUDED.doc`,
      );
    });
  }

  private async listLetters<T>(table: string, column: string, value: string | undefined, limit: number | undefined, options?: CallOptions): Promise<T[]> {
    return this.run(`listing ${table.replace(/_/g, ' ')}`, options, async () => {
      const p = new Params(undefined);
      const where = value === undefined ? '' : ` WHERE ${column} = ${p.add(value)}`;
      const rows = await this.query<{ doc: T }>(p, `SELECT doc FROM ${this.s}.${table}${where} ORDER BY failed_at, seq${limitSql(p, limit)}`);
      return slice(rows, limit).map((r) => r.doc);
    });
  }

  private async deleteById(table: string, what: string, id: string, options?: CallOptions): Promise<boolean> {
    return this.run(`deleting ${what} "${id}"`, options, async () => {
      const p = new Params(undefined);
      const rows = await this.query(p, `DELETE FROM ${this.s}.${table} WHERE id = ${p.add(id)} RETURNING 1`);
      return rows.length > 0;
    });
  }

  /** Runs one adapter call: open check, auto-migration, abort signal, and StorageError wrapping. */
  private async run<T>(what: string, options: CallOptions | undefined, fn: () => Promise<T>): Promise<T> {
    this.assertOpen();
    try {
      if (this.options.autoMigrate) await abortable(() => this.ensureMigrated(), options?.signal);
      return await abortable(fn, options?.signal);
    } catch (cause) {
      throw this.failure(what, cause);
    }
  }

  private ensureMigrated(): Promise<unknown> {
    if (this.migrated === undefined) {
      const attempt = runMigrations(this.pool, this.options.schema, this.options.queryTimeout);
      this.migrated = attempt;
      // A failed attempt (database down) is retried by the next call.
      attempt.catch(() => {
        if (this.migrated === attempt) this.migrated = undefined;
      });
    }
    return this.migrated;
  }

  private async query<R extends QueryResultRow = QueryResultRow>(p: Params, text: string): Promise<R[]> {
    if (this.closed) throw new StorageError('PostgresStorage is closed');
    const result = await this.pool.query<R>({ text, values: p.values, query_timeout: this.options.queryTimeout } as never);
    return result.rows;
  }

  private sweepDue(): boolean {
    const now = this.options.now ? this.options.now() : Date.now();
    if (now - this.lastSweep < Math.min(this.options.retention, SWEEP_INTERVAL)) return false;
    this.lastSweep = now;
    return true;
  }

  /**
   * Wraps pg's error. A data exception (SQLSTATE class 22: 22P05 an untranslatable escape in
   * jsonb, 22021 a byte sequence UTF-8 refuses, 22003 a number out of range, 22008 a date out of
   * range...) is the data's fault and fails again however often it is retried: permanent. So is
   * a program limit (class 54: an index row too large); the recorder then splits the batch.
   * Everything else (connection, timeout, lock, shutdown) is transient.
   */
  private failure(what: string, cause: unknown): StorageError {
    if (cause instanceof StorageError) return cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
    const permanent = typeof code === 'string' && (isDataException(code) || isProgramLimit(code));
    const sqlstate = permanent ? ` (SQLSTATE ${code}: the data is invalid, retrying cannot help)` : '';
    return new StorageError(`PostgresStorage (schema "${this.options.schema}"): ${what} failed: ${reason}${sqlstate}`, { cause, permanent });
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError('PostgresStorage is closed');
  }
}

/** Clamps a bound to bigint's range (an out-of-range bound matches everything or nothing anyway). */
function bound(n: number): string {
  return String(Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n)));
}

function limitSql(p: Params, limit: number | undefined): string {
  return limit !== undefined && Number.isSafeInteger(limit) && limit >= 0 ? ` LIMIT ${p.add(limit)}` : '';
}

/** Applies `limit` exactly as MemoryStorage's `slice(0, limit)` does (for limits SQL cannot express). */
function slice<T>(rows: T[], limit: number | undefined): T[] {
  return limit === undefined ? rows : rows.slice(0, limit);
}
