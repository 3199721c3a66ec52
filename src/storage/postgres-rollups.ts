import type { Rollup, RollupQuery } from './contract.js';
import { encodeLabels, ROLLUP_ARRAY_TYPES, ROLLUP_COLUMNS, ROLLUP_SELECT, rollupArrays, rowToRollup, type RollupRow } from './postgres-rows.js';
import { bound, type PgSession } from './postgres-sql.js';

/** The columns of the unique (name, series, start, instance) index: a conflicting row keeps them. */
const KEY_COLUMNS: ReadonlySet<string> = new Set(['name', 'series_key', 'start_ms', 'instance']);

const NAMES = ROLLUP_COLUMNS.map(([c]) => c).join(', ');

/** What a conflicting row gets: every column but its key's. */
const UPSERT = `ON CONFLICT (name, start_ms, instance, md5(series_key)) DO UPDATE SET ${ROLLUP_COLUMNS.filter(([c]) => !KEY_COLUMNS.has(c))
  .map(([c]) => `${c} = EXCLUDED.${c}`)
  .join(', ')}`;

/** SQLSTATE unique_violation. */
const UNIQUE_VIOLATION = '23505';

/** Longest time between two sweeps of expired rollups and leases (as MemoryStorage). */
const SWEEP_INTERVAL = 60_000;

/**
 * Rollup writes and reads of {@link PostgresStorage}: one statement per batch and per read.
 * Every minute at most (and at most once per `retention`), a write also deletes the rollups
 * and leases that retention hides.
 */
export class PostgresRollups {
  private lastSweep = -Infinity;

  constructor(
    private readonly db: PgSession,
    /** Rollups that ended longer ago than this (ms) are neither written nor read. */
    private readonly retention: number,
  ) {}

  /**
   * Writes valid rollups in one INSERT ... SELECT FROM unnest(...) of 15 array literals;
   * rollups already past retention are skipped. One row per (name, series, start, instance):
   * the unique index refuses a second. A batch is first sent as a plain INSERT; only when it
   * meets a stored row of its key (unique_violation, 23505: a retry whose first attempt
   * landed) is it sent again as INSERT ... ON CONFLICT DO UPDATE, which replaces the row. The
   * failed INSERT stored nothing (one statement), and the upsert's speculative insertion costs
   * every row about a quarter of the server's work, which new rows need not pay (see
   * docs/performance.md). Rows without an instance never conflict (NULLs are distinct).
   */
  async insert(rollups: readonly Rollup[]): Promise<void> {
    if (rollups.length === 0) return;
    const { db } = this;
    const p = db.params();
    const arrays = rollupArrays(rollups).map((literal, i) => p.add(literal, ROLLUP_ARRAY_TYPES[i]));
    const cutoff = `${p.now()} - ${p.add(this.retention, '::float8')}`;
    const sweep = this.sweepDue()
      ? `WITH swept AS (DELETE FROM ${db.s}.rollups WHERE end_ms <= ${cutoff}), expired AS (DELETE FROM ${db.s}.leases WHERE expires_at <= ${p.now()}) `
      : '';
    const insert = `${sweep}INSERT INTO ${db.s}.rollups (${NAMES}) SELECT * FROM unnest(${arrays.join(', ')}) AS t(${NAMES}) WHERE t.end_ms > ${cutoff}`;
    try {
      await db.query(p, insert);
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== UNIQUE_VIOLATION) throw error;
      await db.query(p, `${insert} ${UPSERT}`);
    }
  }

  /** Rollups of `query.name` whose labels contain `query.labels` and whose slot overlaps (from, to), by start. */
  async query(query: RollupQuery): Promise<Rollup[]> {
    const { db } = this;
    const p = db.params();
    const where = [`name = ${p.add(query.name)}`, `end_ms > ${p.now()} - ${p.add(this.retention, '::float8')}`];
    if (query.labels !== undefined && Object.keys(query.labels).length > 0) where.push(`labels @> ${p.add(JSON.stringify(encodeLabels(query.labels)), '::jsonb')}`);
    // Slot bounds are integers: end > from <=> end > floor(from); start < to <=> start < ceil(to).
    if (query.from !== undefined && query.from > -Infinity) where.push(`end_ms > ${p.add(bound(Math.floor(query.from)), '::bigint')}`);
    if (query.to !== undefined && query.to < Infinity) where.push(`start_ms < ${p.add(bound(Math.ceil(query.to)), '::bigint')}`);
    const rows = await db.query<RollupRow>(p, `SELECT ${ROLLUP_SELECT} FROM ${db.s}.rollups WHERE ${where.join(' AND ')} ORDER BY start_ms, id`);
    return rows.map(rowToRollup);
  }

  private sweepDue(): boolean {
    const now = this.db.clock ? this.db.clock() : Date.now();
    if (now - this.lastSweep < Math.min(this.retention, SWEEP_INTERVAL)) return false;
    this.lastSweep = now;
    return true;
  }
}
