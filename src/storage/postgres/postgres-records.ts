import { float, toJson } from './postgres-rows.js';
import { bound, limitSql, slice, type PgSession } from './postgres-sql.js';
import { purgeNamesSql } from './postgres-names.js';
import type { SideFailureReporter } from '../side-failures.js';
import { SkippedValues } from '../skipped-values.js';
import type { AlertQuery, AlertRecord, DeadLetter, JobDeadLetter, StoredRule } from '../records.js';

/** The two dead-letter tables and the column each is listed by. */
export type LetterTable = { table: 'dead_letters'; column: 'channel' } | { table: 'job_dead_letters'; column: 'job' };

/**
 * Alert records, rules, dead letters (both kinds), leases and purges of {@link PostgresStorage}:
 * each record a `json` document with its query fields in columns; one statement per call.
 * Results are ordered exactly as MemoryStorage orders them.
 */
export class PostgresRecords {
  /** Quoted schema name. */
  private readonly s: string;

  /** Where documents a read sets aside (stored documents that are no record) are reported, and the adapter's name for it (set by the adapter). */
  reportSkipped: SideFailureReporter = () => {};
  label = 'PostgresStorage';

  constructor(private readonly db: PgSession) {
    this.s = db.s;
  }

  /**
   * The documents of `rows` that are JSON objects: stored data read back is hostile input, and a
   * `json` column holds any JSON (a row written by hand may hold `"x"`, `null` or `[]`). The others
   * are set aside and reported once, as RedisStorage does, not handed to the engine as records.
   */
  private docs<T>(rows: readonly { doc: unknown }[], operation: string): T[] {
    const out: T[] = [];
    const skipped = new SkippedValues(this.label);
    for (const { doc } of rows) {
      if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) out.push(doc as T);
      else skipped.add(JSON.stringify(doc) ?? String(doc), new TypeError('a record that is not a JSON object'));
    }
    skipped.reportTo(this.reportSkipped, operation, 'stored record', 'stored records');
    return out;
  }

  /** Takes `key` for `ttlMs` unless another caller holds an unexpired lease: one upsert, conditional on expiry. */
  async tryAcquire(key: string, ttlMs: number): Promise<boolean> {
    const p = this.db.params();
    const now = p.now();
    const rows = await this.db.query(
      p,
      `INSERT INTO ${this.s}.leases AS l (key, expires_at) VALUES (${p.add(key)}, ${now} + ${p.add(float(ttlMs), '::float8')})
       ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE l.expires_at <= ${now} RETURNING 1`,
    );
    return rows.length === 1;
  }

  /** Creates or replaces the alert record with `alert.id`. */
  async saveAlert(alert: AlertRecord): Promise<void> {
    const p = this.db.params();
    const v = [alert.id, alert.ruleId, alert.fingerprint, alert.status, float(alert.updatedAt), alert.endsAt === undefined ? null : float(alert.endsAt), toJson(alert)];
    await this.db.query(
      p,
      `INSERT INTO ${this.s}.alerts (id, rule_id, fingerprint, status, updated_at, ends_at, doc) VALUES (${v.map((x) => p.add(x)).join(', ')})
       ON CONFLICT (id) DO UPDATE SET rule_id = EXCLUDED.rule_id, fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status,
         updated_at = EXCLUDED.updated_at, ends_at = EXCLUDED.ends_at, doc = EXCLUDED.doc`,
    );
  }

  /** Matching alert records, most recently updated first (ties: id descending, as MemoryStorage). */
  async queryAlerts(query: AlertQuery): Promise<AlertRecord[]> {
    const p = this.db.params();
    const where = ['true'];
    if (query.status !== undefined) where.push(`status = ${p.add(query.status)}`);
    if (query.ruleId !== undefined) where.push(`rule_id = ${p.add(query.ruleId)}`);
    if (query.fingerprint !== undefined) where.push(`fingerprint = ${p.add(query.fingerprint)}`);
    if (query.from !== undefined) where.push(`updated_at >= ${p.add(float(query.from), '::float8')}`);
    if (query.to !== undefined) where.push(`updated_at < ${p.add(float(query.to), '::float8')}`);
    const rows = await this.db.query<{ doc: AlertRecord }>(
      p,
      `SELECT doc FROM ${this.s}.alerts WHERE ${where.join(' AND ')} ORDER BY updated_at DESC, id COLLATE "C" DESC${limitSql(p, query.limit)}`,
    );
    return this.docs<AlertRecord>(slice(rows, query.limit), 'queryAlerts');
  }

  /** Creates or replaces the rule with `rule.id` (a replaced rule keeps its place in the order). */
  async saveRule(rule: StoredRule): Promise<void> {
    const p = this.db.params();
    await this.db.query(
      p,
      `INSERT INTO ${this.s}.rules (id, created_at, doc) VALUES (${p.add(rule.id)}, ${p.add(float(rule.createdAt), '::float8')}, ${p.add(toJson(rule))})
       ON CONFLICT (id) DO UPDATE SET created_at = EXCLUDED.created_at, doc = EXCLUDED.doc`,
    );
  }

  /** Every stored rule, oldest first. */
  async listRules(): Promise<StoredRule[]> {
    const rows = await this.db.query<{ doc: StoredRule }>(this.db.params(), `SELECT doc FROM ${this.s}.rules ORDER BY created_at, seq`);
    return this.docs<StoredRule>(rows, 'listRules');
  }

  /** Creates or replaces a dead letter (of either kind) with `letter.id`. */
  async saveLetter(to: LetterTable, value: string, letter: DeadLetter | JobDeadLetter): Promise<void> {
    const p = this.db.params();
    await this.db.query(
      p,
      `INSERT INTO ${this.s}.${to.table} (id, ${to.column}, failed_at, doc) VALUES (${p.add(letter.id)}, ${p.add(value)}, ${p.add(float(letter.failedAt), '::float8')}, ${p.add(toJson(letter))})
       ON CONFLICT (id) DO UPDATE SET ${to.column} = EXCLUDED.${to.column}, failed_at = EXCLUDED.failed_at, doc = EXCLUDED.doc`,
    );
  }

  /** Dead letters of one kind, oldest first, optionally of one channel or job. */
  async listLetters<T>(from: LetterTable, value: string | undefined, limit: number | undefined): Promise<T[]> {
    const p = this.db.params();
    const where = value === undefined ? '' : ` WHERE ${from.column} = ${p.add(value)}`;
    const rows = await this.db.query<{ doc: T }>(p, `SELECT doc FROM ${this.s}.${from.table}${where} ORDER BY failed_at, seq${limitSql(p, limit)}`);
    return this.docs<T>(slice(rows, limit), from.table === 'dead_letters' ? 'listDeadLetters' : 'listJobDeadLetters');
  }

  /** Deletes the record `id` of `table`; true if it existed. */
  async deleteById(table: 'rules' | LetterTable['table'], id: string): Promise<boolean> {
    const p = this.db.params();
    const rows = await this.db.query(p, `DELETE FROM ${this.s}.${table} WHERE id = ${p.add(id)} RETURNING 1`);
    return rows.length > 0;
  }

  /**
   * In one statement, deletes rollups that ended at or before `timestamp`, resolved alerts that
   * ended before it, dead letters (both kinds) that failed before it, and expired leases.
   * Returns the rollups, alerts and dead letters removed (leases are not records: not counted,
   * as in MemoryStorage). Rules and firing alerts are kept.
   */
  async purgeBefore(timestamp: number): Promise<number> {
    const p = this.db.params();
    const ts = p.add(float(timestamp), '::float8');
    const end = p.add(bound(Math.floor(timestamp)), '::bigint');
    const rows = await this.db.query<{ removed: string }>(
      p,
      `WITH r AS (DELETE FROM ${this.s}.rollups WHERE end_ms <= ${end} RETURNING 1),
       a AS (DELETE FROM ${this.s}.alerts WHERE status = 'resolved' AND coalesce(ends_at, updated_at) < ${ts} RETURNING 1),
       d AS (DELETE FROM ${this.s}.dead_letters WHERE failed_at < ${ts} RETURNING 1),
       j AS (DELETE FROM ${this.s}.job_dead_letters WHERE failed_at < ${ts} RETURNING 1),
       l AS (DELETE FROM ${this.s}.leases WHERE expires_at <= ${p.now()}),
       ${purgeNamesSql(this.s, end)}
       SELECT (SELECT count(*) FROM r) + (SELECT count(*) FROM a) + (SELECT count(*) FROM d) + (SELECT count(*) FROM j) AS removed`,
    );
    return Number(rows[0]!.removed);
  }
}
